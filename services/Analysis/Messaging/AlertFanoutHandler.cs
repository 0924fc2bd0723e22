using Analysis.Streaming;
using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;

namespace Analysis.Messaging;

/// <summary>
/// alerts.v1 (broadcast): every replica reads every alert from its own start and hands it to its
/// WatchAlerts callers, so a caller sees all alerts whichever replica it is connected to.
/// </summary>
public sealed class AlertFanoutHandler(AlertHub hub, ILogger<AlertFanoutHandler> logger) : IKafkaMessageHandler
{
    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        var schema = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema);
        if (schema != AlertRaised.Descriptor.FullName)
        {
            logger.LogWarning("Skipping {Offset}: schema header is {Actual}, not {Schema}", record.TopicPartitionOffset, schema ?? "(none)", AlertRaised.Descriptor.FullName);
            return Task.CompletedTask;
        }
        if (record.Message.Value is null)
        {
            logger.LogWarning("Skipping {Offset}: the record has no value", record.TopicPartitionOffset);
            return Task.CompletedTask;
        }

        AlertRaised raised;
        try
        {
            raised = AlertRaised.Parser.ParseFrom(record.Message.Value.AsSpan());
        }
        catch (InvalidProtocolBufferException e)
        {
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
            return Task.CompletedTask;
        }
        if (raised.Alert is null)
        {
            logger.LogError("Skipping {Offset}: AlertRaised without an alert", record.TopicPartitionOffset);
            return Task.CompletedTask;
        }

        hub.Publish(record.Partition.Value, record.Offset.Value, raised.Alert);
        return Task.CompletedTask;
    }
}
