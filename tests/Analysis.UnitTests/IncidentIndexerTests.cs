using System.Text;
using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Application;
using Analysis.Domain.Series;
using Analysis.Messaging;
using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Analysis.UnitTests;

/// <summary>Records that can never be indexed are skipped (not thrown, which would retry them forever); no Redis is reached.</summary>
public sealed class IncidentIndexerTests
{
    // No Redis and no Kafka: a test that reached them would fail with a NullReferenceException.
    private static readonly IncidentAnalyzer Analyzer = new(null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, null!, new CommonIdentifierRule(new FraudOptions()), null!, TimeProvider.System,
        Options.Create(new AnalysisOptions { IncidentRetentionDays = 30 }), Options.Create(new SeriesOptions()),
        Options.Create(new DisputeOptions()), Options.Create(new FraudOptions()), Options.Create(new HotspotOptions()), new AnalysisStats());

    private static readonly IncidentIndexer Indexer = new(Analyzer, null!, NullLogger<IncidentIndexer>.Instance);

    private static ConsumeResult<string, byte[]> Record(byte[]? value, string? schema) => new()
    {
        Topic = Topics.Incidents,
        Partition = 0,
        Offset = 1,
        Message = new Message<string, byte[]>
        {
            Key = "k",
            Value = value!,
            Headers = schema is null ? [] : new Headers { { KafkaHeaders.Schema, Encoding.UTF8.GetBytes(schema) } },
        },
    };

    [Fact]
    public async Task A_record_of_another_schema_is_skipped()
        => await Indexer.HandleAsync(Record(new AlertRaised().ToByteArray(), AlertRaised.Descriptor.FullName), CancellationToken.None);

    [Fact]
    public async Task A_record_without_a_schema_header_is_skipped()
        => await Indexer.HandleAsync(Record([1, 2, 3], null), CancellationToken.None);

    [Fact]
    public async Task An_unreadable_record_is_skipped()
        => await Indexer.HandleAsync(Record([0xFF, 0xFF, 0xFF, 0xFF], IncidentReported.Descriptor.FullName), CancellationToken.None);

    [Fact]
    public async Task A_record_without_a_value_is_skipped()
        => await Indexer.HandleAsync(Record(null, IncidentReported.Descriptor.FullName), CancellationToken.None);

    [Fact]
    public async Task An_event_without_an_incident_id_is_skipped()
        => await Indexer.HandleAsync(Record(new IncidentReported { Incident = new Incident() }.ToByteArray(), IncidentReported.Descriptor.FullName), CancellationToken.None);

    [Fact]
    public async Task An_incident_received_before_the_retention_window_is_not_stored()
    {
        var incident = new Incident
        {
            IncidentId = "old",
            ReceivedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-31)),
            Report = new Report { Category = IncidentCategory.Theft, Location = new GeoPoint { Latitude = 31.2, Longitude = 121.4 } },
        };

        Assert.Equal([AnalysisOutcome.OutsideRetention], await Analyzer.AnalyseAsync([incident], CancellationToken.None));
    }

    [Fact]
    public async Task Unreadable_records_in_a_batch_are_skipped_without_failing_the_batch()
    {
        var old = new IncidentReported
        {
            Incident = new Incident { IncidentId = "old", ReceivedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-31)), Report = new Report { Category = IncidentCategory.Theft } },
        };
        await Indexer.HandleBatchAsync(
        [
            Record([0xFF, 0xFF, 0xFF, 0xFF], IncidentReported.Descriptor.FullName),
            Record(new AlertRaised().ToByteArray(), AlertRaised.Descriptor.FullName),
            Record(old.ToByteArray(), IncidentReported.Descriptor.FullName),
            Record(null, IncidentReported.Descriptor.FullName),
        ], CancellationToken.None);
    }
}
