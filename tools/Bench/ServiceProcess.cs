using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Bench;

/// <summary>
/// A service under test, as `dotnet &lt;Service&gt;.dll` from its Release build output, configured
/// by environment like compose does. Its stdout/stderr lines are echoed with "[service]" in front.
/// </summary>
internal sealed partial class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, Uri address, string name)
    {
        _process = process;
        Address = address;
        Name = name;
    }

    /// <summary>Lower-case service name, as in log lines: "intake".</summary>
    public string Name { get; }

    public Uri Address { get; }
    public int Pid => _process.Id;
    public Task<int> Exited => _exited.Task;

    /// <summary>Every line the service writes (stdout and stderr), as it arrives; on the output reader's thread.</summary>
    public event Action<string>? LineReceived;

    /// <summary>services/&lt;service&gt;/bin/&lt;configuration of this build&gt;/net10.0/&lt;service&gt;.dll, found from the repository root above this program.</summary>
    public static string LocateDll(string service)
    {
        var root = FindRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"Cannot find the repository root (Microservices.sln) above {AppContext.BaseDirectory}.");
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Release";
        var framework = new FrameworkName(AppContext.TargetFrameworkName ?? ".NETCoreApp,Version=v10.0");
        var dll = Path.Combine(root, "services", service, "bin", configuration, $"net{framework.Version.Major}.{framework.Version.Minor}", $"{service}.dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"{dll} does not exist; build it: dotnet build -c {configuration} tools/Bench");
    }

    public static ServiceProcess Start(string dll, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(DotnetHost(), [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, // content root: appsettings.json
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ServiceProcess(process, new Uri(url), Path.GetFileNameWithoutExtension(dll).ToLowerInvariant());
        process.OutputDataReceived += (_, e) => child.Echo(e.Data);
        process.ErrorDataReceived += (_, e) => child.Echo(e.Data);
        process.Exited += (_, _) => Task.Run(() =>
        {
            process.WaitForExit(); // drains the output readers
            child._exited.TrySetResult(process.ExitCode);
        });
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {dll}.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Console.WriteLine($"{child.Name} started (pid {process.Id}) on {url}");
        return child;
    }

    /// <summary>Polls grpc.health.v1 until SERVING; fails fast if the process dies.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var stopwatch = Stopwatch.StartNew();
        var last = "no answer yet";
        while (true)
        {
            if (Exited.IsCompleted)
            {
                throw new InvalidOperationException($"{Name} exited with code {Exited.Result} before it became healthy (see its lines above).");
            }
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    Console.WriteLine($"{Name} is healthy after {stopwatch.Elapsed.TotalSeconds:F1} s");
                    return;
                }
                last = $"status {reply.Status}";
            }
            catch (RpcException e)
            {
                last = $"{e.StatusCode}: {e.Status.Detail}";
            }
            if (stopwatch.Elapsed > timeout)
            {
                throw new InvalidOperationException($"{Name} did not report SERVING within {timeout.TotalSeconds:F0} s (last answer: {last}).");
            }
            await Task.WhenAny(Task.Delay(100), Exited);
        }
    }

    /// <summary>SIGTERM (clean shutdown), then a kill if it is still there after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Exited.IsCompleted)
        {
            return;
        }
        if (OperatingSystem.IsWindows() || Kill(_process.Id, SigTerm) != 0)
        {
            KillTree();
        }
        try
        {
            await Exited.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            KillTree();
            await Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    public void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private void Echo(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine($"[{Name}] {line}");
            LineReceived?.Invoke(line);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Microservices.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>The dotnet host running this program, so the child uses the same runtime.</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        return "dotnet";
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
