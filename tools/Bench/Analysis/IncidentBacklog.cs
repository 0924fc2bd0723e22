using AnalysisEval.Scenario;
using Confluent.Kafka;
using Contracts.Analysis.V1;
using Contracts.Events.V1;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Messaging;

namespace Bench.Analysis;

/// <summary>
/// A month of one megacity's incidents from tools/AnalysisEval's scenario generator, scaled to the requested size:
/// per 1,000 incidents about 380 background thefts, burglaries and robberies (with entry method, target, loot,
/// suspects, vehicles), 400 other incidents (traffic, medical, fire, public order...), 90 disputes, 80 one-off fraud
/// reports and 10 in fraud chains over shared mule accounts, SIM gateways and phones (45 % also name a common
/// identifier such as the bank hotline), serial crews with look-alike decoys, escalating disputes and watchlist sightings.
/// Noise and decoys as in the generator's "hard" setting.
/// </summary>
internal sealed class IncidentBacklog
{
    private readonly List<(TopicPartition Target, Message<string, byte[]> Message)> _records;

    private IncidentBacklog(List<(TopicPartition Target, Message<string, byte[]> Message)> records, IReadOnlyList<WatchlistEntry> watchlist, string summary)
    {
        _records = records;
        Watchlist = watchlist;
        Summary = summary;
    }

    public int Count => _records.Count;

    public IReadOnlyList<WatchlistEntry> Watchlist { get; }

    public string Summary { get; }

    public static IncidentBacklog Generate(int count, int seed)
    {
        // Scaled so the generated month holds a little more than asked; the first `count` by reception are used.
        var per1000 = count * 1.04 / 1000;
        int Scaled(double perThousand) => Math.Max(1, (int)Math.Round(perThousand * per1000));
        var settings = ScenarioSettings.Hard with
        {
            Name = "bench",
            BackgroundPropertyCrimes = Scaled(380),
            BackgroundOther = Scaled(400),
            Series = Scaled(0.4),
            LookalikeCrewPairs = Scaled(0.1),
            FraudChains = Scaled(0.7),
            BackgroundFraud = Scaled(80),
            EscalatingDisputes = Scaled(0.5),
            BackgroundDisputes = Scaled(90),
            WatchlistEntries = 40,
            WatchlistSightings = Scaled(0.5),
            UnlistedSightings = Scaled(1),
        };
        // The month ends half a day to a day and a half before now (the generator starts at local midnight): every incident is inside Analysis's 30-day retention.
        var start = DateTimeOffset.UtcNow.AddDays(-(settings.Days + 0.5));
        var scenario = ScenarioGenerator.Generate(settings, seed, start);
        var incidents = scenario.Incidents.Take(count).ToList();
        var categories = incidents.GroupBy(i => i.Incident.Report.Category).OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count() * 100.0 / incidents.Count:0.#}%");
        var roles = incidents.GroupBy(i => i.Truth.Role).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}");
        var summary = $"{incidents.Count:N0} incidents over {settings.Days} days (seed {seed}): {string.Join(", ", categories)}; by role: {string.Join(", ", roles)}; "
            + $"{scenario.TrueSeries.Count()} planted series, {scenario.TrueChains.Count()} fraud chains, {scenario.Watchlist.Count} watchlist entries";
        return new IncidentBacklog(ToRecords(incidents.Select(i => i.Incident)), scenario.Watchlist, summary);
    }

    /// <summary>
    /// The incidents, in order of reception, as the events.v1.IncidentReported records to publish (key = incident id).
    /// Built once, when generated, and the incidents themselves are not kept: with incidents arriving, serialising them on
    /// the way was the bench's own work on the machine it measures, and the month's millions of objects were marked again
    /// by every background collection the embedded Garnet's allocations caused in this process.
    /// </summary>
    /// <param name="skip">Incidents left out at the start (published before).</param>
    /// <param name="take">Incidents taken at most.</param>
    public IReadOnlyList<(TopicPartition Target, Message<string, byte[]> Message)> Records(int skip = 0, int take = int.MaxValue)
        => _records.GetRange(skip, Math.Min(take, _records.Count - skip));

    /// <summary>The incidents again, parsed from their records (the in-process bench works on them).</summary>
    public IEnumerable<Contracts.Common.V1.Incident> ParseIncidents() => _records.Select(r => IncidentReported.Parser.ParseFrom(r.Message.Value).Incident);

    private static List<(TopicPartition Target, Message<string, byte[]> Message)> ToRecords(IEnumerable<Contracts.Common.V1.Incident> incidents)
    {
        var headers = KafkaHeaders.ForProtobuf(IncidentReported.Descriptor.FullName);
        var publishedAt = Timestamp.FromDateTime(DateTime.UtcNow);
        return [.. incidents.Select(incident =>
        {
            var reported = new IncidentReported
            {
                Metadata = new EventMetadata
                {
                    EventId = Guid.CreateVersion7().ToString(),
                    OccurredAt = incident.Report.OccurredAt,
                    PublishedAt = publishedAt,
                    SchemaVersion = 1,
                    Producer = "bench",
                },
                Incident = incident,
            };
            return (new TopicPartition(Topics.Incidents, Partition.Any), new Message<string, byte[]> { Key = incident.IncidentId, Value = reported.ToByteArray(), Headers = headers });
        })];
    }

    /// <summary>Publishes the records (<see cref="Records"/>); returns once all are acknowledged.</summary>
    /// <param name="perSecond">Paced at this rate; 0 = as fast as the broker takes them (a backlog).</param>
    public static TimeSpan Produce(string bootstrapServers, IReadOnlyList<(TopicPartition Target, Message<string, byte[]> Message)> records, double perSecond = 0)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "bench-incidents",
            EnableIdempotence = true,
            Acks = Acks.All,
            // Large batches: the embedded broker serves about one batch per partition and fetch.
            LingerMs = 50,
            BatchSize = 512 * 1024,
            CompressionType = CompressionType.Lz4, // as Intake publishes
            QueueBufferingMaxMessages = 1_000_000,
            // Only the outcome is read: copying each record's key, value and headers back into its delivery report was the
            // bench process's own work during the measurement (Intake's publisher leaves them out for the same reason).
            DeliveryReportFields = "status",
        };
        return BacklogProducer.ProduceAll(config, records, "incidents", perSecond);
    }
}
