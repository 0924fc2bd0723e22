using Confluent.Kafka;
using Contracts.Events.V1;
using Dispatch.Application;
using Google.Protobuf;
using Messaging;

namespace Dispatch.Messaging;

/// <summary>incidents.v1 (consumer group): every new incident gets a unit.</summary>
public sealed class IncidentReportedHandler(IncidentDispatcher dispatcher, ILogger<IncidentReportedHandler> logger) : IKafkaMessageHandler
{
    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        if (KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema) != IncidentReported.Descriptor.FullName)
        {
            logger.LogWarning("Skipping {Topic}@{Offset}: schema header is not {Schema}", record.Topic, record.TopicPartitionOffset, IncidentReported.Descriptor.FullName);
            return Task.CompletedTask;
        }

        IncidentReported reported;
        try
        {
            reported = IncidentReported.Parser.ParseFrom(record.Message.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Only Intake writes this topic; a record we cannot read will not become readable by retrying.
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
            return Task.CompletedTask;
        }
        return dispatcher.DispatchAsync(reported.Incident, cancellationToken);
    }
}
