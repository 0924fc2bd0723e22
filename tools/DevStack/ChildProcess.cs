using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace DevStack;

/// <summary>
/// One service of the stack running as `dotnet &lt;dll&gt;`, its output echoed line by line with
/// its name in front.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConsoleColor _color;

    private ChildProcess(string name, Uri address, Process process, ConsoleColor color)
    {
        Name = name;
        Address = address;
        _process = process;
        _color = color;
    }

    public string Name { get; }

    /// <summary>http://127.0.0.1:port, h2c.</summary>
    public Uri Address { get; }

    /// <summary>Completes with the exit code once the process has exited and its output is drained.</summary>
    public Task<int> Exited => _exited.Task;

    public static ChildProcess Start(string name, string dll, int port, IReadOnlyDictionary<string, string> environment, ConsoleColor color)
    {
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(DotnetHost(), [dll, "--urls", url])
        {
            // The content root (appsettings.json) is the working directory.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // Either alone overrides the "Urls" in the service's appsettings.json; --urls also wins over a stray URLS variable.
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(name, new Uri(url), process, color);
        process.OutputDataReceived += (_, e) => child.Echo(e.Data);
        process.ErrorDataReceived += (_, e) => child.Echo(e.Data);
        process.Exited += (_, _) => Task.Run(child.OnExited);
        if (!process.Start())
        {
            throw new StartupException($"{name}: could not start {start.FileName} {dll}.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Output.Info($"{name} started (pid {process.Id}) on {url}");
        return child;
    }

    /// <summary>
    /// Polls grpc.health.v1 Check until the service answers SERVING. Fails fast when the process
    /// dies, naming it and its exit code.
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var stopwatch = Stopwatch.StartNew();
        var lastAnswer = "no answer yet";
        while (true)
        {
            if (Exited.IsCompleted)
            {
                throw new StartupException($"{Name} exited with code {Exited.Result} before it became healthy; its last [{Name}] lines above say why.");
            }
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    Output.Info($"{Name} is healthy ({stopwatch.Elapsed.TotalSeconds:F1} s)");
                    return;
                }
                lastAnswer = $"status {reply.Status}";
            }
            catch (RpcException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e)
            {
                lastAnswer = $"{e.StatusCode}: {e.Status.Detail}";
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new StartupException($"{Name} did not report SERVING on grpc.health.v1 at {Address} within {timeout.TotalSeconds:F0} s (last answer: {lastAnswer}).");
            }
            // Wake up early if the process dies meanwhile.
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken), Exited);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// SIGTERM (the host shuts down cleanly: consumers leave their groups, producers flush), then
    /// the whole process tree is killed if it is still there after <paramref name="grace"/> or as
    /// soon as <paramref name="hurry"/> fires.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken hurry)
    {
        if (Exited.IsCompleted)
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            // No SIGTERM on Windows; a console app there cannot be asked politely from outside.
            KillTree();
        }
        else if (Kill(_process.Id, SigTerm) != 0)
        {
            Output.Info($"{Name}: SIGTERM failed (errno {Marshal.GetLastPInvokeError()}); killing it");
            KillTree();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(hurry);
        timeout.CancelAfter(grace);
        try
        {
            await Exited.WaitAsync(timeout.Token);
            return;
        }
        catch (OperationCanceledException)
        {
            Output.Info($"{Name} still running {(hurry.IsCancellationRequested ? "and a second stop was requested" : $"{grace.TotalSeconds:F0} s after SIGTERM")}; killing it");
        }
        KillTree();
        try
        {
            await Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            Output.Error($"{Name} (pid {_process.Id}) did not go away after a kill.");
        }
    }

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    /// <summary>Last resort, also used when DevStack itself is going down abnormally.</summary>
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
            Output.Line(Name, line, _color);
        }
    }

    private void OnExited()
    {
        // Exited can fire before the asynchronous output readers are drained; this waits for them.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }

    /// <summary>The dotnet host that runs DevStack itself, so children use the same SDK/runtime.</summary>
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
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root
            && Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet") is var rooted && File.Exists(rooted))
        {
            return rooted;
        }
        return "dotnet";
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
