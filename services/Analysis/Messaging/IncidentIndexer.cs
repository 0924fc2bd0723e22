using Analysis.Infrastructure;
using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;

namespace Analysis.Messaging;

/// <summary>incidents.v1 (consumer group): every incident is indexed for linking. Idempotent, so redelivery is harmless.</summary>
public sealed class IncidentIndexer(IncidentIndex index, ILogger<IncidentIndexer> logger) : IKafkaMessageHandler
{
    public async Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        // Every early return below is a record that retrying cannot make valid: it is logged and skipped.
        var schema = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema);
        if (schema != IncidentReported.Descriptor.FullName)
        {
            logger.LogWarning("Skipping {Offset}: schema header is {Actual}, not {Schema}", record.TopicPartitionOffset, schema ?? "(none)", IncidentReported.Descriptor.FullName);
            return;
        }
        if (record.Message.Value is null)
        {
            logger.LogWarning("Skipping {Offset}: the record has no value", record.TopicPartitionOffset);
            return;
        }

        IncidentReported reported;
        try
        {
            reported = IncidentReported.Parser.ParseFrom(record.Message.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
            return;
        }
        if (reported.Incident is not { IncidentId.Length: > 0 } incident)
        {
            logger.LogError("Skipping {Offset}: IncidentReported without an incident id", record.TopicPartitionOffset);
            return;
        }

        var outcome = await index.IndexAsync(incident);
        switch (outcome)
        {
            case IndexOutcome.OutsideRetention:
                logger.LogInformation("Incident {IncidentId} was received {ReceivedAt:O}, before the retention window: not indexed", incident.IncidentId, incident.ReceivedAt?.ToDateTimeOffset());
                break;
            case IndexOutcome.IndexedWithoutLocation:
                logger.LogWarning("Incident {IncidentId} indexed without a position: its location cannot go into a GEO index", incident.IncidentId);
                break;
            default:
                logger.LogDebug("Incident {IncidentId} indexed", incident.IncidentId);
                break;
        }
    }
}
