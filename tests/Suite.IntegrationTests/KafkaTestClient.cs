using Confluent.Kafka;

namespace Suite.IntegrationTests;

/// <summary>What a partner or an auditor does with the broker: produce raw records and read topics from the start.</summary>
public sealed class KafkaTestClient(string bootstrapServers) : IDisposable
{
    private readonly IProducer<string, byte[]> _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
    }).Build();

    public Task<DeliveryResult<string, byte[]>> ProduceAsync(string topic, string? key, byte[]? value, Headers? headers = null)
        => _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key!, Value = value!, Headers = headers ?? [] });

    /// <summary>Reads <paramref name="topic"/> from the beginning until <paramref name="done"/> says so or the time is up; returns every record read.</summary>
    public List<ConsumeResult<string, byte[]>> ReadFromStart(string topic, Func<IReadOnlyList<ConsumeResult<string, byte[]>>, bool> done, TimeSpan patience)
        => ReadFromStart([topic], done, patience);

    /// <summary>Reads all <paramref name="topics"/> from the beginning, interleaved, until <paramref name="done"/> or the time is up.</summary>
    public List<ConsumeResult<string, byte[]>> ReadFromStart(IReadOnlyList<string> topics, Func<IReadOnlyList<ConsumeResult<string, byte[]>>, bool> done, TimeSpan patience)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"test-reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topics);
        var records = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
            else if (done(records))
            {
                break; // checked when caught up, not after every record
            }
        }
        consumer.Close();
        return records;
    }

    /// <summary>How many records <paramref name="topic"/> holds in all (sum of high watermarks).</summary>
    public long RecordCount(string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "test-watermarks" }).Build();
        return Enumerable.Range(0, partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
