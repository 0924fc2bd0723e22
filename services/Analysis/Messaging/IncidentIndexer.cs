using Analysis.Application;
using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;

namespace Analysis.Messaging;

/// <summary>incidents.v1 (consumer group): every incident is analysed. Idempotent, so redelivery is harmless.</summary>
public sealed class IncidentIndexer(IncidentAnalyzer analyzer, ILogger<IncidentIndexer> logger) : IKafkaMessageHandler
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

        if (await analyzer.AnalyseAsync(incident, cancellationToken) == AnalysisOutcome.OutsideRetention)
        {
            logger.LogInformation("Incident {IncidentId} was received {ReceivedAt:O}, before the retention window: not analysed", incident.IncidentId, incident.ReceivedAt?.ToDateTimeOffset());
        }
    }
}
