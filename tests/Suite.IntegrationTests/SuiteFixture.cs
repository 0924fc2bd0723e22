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
public sealed class SuiteFixture : IAsyncLifetime
{
    private readonly IMessageSink _log;
    private readonly List<IAsyncDisposable> _hosts = [];
    private EmbeddedRedis? _redis;

    public SuiteFixture(IMessageSink log) => _log = log;

    public KafkaBroker Broker { get; private set; } = null!;
    public GrpcChannel Gateway { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await KafkaBroker.StartAsync(partitions: 3);
        _log.OnMessage(new DiagnosticMessage($"Kafka broker: {Broker.Description}"));
        _redis = EmbeddedRedis.Start();

        var common = new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = Broker.BootstrapServers,
            ["Kafka:ProvisionTopics"] = Broker.ServicesProvisionTopics.ToString(),
            ["Kafka:Partitions"] = "3",
            ["Redis:Configuration"] = _redis.ConnectionString,
        };
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
    }

    private ServiceHost<T> Start<T>(ServiceHost<T> host) where T : class
    {
        _hosts.Add(host);
        return host;
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
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

[CollectionDefinition(Name)]
public sealed class SuiteCollection : ICollectionFixture<SuiteFixture>
{
    public const string Name = "suite";
}
