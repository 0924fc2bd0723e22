extern alias analysis;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Embedded;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Messaging;
using Microsoft.Extensions.DependencyInjection;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace Suite.IntegrationTests;

/// <summary>
/// The spatial index is in each replica's memory: its analyser indexes the partitions of incidents.v1 it owns, and the
/// index feed reads the others. Replicas analyse different partitions, so of two reports analysed at the same moment on
/// two replicas, one search must see the other although that replica never analysed it: the feed's catch-up barrier
/// guarantees it. Checked here on real hosts against the embedded broker: whatever was published before the barrier on
/// a partition the replica's feed reads is in its index when it opens, before and after a second replica joins and takes
/// partitions over, and every replica's index ends up holding every report.
/// </summary>
public sealed class IndexFeedTests : IAsyncLifetime
{
    private const int Partitions = 6;

    private readonly TestTokens _tokens = new();
    private EmbeddedKafka _kafka = null!;
    private EmbeddedRedis _redis = null!;
    private ServiceHost<analysis::Program> _host = null!;
    private Dictionary<string, string?> _settings = null!;
    private KafkaTestClient _client = null!;

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start();
        foreach (var topic in Topics.All)
        {
            _kafka.CreateTopic(topic.Name, Partitions);
        }
        _redis = EmbeddedRedis.Start();
        _settings = new Dictionary<string, string?>(_tokens.HostSettings)
        {
            ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
            ["Redis:Configuration"] = _redis.ConnectionString,
            ["Analysis:PublishAlerts"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _host = new ServiceHost<analysis::Program>(_settings);
        _client = new KafkaTestClient(_kafka.BootstrapServers);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        _redis.Dispose();
        _kafka.Dispose();
        _tokens.Dispose();
    }

    [Fact]
    public async Task Every_report_published_before_the_barrier_on_a_partition_the_feed_reads_is_in_the_index_when_it_opens()
    {
        // Alone, the replica's analyser owns every partition and its feed reads none.
        await WaitForOwnershipAsync([_host]);
        var fires = new List<Incident>();
        var missing = new List<string>();
        await PublishAndCheckAsync(0, 10, [_host], fires, missing);

        // A second replica joins and takes partitions over: the first one's feed reads those again.
        await using var second = new ServiceHost<analysis::Program>(_settings);
        await WaitForOwnershipAsync([_host, second]);
        Assert.NotEmpty(HandedOver(_host));
        Assert.NotEmpty(HandedOver(second));
        await PublishAndCheckAsync(10, 50, [_host, second], fires, missing);
        Assert.Empty(missing);

        // Once every report is analysed, by one replica or the other, each replica's index holds them all.
        var analysis = new AnalysisService.AnalysisServiceClient(_tokens.AsCentre(GrpcChannel.ForAddress(_host.Address)));
        foreach (var fire in fires)
        {
            await EventuallyAsync(() => analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = fire.IncidentId }).ResponseAsync, _ => true, TimeSpan.FromSeconds(60));
        }
        foreach (var replica in new[] { _host, second })
        {
            await Feed(replica).CaughtUpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Empty(fires.Where(fire => !Indexed(replica, fire)).Select(f => f.IncidentId));
        }
    }

    /// <summary>
    /// Publishes fires one at a time; after each, every replica's barrier: a fire on a partition its feed reads (one it
    /// does not analyse) must then be in its index.
    /// </summary>
    private async Task PublishAndCheckAsync(int from, int to, IReadOnlyList<ServiceHost<analysis::Program>> replicas, List<Incident> fires, List<string> missing)
    {
        for (var i = from; i < to; i++)
        {
            var fire = Fire(Place(i), DateTimeOffset.UtcNow.AddMinutes(-5));
            var partition = (await PublishAsync([fire])).Single(); // acknowledged: in the log
            fires.Add(fire);
            foreach (var replica in replicas)
            {
                await Feed(replica).CaughtUpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                if (!HandedOver(replica).Contains(partition) && !Indexed(replica, fire))
                {
                    missing.Add($"{fire.IncidentId} (partition {partition}, replica {replicas.ToList().IndexOf(replica)})");
                }
            }
        }
    }

    private static analysis::Analysis.Messaging.IncidentIndexFeed Feed(ServiceHost<analysis::Program> host)
        => host.Services.GetRequiredService<analysis::Analysis.Messaging.IncidentIndexFeed>();

    private static IReadOnlyList<int> HandedOver(ServiceHost<analysis::Program> host) => Feed(host).PartitionsHandedOver;

    private static bool Indexed(ServiceHost<analysis::Program> host, Incident fire)
        => host.Services.GetRequiredService<analysis::Analysis.Infrastructure.SpatialIndex>()
            .Search(IncidentCategory.Fire, fire.Report.Location, 10, fire.Report.OccurredAt.ToDateTimeOffset(), TimeSpan.FromMinutes(1), 10)
            .Any(n => n.IncidentId == fire.IncidentId);

    /// <summary>Until the replicas' analysers own every partition between them, each partition once.</summary>
    private static async Task WaitForOwnershipAsync(IReadOnlyList<ServiceHost<analysis::Program>> replicas)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var owned = replicas.SelectMany(HandedOver).ToList();
            if (owned.Count == Partitions && owned.Distinct().Count() == Partitions && replicas.All(r => HandedOver(r).Count > 0))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"partitions handed over: {string.Join(" / ", replicas.Select(r => string.Join(",", HandedOver(r))))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Two_calls_about_one_fire_published_together_are_linked()
    {
        var analysis = new AnalysisService.AnalysisServiceClient(_tokens.AsCentre(GrpcChannel.ForAddress(_host.Address)));
        var now = DateTimeOffset.UtcNow;
        var pairs = Enumerable.Range(100, 20)
            .Select(i => (First: Fire(Place(i), now.AddMinutes(-5)), Second: Fire(Offset(Place(i), 60), now.AddMinutes(-4))))
            .ToList();
        await PublishAsync([.. pairs.SelectMany(p => new[] { p.Second, p.First })]);

        foreach (var (first, second) in pairs)
        {
            var links = await EventuallyAsync(
                () => analysis.GetIncidentLinksAsync(new GetIncidentLinksRequest { IncidentId = second.IncidentId }).ResponseAsync,
                r => r.Links.Any(l => l.Kind == LinkKind.Duplicate), TimeSpan.FromSeconds(60));
            Assert.Contains(links.Links, l => l.Kind == LinkKind.Duplicate && l.IncidentId == first.IncidentId);
        }
    }

    /// <summary>A spot of its own for each pair, 5 km apart.</summary>
    private static GeoPoint Place(int n) => new() { Latitude = 30 + n / 20 * 0.045, Longitude = 120 + n % 20 * 0.052 };

    private static GeoPoint Offset(GeoPoint from, double northMeters) => new() { Latitude = from.Latitude + northMeters / 111_195.0, Longitude = from.Longitude };

    private static Incident Fire(GeoPoint at, DateTimeOffset occurredAt) => new()
    {
        IncidentId = Guid.NewGuid().ToString(),
        Priority = Priority.P2,
        ReceivedAt = Timestamp.FromDateTimeOffset(occurredAt.AddMinutes(1)),
        Report = new Report
        {
            Source = "hotline",
            ExternalId = Guid.NewGuid().ToString("N"),
            Category = IncidentCategory.Fire,
            OccurredAt = Timestamp.FromDateTimeOffset(occurredAt),
            ReportedAt = Timestamp.FromDateTimeOffset(occurredAt.AddMinutes(1)),
            Location = at,
        },
    };

    /// <returns>The partition each went to.</returns>
    private async Task<int[]> PublishAsync(IReadOnlyList<Incident> incidents)
        => [.. (await Task.WhenAll(incidents.Select(incident => _client.ProduceAsync(Topics.Incidents, incident.IncidentId,
            new IncidentReported
            {
                Metadata = new EventMetadata { EventId = Guid.NewGuid().ToString(), OccurredAt = incident.Report.OccurredAt, PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow), SchemaVersion = 1, Producer = "test" },
                Incident = incident,
            }.ToByteArray(),
            KafkaHeaders.ForProtobuf(IncidentReported.Descriptor.FullName))))).Select(d => d.Partition.Value)];

    /// <summary>Retries a read that is NOT_FOUND (not analysed yet) or fails <paramref name="until"/>; the last answer when time runs out.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> until, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                var value = await read();
                if (until(value) || DateTime.UtcNow > deadline)
                {
                    return value;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow <= deadline)
            {
            }
            await Task.Delay(100);
        }
    }
}
