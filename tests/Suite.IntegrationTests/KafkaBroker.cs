using System.Net.Sockets;
using Embedded;
using Messaging;
using Testcontainers.Kafka;

namespace Suite.IntegrationTests;

/// <summary>
/// A broker the suite runs against: librdkafka's embedded mock cluster (everywhere) or Apache
/// Kafka in a Testcontainers container (where a Docker engine answers). Same test bodies on both.
/// </summary>
public sealed class KafkaBroker : IAsyncDisposable
{
    private readonly EmbeddedKafka? _embedded;
    private readonly KafkaContainer? _container;

    private KafkaBroker(string bootstrapServers, string description, EmbeddedKafka? embedded, KafkaContainer? container)
    {
        BootstrapServers = bootstrapServers;
        Description = description;
        _embedded = embedded;
        _container = container;
    }

    public string BootstrapServers { get; }

    /// <summary>Which broker this is, for the test log.</summary>
    public string Description { get; }

    /// <summary>Real Kafka needs the services to create topics; the embedded broker has them already.</summary>
    public bool ServicesProvisionTopics => _container is not null;

    public static Task<KafkaBroker> StartEmbeddedAsync(int partitions)
    {
        var embedded = EmbeddedKafka.Start();
        embedded.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var topic in Topics.All)
        {
            embedded.CreateTopic(topic.Name, partitions);
        }
        return Task.FromResult(new KafkaBroker(embedded.BootstrapServers, "librdkafka's embedded mock cluster", embedded, null));
    }

    public static async Task<KafkaBroker> StartContainerAsync()
    {
        var container = new KafkaBuilder("confluentinc/cp-kafka:7.9.0").Build();
        await container.StartAsync();
        return new KafkaBroker(container.GetBootstrapAddress(), "Apache Kafka in a Testcontainers container", null, container);
    }

    /// <summary>Null when a Docker engine answers; otherwise why the container path is skipped.</summary>
    public static string? DockerUnavailableReason()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var socketPath = host is not null && host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
        if (host is not null && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return null; // a TCP engine: let Testcontainers try it
        }
        if (!File.Exists(socketPath))
        {
            return $"no Docker engine: {socketPath} does not exist";
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return null;
        }
        catch (SocketException e)
        {
            return $"no Docker engine answers on {socketPath}: {e.SocketErrorCode}";
        }
    }

    /// <summary>Takes every broker down (fault tests); only the embedded cluster can.</summary>
    public void SetDown() => (_embedded ?? throw new NotSupportedException("only the embedded broker can be taken down")).SetBrokerDown(-1);

    public void SetUp() => (_embedded ?? throw new NotSupportedException("only the embedded broker can be taken down")).SetBrokerUp(-1);

    public async ValueTask DisposeAsync()
    {
        _embedded?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
