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
/// The spatial index is in each replica's memory, fed from every partition of incidents.v1 (the index feed). Replicas
/// analyse different partitions, so of two reports analysed at the same moment on two replicas, one search must see the
/// other although that replica never analysed it: the feed's catch-up barrier guarantees it. Checked here on the real
/// host against the embedded broker: whatever was published before the barrier is in the index when it opens.
/// </summary>
public sealed class IndexFeedTests : IAsyncLifetime
{
    private const int Partitions = 6;

    private readonly TestTokens _tokens = new();
    private EmbeddedKafka _kafka = null!;
    private EmbeddedRedis _redis = null!;
    private ServiceHost<analysis::Program> _host = null!;
    private KafkaTestClient _client = null!;

    public Task InitializeAsync()
    {
        _kafka = EmbeddedKafka.Start();
        foreach (var topic in Topics.All)
        {
            _kafka.CreateTopic(topic.Name, Partitions);
        }
        _redis = EmbeddedRedis.Start();
        _host = new ServiceHost<analysis::Program>(new Dictionary<string, string?>(_tokens.HostSettings)
        {
            ["Kafka:BootstrapServers"] = _kafka.BootstrapServers,
            ["Redis:Configuration"] = _redis.ConnectionString,
            ["Analysis:PublishAlerts"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        });
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
    public async Task Every_report_published_before_the_barrier_is_in_the_index_when_it_opens()
    {
        var feed = _host.Services.GetRequiredService<analysis::Analysis.Messaging.IncidentIndexFeed>();
        var index = _host.Services.GetRequiredService<analysis::Analysis.Infrastructure.SpatialIndex>();
        var missing = new List<int>();
        for (var i = 0; i < 40; i++)
        {
            var fire = Fire(Place(i), DateTimeOffset.UtcNow.AddMinutes(-5));
            await PublishAsync([fire]); // acknowledged: in the log

            await feed.CaughtUpAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

            var found = index.Search(IncidentCategory.Fire, fire.Report.Location, 10, fire.Report.OccurredAt.ToDateTimeOffset(), TimeSpan.FromMinutes(1), 10);
            if (!found.Any(n => n.IncidentId == fire.IncidentId))
            {
                missing.Add(i);
            }
        }
        Assert.Empty(missing);
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

    private Task PublishAsync(IReadOnlyList<Incident> incidents)
        => Task.WhenAll(incidents.Select(incident => _client.ProduceAsync(Topics.Incidents, incident.IncidentId,
            new IncidentReported
            {
                Metadata = new EventMetadata { EventId = Guid.NewGuid().ToString(), OccurredAt = incident.Report.OccurredAt, PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow), SchemaVersion = 1, Producer = "test" },
                Incident = incident,
            }.ToByteArray(),
            KafkaHeaders.ForProtobuf(IncidentReported.Descriptor.FullName))));

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
