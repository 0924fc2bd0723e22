using Embedded;
using Messaging;
using ServiceProcesses;

namespace DevStack;

/// <summary>
/// The running suite: embedded Kafka and Redis in this process, the three services and the
/// gateway as child processes on loopback, configured through environment like compose does.
/// </summary>
internal sealed class Stack
{
    private const int TopicPartitions = 6;
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A Ctrl+C in the terminal reaches the children (same process group) as fast as it reaches us;
    /// an exit within this window after a stop request is part of that stop, not a crash.
    /// </summary>
    private static readonly TimeSpan CrashSettleTime = TimeSpan.FromMilliseconds(750);

    private readonly StackOptions _options;
    private readonly List<ServiceProcess> _children = [];
    private readonly TaskCompletionSource<ServiceProcess> _unexpectedExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EmbeddedKafka? _kafka;
    private EmbeddedRedis? _redis;
    private volatile bool _stopping;

    /// <summary>The signing key every host trusts and the tokens of the demo's clients.</summary>
    public DevIdentities Identities { get; } = new();

    private Stack(StackOptions options)
    {
        _options = options;
        // If DevStack itself goes down without StopAsync (a bug, Environment.Exit), its children must not outlive it.
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>What clients use: every gRPC service of the suite is reachable here.</summary>
    public Uri GatewayAddress => new($"http://127.0.0.1:{_options.GatewayPort}");

    /// <summary>Completes when a child exits while nobody asked it to.</summary>
    public Task<ServiceProcess> UnexpectedExit => _unexpectedExit.Task;

    /// <summary>Starts everything and waits until every service is healthy; on failure whatever did start is stopped again.</summary>
    public static async Task<Stack> StartAsync(StackOptions options, RepoLayout layout, CancellationToken cancellationToken)
    {
        var stack = new Stack(options);
        try
        {
            await stack.StartCoreAsync(layout, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.StopAsync(CancellationToken.None);
            throw;
        }
    }

    private async Task StartCoreAsync(RepoLayout layout, CancellationToken cancellationToken)
    {
        // Resolve every dll first: a missing build output should fail before anything starts.
        var intakeDll = layout.ProjectDll("services/Intake", "Intake");
        var analysisDll = layout.ProjectDll("services/Analysis", "Analysis");
        var dispatchDll = layout.ProjectDll("services/Dispatch", "Dispatch");
        var gatewayDll = layout.ProjectDll("gateway", "Gateway");

        _kafka = EmbeddedKafka.Start(brokers: 1);
        // The mock broker waits 3 s before the first member of a new group gets partitions; nobody wants that locally.
        _kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var topic in Topics.All)
        {
            _kafka.CreateTopic(topic.Name, TopicPartitions);
        }
        Output.Info($"embedded Kafka on {_kafka.BootstrapServers}: {string.Join(", ", Topics.All.Select(t => t.Name))} ({TopicPartitions} partitions each)");

        try
        {
            _redis = EmbeddedRedis.Start(_options.RedisPort);
        }
        catch (InvalidOperationException e)
        {
            throw new ServiceStartException($"Embedded Redis could not start on 127.0.0.1:{_options.RedisPort} ({e.InnerException?.Message ?? e.Message}). Pick another port with --redis-port <port>.");
        }
        Output.Info($"embedded Redis (Garnet) on {_redis.ConnectionString}");

        var backend = new Dictionary<string, string>(Identities.Environment)
        {
            ["Kafka__BootstrapServers"] = _kafka.BootstrapServers,
            ["Redis__Configuration"] = _redis.ConnectionString,
        };
        Output.Info($"development signing key {Identities.KeyId} (in memory only; tokens end with this run)");
        ServiceProcess[] services =
        [
            Launch("intake", intakeDll, _options.IntakePort, backend, ConsoleColor.Magenta),
            // Patrol windows and hours of day in evidence in the demo city's local time.
            Launch("analysis", analysisDll, _options.AnalysisPort, new Dictionary<string, string>(backend) { ["Analysis__Series__TimeZoneId"] = DemoCity.TimeZoneId }, ConsoleColor.Blue),
            Launch("dispatch", dispatchDll, _options.DispatchPort, backend, ConsoleColor.DarkYellow),
        ];
        await WaitAllHealthyAsync(services, cancellationToken);

        var gateway = Launch("gateway", gatewayDll, _options.GatewayPort, new Dictionary<string, string>(Identities.Environment)
        {
            ["ReverseProxy__Clusters__intake__Destinations__primary__Address"] = services[0].Address.ToString(),
            ["ReverseProxy__Clusters__analysis__Destinations__primary__Address"] = services[1].Address.ToString(),
            ["ReverseProxy__Clusters__dispatch__Destinations__primary__Address"] = services[2].Address.ToString(),
        }, ConsoleColor.DarkCyan);
        await WaitAllHealthyAsync([gateway], cancellationToken);
    }

    private void KillAll()
    {
        foreach (var child in _children.ToArray())
        {
            child.KillTree();
        }
    }

    private ServiceProcess Launch(string name, string dll, int port, IReadOnlyDictionary<string, string> environment, ConsoleColor color)
    {
        var child = ServiceProcess.Start(dll, new Dictionary<string, string>(environment) { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, new ServiceProcessOptions
        {
            Name = name,
            Port = port,
            Echo = (source, line) => Output.Line(source, line, color),
            Report = Output.Info,
        });
        _children.Add(child);
        _ = WatchForCrashAsync(child);
        return child;
    }

    private async Task WatchForCrashAsync(ServiceProcess child)
    {
        await child.Exited;
        await Task.Delay(CrashSettleTime);
        if (!_stopping)
        {
            _unexpectedExit.TrySetResult(child);
        }
    }

    private static async Task WaitAllHealthyAsync(IReadOnlyList<ServiceProcess> children, CancellationToken cancellationToken)
    {
        var waits = children.Select(c => c.WaitHealthyAsync(HealthTimeout, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(waits);
        }
        catch (ServiceStartException)
        {
            // Name every service that failed, not only the first.
            var failures = waits.Where(w => w.IsFaulted).SelectMany(w => w.Exception!.InnerExceptions).OfType<ServiceStartException>().Select(e => e.Message);
            throw new ServiceStartException(string.Join(Environment.NewLine, failures));
        }
    }

    /// <summary>
    /// Gateway first (no new traffic), then the services together, each with SIGTERM and up to
    /// 10 s before it is killed; then Redis and Kafka, which the services needed to shut down cleanly.
    /// </summary>
    public async Task StopAsync(CancellationToken hurry)
    {
        _stopping = true;
        var gateway = _children.Where(c => c.Name == "gateway").ToList();
        var services = _children.Except(gateway).ToList();
        foreach (var group in new[] { gateway, services })
        {
            var alreadyGone = group.Where(c => c.Exited.IsCompleted).ToHashSet();
            await Task.WhenAll(group.Select(c => c.StopAsync(StopGrace, hurry)));
            foreach (var child in group)
            {
                if (child.Exited.IsCompleted)
                {
                    Output.Info($"{child.Name} {(alreadyGone.Contains(child) ? "had exited" : "stopped")} (exit code {child.Exited.Result})");
                }
                child.Dispose();
            }
        }
        _children.Clear();

        _redis?.Dispose();
        _redis = null;
        _kafka?.Dispose();
        _kafka = null;
        Identities.Dispose();
    }
}
