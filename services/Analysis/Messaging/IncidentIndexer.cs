using Analysis.Application;
using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;

namespace Analysis.Messaging;

/// <summary>
/// incidents.v1 (consumer group): every incident is analysed, in batches. Idempotent, so redelivery is harmless. The
/// partitions it owns the index feed leaves to it: the analyser indexes what it reads.
/// </summary>
public sealed class IncidentIndexer(IncidentAnalyzer analyzer, IncidentIndexFeed feed, ILogger<IncidentIndexer> logger)
    : IKafkaMessageHandler, IKafkaBatchHandler, IPartitionOwnershipListener
{
    public void Assigned(IReadOnlyList<TopicPartitionOffset> startingAt) => feed.HandOver(startingAt);

    public void Revoked(IReadOnlyList<TopicPartitionOffset> handledUpTo) => feed.TakeBack(handledUpTo);

    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken) => HandleBatchAsync([record], cancellationToken);

    public async Task HandleBatchAsync(IReadOnlyList<ConsumeResult<string, byte[]>> records, CancellationToken cancellationToken)
    {
        var incidents = new List<Incident>(records.Count);
        foreach (var record in records)
        {
            if (Read(record) is { } incident)
            {
                incidents.Add(incident);
            }
        }
        var outcomes = await analyzer.AnalyseAsync(incidents, cancellationToken);
        for (var i = 0; i < incidents.Count; i++)
        {
            if (outcomes[i] == AnalysisOutcome.OutsideRetention)
            {
                logger.LogInformation("Incident {IncidentId} was received {ReceivedAt:O}, before the retention window: not analysed", incidents[i].IncidentId, incidents[i].ReceivedAt?.ToDateTimeOffset());
            }
        }
    }

    /// <summary>The record's incident; null (logged) for a record that retrying cannot make valid.</summary>
    private Incident? Read(ConsumeResult<string, byte[]> record)
    {
        // Every early return below is a record that retrying cannot make valid: it is logged and skipped.
        var schema = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema);
        if (schema != IncidentReported.Descriptor.FullName)
        {
            logger.LogWarning("Skipping {Offset}: schema header is {Actual}, not {Schema}", record.TopicPartitionOffset, schema ?? "(none)", IncidentReported.Descriptor.FullName);
            return null;
        }
        if (record.Message.Value is null)
        {
            logger.LogWarning("Skipping {Offset}: the record has no value", record.TopicPartitionOffset);
            return null;
        }

        IncidentReported reported;
        try
        {
            // From a span: parsing from the array allocates a stream object per record.
            reported = IncidentReported.Parser.ParseFrom(record.Message.Value.AsSpan());
        }
        catch (InvalidProtocolBufferException e)
        {
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
            return null;
        }
        if (reported.Incident is not { IncidentId.Length: > 0 } incident)
        {
            logger.LogError("Skipping {Offset}: IncidentReported without an incident id", record.TopicPartitionOffset);
            return null;
        }
        return incident;
    }
}
