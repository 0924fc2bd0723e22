extern alias analysis;
extern alias dispatch;
extern alias gateway;
extern alias intake;
using Embedded;
using Grpc.Net.Client;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Suite.IntegrationTests;

/// <summary>The whole suite on loopback: a broker, embedded Redis, the three services and the gateway.</summary>
public abstract class SuiteFixture : IAsyncLifetime
{
    private readonly IMessageSink _log;
    private readonly List<IAsyncDisposable> _hosts = [];
    private EmbeddedRedis? _redis;

    protected SuiteFixture(IMessageSink log) => _log = log;

    protected abstract Task<KafkaBroker?> StartBrokerAsync();

    public KafkaBroker Broker { get; private set; } = null!;
    public GrpcChannel Gateway { get; private set; } = null!;
    public KafkaTestClient Kafka { get; private set; } = null!;
    public const int Partitions = 3;
    public Uri GatewayAddress { get; private set; } = null!;

    /// <summary>The embedded Redis every service uses (a test may start another replica against it).</summary>
    public string RedisConnectionString => _redis?.ConnectionString ?? throw new InvalidOperationException("the suite did not start");

    /// <summary>Settings every service host gets: broker, topics, Redis.</summary>
    public IReadOnlyDictionary<string, string?> CommonSettings { get; private set; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        if (await StartBrokerAsync() is not { } broker)
        {
            return; // the tests of this fixture are skipped
        }
        Broker = broker;
        _log.OnMessage(new DiagnosticMessage($"{GetType().Name}: Kafka broker is {Broker.Description}"));
        _redis = EmbeddedRedis.Start();

        var common = new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = Broker.BootstrapServers,
            ["Kafka:ProvisionTopics"] = Broker.ServicesProvisionTopics.ToString(),
            ["Kafka:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Redis:Configuration"] = _redis.ConnectionString,
        };
        CommonSettings = common;
        var intake = Start(new ServiceHost<intake::Program>(common));
        var analysis = Start(new ServiceHost<analysis::Program>(common));
        var dispatch = Start(new ServiceHost<dispatch::Program>(common));
        var gatewayHost = Start(new ServiceHost<gateway::Program>(new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:intake:Destinations:primary:Address"] = intake.Address.ToString(),
            ["ReverseProxy:Clusters:analysis:Destinations:primary:Address"] = analysis.Address.ToString(),
            ["ReverseProxy:Clusters:dispatch:Destinations:primary:Address"] = dispatch.Address.ToString(),
        }));
        GatewayAddress = gatewayHost.Address;
        Gateway = GrpcChannel.ForAddress(GatewayAddress);
        Kafka = new KafkaTestClient(Broker.BootstrapServers);
    }

    private ServiceHost<T> Start<T>(ServiceHost<T> host) where T : class
    {
        _hosts.Add(host);
        return host;
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        Kafka?.Dispose();
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync();
        }
        _redis?.Dispose();
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }
    }
}

/// <summary>The suite against librdkafka's embedded mock cluster: runs everywhere.</summary>
public sealed class EmbeddedKafkaSuite(IMessageSink log) : SuiteFixture(log)
{
    protected override Task<KafkaBroker?> StartBrokerAsync() => KafkaBroker.StartEmbeddedAsync(Partitions)!;
}

/// <summary>The suite against Apache Kafka in a container: only where a Docker engine answers.</summary>
public sealed class ContainerKafkaSuite(IMessageSink log) : SuiteFixture(log)
{
    protected override async Task<KafkaBroker?> StartBrokerAsync()
        => KafkaBroker.DockerUnavailableReason() is null ? await KafkaBroker.StartContainerAsync() : null;
}

[CollectionDefinition(Name)]
public sealed class EmbeddedKafkaCollection : ICollectionFixture<EmbeddedKafkaSuite>
{
    public const string Name = "suite on embedded Kafka";
}

[CollectionDefinition(Name)]
public sealed class ContainerKafkaCollection : ICollectionFixture<ContainerKafkaSuite>
{
    public const string Name = "suite on Kafka in a container";
}

/// <summary>A test that needs a Docker engine; skipped with the reason where there is none.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (KafkaBroker.DockerUnavailableReason() is { } reason)
        {
            Skip = $"Testcontainers needs a Docker engine: {reason}";
        }
    }
}
