using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging;

/// <summary>
/// The process's one Kafka producer: idempotent, acks=all. A publish completes only when the
/// broker has acknowledged the record, so a caller never reports success for an unpersisted event.
/// </summary>
public sealed class EventPublisher : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;

    public EventPublisher(IOptions<KafkaOptions> options, IKafkaClientConfigurator configurator, ILogger<EventPublisher> logger)
    {
        var kafka = options.Value;
        var config = new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            ClientId = $"{configurator.ClientId}-producer",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = kafka.LingerMs,
            MessageTimeoutMs = kafka.MessageTimeoutMs,
            CompressionType = CompressionType.Lz4,
            // Callers only await the acknowledgement: copying key, value and headers back into every
            // delivery report cost a measurable share of Intake's CPU per record (docs/PERFORMANCE.md).
            DeliveryReportFields = "status",
        };
        configurator.Apply(config);
        _producer = new ProducerBuilder<string, byte[]>(config)
            .SetLogHandler((_, message) => KafkaLog.Write(logger, message))
            .Build();
        ProducerName = configurator.ClientId;
    }

    public string ProducerName { get; }

    public EventMetadata NewMetadata(Timestamp occurredAt) => new()
    {
        EventId = Guid.CreateVersion7().ToString(),
        OccurredAt = occurredAt,
        PublishedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        SchemaVersion = 1,
        Producer = ProducerName,
    };

    /// <summary>
    /// Completes when the broker acknowledged the record. Cancelling stops the wait, not the record:
    /// librdkafka may still deliver it later, so a cancelled publish means "not confirmed", never "not stored".
    /// </summary>
    public Task<DeliveryResult<string, byte[]>> PublishAsync<T>(string topic, string key, T message, CancellationToken cancellationToken)
        where T : IMessage<T>
        => PublishRawAsync(topic, new Message<string, byte[]>
        {
            Key = key,
            Value = message.ToByteArray(),
            Headers = KafkaHeaders.ForProtobuf(message.Descriptor.FullName),
        }, cancellationToken);

    /// <summary>Publishes a record as is (dead-letter copies keep the original bytes and headers).</summary>
    public Task<DeliveryResult<string, byte[]>> PublishRawAsync(string topic, Message<string, byte[]> message, CancellationToken cancellationToken)
        // The returned task must honour cancellation even while the broker is unreachable (ProduceAsync's own token does not end the wait).
        => _producer.ProduceAsync(topic, message, cancellationToken).WaitAsync(cancellationToken);

    public void Dispose()
    {
        // Give in-flight records a chance to be acknowledged before the process exits.
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
