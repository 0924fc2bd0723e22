using Confluent.Kafka;
using Contracts.Events.V1;
using Dispatch.Application;
using Google.Protobuf;
using Messaging;

namespace Dispatch.Messaging;

/// <summary>alerts.v1 (consumer group): alerts Dispatch acts on (duplicates, watchlist hits, intercepts).</summary>
public sealed class AlertReceivedHandler(AlertResponder responder, ILogger<AlertReceivedHandler> logger) : IKafkaMessageHandler
{
    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        if (KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema) != AlertRaised.Descriptor.FullName || record.Message.Value is null)
        {
            logger.LogWarning("Skipping {Offset}: not an {Schema}", record.TopicPartitionOffset, AlertRaised.Descriptor.FullName);
            return Task.CompletedTask;
        }
        AlertRaised raised;
        try
        {
            raised = AlertRaised.Parser.ParseFrom(record.Message.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            logger.LogError("Skipping unreadable record {Offset}: {Reason}", record.TopicPartitionOffset, e.Message);
            return Task.CompletedTask;
        }
        return raised.Alert is null ? Task.CompletedTask : responder.HandleAsync(raised.Alert, cancellationToken);
    }
}
