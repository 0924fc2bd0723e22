using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Embedded;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace ServiceProcesses;

/// <summary>
/// A service of the suite (or the gateway) running as `dotnet &lt;Service&gt;.dll` from its build output on
/// loopback (h2c), configured by environment like compose does. Its stdout/stderr lines are echoed with its
/// name in front.
/// </summary>
public sealed partial class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ServiceProcessOptions _options;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string name, Uri address, Process process, ServiceProcessOptions options)
    {
        Name = name;
        Address = address;
        _process = process;
        _options = options;
    }

    /// <summary>Lower-case name, as in log lines: "intake".</summary>
    public string Name { get; }

    /// <summary>http://127.0.0.1:port, h2c.</summary>
    public Uri Address { get; }

    public int Pid => _process.Id;

    /// <summary>Completes with the exit code once the process has exited and its output is drained.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Every line the service writes (stdout and stderr), as it arrives; on the output reader's thread.</summary>
    public event Action<string>? LineReceived;

    /// <summary>Starts <paramref name="dll"/> with <paramref name="environment"/> on top of the URL settings; see <see cref="ServiceProcessOptions"/> for the rest.</summary>
    /// <exception cref="ServiceStartException">The process could not be started.</exception>
    public static ServiceProcess Start(string dll, IReadOnlyDictionary<string, string> environment, ServiceProcessOptions? options = null)
    {
        options ??= new ServiceProcessOptions();
        var name = options.Name ?? Path.GetFileNameWithoutExtension(dll).ToLowerInvariant();
        var url = $"http://127.0.0.1:{(options.Port == 0 ? LoopbackPort.PickFree() : options.Port)}";
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
        // As in the container image (Dockerfile): tier-1 code sooner after a start.
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        // As compose.yaml sets for Analysis: a gen0 budget for its ever-growing in-memory index (docs/PERFORMANCE.md finding 23).
        if (Path.GetFileNameWithoutExtension(dll) == "Analysis")
        {
            start.Environment["DOTNET_GCgen0size"] = "0x4000000";
        }
        if (options.DefaultLogLevel is { } level)
        {
            start.Environment["Logging__LogLevel__Default"] = level;
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ServiceProcess(name, new Uri(url), process, options);
        process.OutputDataReceived += (_, e) => child.Echo(e.Data);
        process.ErrorDataReceived += (_, e) => child.Echo(e.Data);
        process.Exited += (_, _) => Task.Run(child.OnExited);
        if (!process.Start())
        {
            throw new ServiceStartException($"{name}: could not start {start.FileName} {dll}.");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        options.Report($"{name} started (pid {process.Id}) on {url}");
        return child;
    }

    /// <summary>
    /// Polls grpc.health.v1 Check until the service answers SERVING. Fails fast when the process dies, naming it
    /// and its exit code.
    /// </summary>
    /// <exception cref="ServiceStartException">The process exited, or did not report SERVING within <paramref name="timeout"/>.</exception>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var stopwatch = Stopwatch.StartNew();
        var lastAnswer = "no answer yet";
        while (true)
        {
            if (Exited.IsCompleted)
            {
                throw new ServiceStartException($"{Name} exited with code {Exited.Result} before it became healthy; its last [{Name}] lines above say why.");
            }
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    _options.Report($"{Name} is healthy after {stopwatch.Elapsed.TotalSeconds:F1} s");
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
                throw new ServiceStartException($"{Name} did not report SERVING on grpc.health.v1 at {Address} within {timeout.TotalSeconds:F0} s (last answer: {lastAnswer}).");
            }
            // Wake up early if the process dies meanwhile.
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken), Exited);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// SIGTERM (the host shuts down cleanly: consumers leave their groups, producers flush), then the whole
    /// process tree is killed if it is still there after <paramref name="grace"/> or as soon as
    /// <paramref name="hurry"/> fires.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken hurry = default)
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
            _options.Report($"{Name}: SIGTERM failed (errno {Marshal.GetLastPInvokeError()}); killing it");
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
            _options.Report($"{Name} still running {(hurry.IsCancellationRequested ? "and a second stop was requested" : $"{grace.TotalSeconds:F0} s after SIGTERM")}; killing it");
        }
        KillTree();
        try
        {
            await Exited.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            _options.Report($"{Name} (pid {_process.Id}) did not go away after a kill.");
        }
    }

    public void Dispose()
    {
        KillTree();
        _process.Dispose();
    }

    /// <summary>Last resort, also for when the tool itself is going down abnormally.</summary>
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
            _options.Echo(Name, line);
            LineReceived?.Invoke(line);
        }
    }

    private void OnExited()
    {
        // Exited can fire before the asynchronous output readers are drained; this waits for them.
        _process.WaitForExit();
        _exited.TrySetResult(_process.ExitCode);
    }

    /// <summary>The dotnet host that runs this program, so children use the same SDK/runtime.</summary>
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

/// <summary>How a <see cref="ServiceProcess"/> is started and where its lines go.</summary>
public sealed record ServiceProcessOptions
{
    /// <summary>Name in front of its lines and in messages; default the dll's name in lower case ("intake").</summary>
    public string? Name { get; init; }

    /// <summary>Loopback port to listen on; 0 (default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Logging__LogLevel__Default of the service ("Warning": only what matters is echoed while measuring); null leaves its appsettings alone. The environment can still override it.</summary>
    public string? DefaultLogLevel { get; init; }

    /// <summary>Where each line the service writes goes, with its name; default standard error as "[name] line".</summary>
    public Action<string, string> Echo { get; init; } = (name, line) => Console.Error.WriteLine($"[{name}] {line}");

    /// <summary>Where progress messages about the process go (started, healthy, killed); default standard output.</summary>
    public Action<string> Report { get; init; } = Console.WriteLine;
}

/// <summary>What a tool needs to run could not start (a service process, its build output, a port); the message names it and says what to do.</summary>
public sealed class ServiceStartException(string message) : Exception(message);
