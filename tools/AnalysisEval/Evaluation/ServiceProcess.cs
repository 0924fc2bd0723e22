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

namespace AnalysisEval.Evaluation;

/// <summary>
/// The Analysis service under test, as `dotnet Analysis.dll` from its Release build output, configured
/// by environment like compose does. Its stdout/stderr lines are echoed with "[analysis]" in front.
/// </summary>
internal sealed partial class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int Pid => _process.Id;
    public Task<int> Exited => _exited.Task;

    /// <summary>services/Analysis/bin/&lt;configuration of this build&gt;/net10.0/Analysis.dll, found from the repository root above this program.</summary>
    public static string LocateDll()
    {
        var root = FindRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"Cannot find the repository root (Microservices.sln) above {AppContext.BaseDirectory}.");
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Release";
        var framework = new FrameworkName(AppContext.TargetFrameworkName ?? ".NETCoreApp,Version=v10.0");
        var dll = Path.Combine(root, "services", "Analysis", "bin", configuration, $"net{framework.Version.Major}.{framework.Version.Minor}", "Analysis.dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"{dll} does not exist; build it: dotnet build -c {configuration} tools/AnalysisEval");
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
        var child = new ServiceProcess(process, new Uri(url));
        process.OutputDataReceived += (_, e) => Echo(e.Data);
        process.ErrorDataReceived += (_, e) => Echo(e.Data);
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
        Console.WriteLine($"analysis started (pid {process.Id}) on {url}");
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
                throw new InvalidOperationException($"analysis exited with code {Exited.Result} before it became healthy (see its lines above).");
            }
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    Console.WriteLine($"analysis is healthy after {stopwatch.Elapsed.TotalSeconds:F1} s");
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
                throw new InvalidOperationException($"analysis did not report SERVING within {timeout.TotalSeconds:F0} s (last answer: {last}).");
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

    private static void Echo(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine($"[analysis] {line}");
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
