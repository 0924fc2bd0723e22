using System.Net.Sockets;
using Embedded;
using Messaging;
using Testcontainers.Kafka;

namespace Suite.IntegrationTests;

/// <summary>
/// The broker the tests run against: real Apache Kafka in a container when a Docker engine is
/// reachable, otherwise librdkafka's embedded mock cluster. Same test bodies either way.
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

    public static async Task<KafkaBroker> StartAsync(int partitions)
    {
        if (DockerUnavailableReason() is { } reason)
        {
            var embedded = EmbeddedKafka.Start();
            embedded.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
            foreach (var topic in Topics.All)
            {
                embedded.CreateTopic(topic.Name, partitions);
            }
            return new KafkaBroker(embedded.BootstrapServers, $"embedded librdkafka mock cluster ({reason})", embedded, null);
        }

        var container = new KafkaBuilder("confluentinc/cp-kafka:7.9.0").Build();
        await container.StartAsync();
        return new KafkaBroker(container.GetBootstrapAddress(), "Apache Kafka in a Testcontainers container", null, container);
    }

    /// <summary>Null when a Docker engine answers; otherwise why the container path is skipped.</summary>
    public static string? DockerUnavailableReason()
    {
        if (Environment.GetEnvironmentVariable("SUITE_KAFKA") == "embedded")
        {
            return "SUITE_KAFKA=embedded";
        }
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

    public async ValueTask DisposeAsync()
    {
        _embedded?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
