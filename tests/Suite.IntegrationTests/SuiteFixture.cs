extern alias analysis;
extern alias dispatch;
extern alias gateway;
extern alias intake;
using Embedded;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using ServiceDefaults.Security;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Suite.IntegrationTests;

/// <summary>The whole suite on loopback: a broker, embedded Redis, the three services and the gateway.</summary>
public abstract class SuiteFixture : IAsyncLifetime
{
    private readonly IMessageSink _log;
    private readonly List<IAsyncDisposable> _hosts = [];
    private EmbeddedRedis? _redis;
    private readonly DevSigningKey _signingKey = DevSigningKey.Create("suite-tests");

    protected SuiteFixture(IMessageSink log) => _log = log;

    protected abstract Task<KafkaBroker?> StartBrokerAsync();

    public KafkaBroker Broker { get; private set; } = null!;
    public GrpcChannel Gateway { get; private set; } = null!;
    public KafkaTestClient Kafka { get; private set; } = null!;
    public const int Partitions = 3;
    public Uri GatewayAddress { get; private set; } = null!;

    /// <summary>Where each service listens, for calls around the gateway.</summary>
    public IReadOnlyDictionary<string, Uri> ServiceAddresses { get; private set; } = null!;

    /// <summary>Signs tokens with the key every host of this suite trusts.</summary>
    public TokenIssuer Tokens { get; private set; } = null!;

    /// <summary>The suite's real signing key, for tokens that differ from valid ones in one respect only.</summary>
    public Microsoft.IdentityModel.Tokens.SigningCredentials SigningCredentials => _signingKey.Credentials;

    /// <summary>What every host needs to validate this suite's tokens.</summary>
    public IReadOnlyDictionary<string, string?> AuthSettings => _signingKey.HostSettings();

    /// <summary>Files reports through the gateway as a field terminal does (source "terminal").</summary>
    public static SuiteIdentity Reporter { get; } = SuiteIdentity.Terminal("it-reporter");

    public static SuiteIdentity Operator { get; } = SuiteIdentity.Operator("it-operator");

    /// <summary>Calls through the gateway with a fresh one-hour token of <paramref name="identity"/>.</summary>
    public CallInvoker As(SuiteIdentity identity) => WithToken(Gateway, Tokens.Issue(identity, TimeSpan.FromHours(1)));

    /// <summary>Calls as the command centre makes them: operator, or admin for watchlists and response plans.</summary>
    public CallInvoker AsCentre(ChannelBase? channel = null) => (channel ?? Gateway).WithBearer(ClientTokens.Centre(Tokens, TimeSpan.FromHours(1)));

    /// <summary>Calls on <paramref name="channel"/> that carry <paramref name="token"/> (none when null).</summary>
    public static CallInvoker WithToken(ChannelBase channel, string? token) => token is null
        ? channel.CreateCallInvoker()
        : channel.Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {token}");
            return metadata;
        });

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

        Tokens = new TokenIssuer(_signingKey.Credentials);
        var common = new Dictionary<string, string?>(_signingKey.HostSettings())
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
        ServiceAddresses = new Dictionary<string, Uri> { ["intake"] = intake.Address, ["analysis"] = analysis.Address, ["dispatch"] = dispatch.Address };
        var gatewayHost = Start(new ServiceHost<gateway::Program>(new Dictionary<string, string?>(GatewaySettings())
        {
            ["ReverseProxy:Clusters:intake:Destinations:primary:Address"] = intake.Address.ToString(),
            ["ReverseProxy:Clusters:analysis:Destinations:primary:Address"] = analysis.Address.ToString(),
            ["ReverseProxy:Clusters:dispatch:Destinations:primary:Address"] = dispatch.Address.ToString(),
        }));
        GatewayAddress = gatewayHost.Address;
        Gateway = GrpcChannel.ForAddress(GatewayAddress);
        Kafka = new KafkaTestClient(Broker.BootstrapServers);
    }

    /// <summary>The gateway's settings besides its destinations: this suite's keys and limits no ordinary test reaches.</summary>
    public IReadOnlyDictionary<string, string?> GatewaySettings(int callsPerSecond = 100_000, int callBurst = 100_000, int maxStreams = 10_000)
        => new Dictionary<string, string?>(_signingKey.HostSettings())
        {
            ["Gateway:CallsPerSecond"] = callsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:CallBurst"] = callBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:MaxStreamsPerIdentity"] = maxStreams.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:ConsoleOrigins:0"] = ConsoleOrigin,
        };

    /// <summary>The operator console's origin the gateway admits for gRPC-Web (CORS).</summary>
    public const string ConsoleOrigin = "https://console.incident-suite.test";

    /// <summary>Starts another gateway in front of this suite's services (with its own settings); disposed with the suite.</summary>
    public IServiceProvider StartGateway(IReadOnlyDictionary<string, string?> settings, out Uri address, Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions>? listen = null)
    {
        var all = new Dictionary<string, string?>();
        foreach (var (name, service) in ServiceAddresses)
        {
            all[$"ReverseProxy:Clusters:{name}:Destinations:primary:Address"] = service.ToString();
        }
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        var host = Start(new ServiceHost<gateway::Program>(all, listen: listen));
        address = host.Address;
        return host.Services;
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
        _signingKey.Dispose();
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
