extern alias dispatch;
using System.Globalization;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Events.V1;
using Embedded;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Messaging;

namespace Suite.IntegrationTests;

/// <summary>
/// Two Dispatch replicas (one consumer group) on one embedded broker and one embedded Redis, as
/// in production. Reports and alerts are produced straight to their topics, as Intake and
/// Analysis would. Acknowledgement timeout 2 s so timeouts are seen quickly; replica B has a
/// tiny feed queue for the slow-consumer test.
/// </summary>
public sealed class DispatchReplicas : IAsyncLifetime
{
    public const int Partitions = 3;
    public const int AckTimeoutSeconds = 2;

    private EmbeddedKafka _kafka = null!;
    private EmbeddedRedis _redis = null!;
    private ServiceHost<dispatch::Program> _a = null!;
    private ServiceHost<dispatch::Program> _b = null!;
    private GrpcChannel _channelA = null!;
    private GrpcChannel _channelB = null!;

    private readonly TestTokens _tokens = new();

    /// <summary>Replica A or B as the command centre calls it (operator, or admin for response plans).</summary>
    public DispatchService.DispatchServiceClient A { get; private set; } = null!;
    public DispatchService.DispatchServiceClient B { get; private set; } = null!;

    /// <summary>The same replica as <paramref name="replica"/>, called by the terminal of <paramref name="unitId"/>.</summary>
    public DispatchService.DispatchServiceClient AsUnit(DispatchService.DispatchServiceClient replica, string unitId)
        => new(_tokens.AsUnit(ReferenceEquals(replica, A) ? _channelA : _channelB, unitId));
    public KafkaTestClient Kafka { get; private set; } = null!;
    public string RedisConnection => _redis.ConnectionString;
    public string BootstrapServers => _kafka.BootstrapServers;

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start();
        _kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
        foreach (var topic in Topics.All)
        {
            _kafka.CreateTopic(topic.Name, Partitions);
        }
        _redis = EmbeddedRedis.Start();
        _a = new ServiceHost<dispatch::Program>(Settings("dispatch-a", feedQueue: 1_024));
        _b = new ServiceHost<dispatch::Program>(Settings("dispatch-b", feedQueue: 16));
        _channelA = GrpcChannel.ForAddress(_a.Address);
        _channelB = GrpcChannel.ForAddress(_b.Address);
        A = new DispatchService.DispatchServiceClient(_tokens.AsCentre(_channelA));
        B = new DispatchService.DispatchServiceClient(_tokens.AsCentre(_channelB));
        Kafka = new KafkaTestClient(_kafka.BootstrapServers);
        return Task.CompletedTask;
    }

    private Dictionary<string, string?> Settings(string clientId, int feedQueue) => new(_tokens.HostSettings)
    {
        ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
        ["Kafka:ClientId"] = clientId,
        ["Kafka:SessionTimeoutMs"] = "3000",
        ["Redis:Configuration"] = _redis.ConnectionString,
        ["Dispatch:AckTimeoutSeconds"] = AckTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
        ["Dispatch:DeadlinePollMilliseconds"] = "50",
        ["Dispatch:FeedSubscriberQueue"] = feedQueue.ToString(CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>A place of its own for each test, ~55 km from the others, so tests never share units.</summary>
    public static GeoPoint Area(int n) => new() { Latitude = 22.0 + n * 0.5, Longitude = 113.0 };

    /// <summary><paramref name="metresNorth"/> and <paramref name="metresEast"/> of <paramref name="origin"/>.</summary>
    public static GeoPoint Near(GeoPoint origin, double metresNorth, double metresEast = 0) => new()
    {
        Latitude = origin.Latitude + metresNorth / 111_195.0,
        Longitude = origin.Longitude + metresEast / (111_195.0 * Math.Cos(double.DegreesToRadians(origin.Latitude))),
    };

    public static Incident NewIncident(IncidentCategory category, Priority priority, GeoPoint at, string description = "", DateTimeOffset? receivedAt = null)
    {
        var received = receivedAt ?? DateTimeOffset.UtcNow;
        return new Incident
        {
            IncidentId = Guid.NewGuid().ToString(),
            Priority = priority,
            ReceivedAt = Timestamp.FromDateTimeOffset(received),
            Report = new Report
            {
                Source = "hotline",
                ExternalId = Guid.NewGuid().ToString("N"),
                OccurredAt = Timestamp.FromDateTimeOffset(received.AddMinutes(-1)),
                ReportedAt = Timestamp.FromDateTimeOffset(received),
                Category = category,
                Location = at,
                Address = "test address",
                Description = description.Length > 0 ? description : $"{category} reported",
            },
        };
    }

    /// <summary>As Intake publishes it.</summary>
    public Task ReportAsync(Incident incident)
        => Kafka.ProduceAsync(Topics.Incidents, incident.IncidentId,
            new IncidentReported { Metadata = Metadata(), Incident = incident }.ToByteArray(),
            KafkaHeaders.ForProtobuf(IncidentReported.Descriptor.FullName));

    /// <summary>As Analysis publishes it.</summary>
    public Task AlertAsync(Alert alert)
        => Kafka.ProduceAsync(Topics.Alerts, alert.AlertId,
            new AlertRaised { Metadata = Metadata(), Alert = alert }.ToByteArray(),
            KafkaHeaders.ForProtobuf(AlertRaised.Descriptor.FullName));

    private static EventMetadata Metadata() => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow),
        PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        SchemaVersion = 1,
        Producer = "test",
    };

    /// <summary>Polls until <paramref name="done"/> holds; fails with <paramref name="what"/> when it does not in time.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, Func<T, bool> done, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(20));
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (last is not null && done(last))
                {
                    return last;
                }
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                // not there yet
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{what} did not happen in time; last seen: {last}");
    }

    /// <summary>
    /// Waits until both replicas' unit indexes recommend these units near <paramref name="site"/>: a Hello reaches
    /// the other replica's index through units.v1 a few milliseconds later, and a test must not race that.
    /// </summary>
    public async Task IndexedAsync(GeoPoint site, params FieldTerminal[] terminals)
    {
        foreach (var client in new[] { A, B })
        {
            foreach (var group in terminals.GroupBy(t => t.Welcome.Unit.Kind))
            {
                var ids = group.Select(t => t.UnitId).ToHashSet();
                await EventuallyAsync(async () => await client.RecommendUnitsAsync(new RecommendUnitsRequest { Location = site, Kinds = { group.Key }, Count = 100 }),
                    r => ids.IsSubsetOf(r.Tiers.SelectMany(t => t.Units).Select(u => u.UnitId)), $"units {string.Join(", ", ids)} indexed");
            }
        }
    }

    public Task<IncidentRecord> IncidentAsync(string incidentId, Func<IncidentRecord, bool> done, string what, TimeSpan? patience = null)
        => EventuallyAsync(async () => await A.GetIncidentAsync(new GetIncidentRequest { IncidentId = incidentId }), done, what, patience);

    public async Task DisposeAsync()
    {
        _channelA.Dispose();
        _channelB.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Kafka.Dispose();
        _redis.Dispose();
        _kafka.Dispose();
        _tokens.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DispatchReplicasCollection : ICollectionFixture<DispatchReplicas>
{
    public const string Name = "two Dispatch replicas";
}
