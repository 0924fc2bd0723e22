using Confluent.Kafka;
using Google.Protobuf;
using Messaging;

namespace Bench.Intake;

/// <summary>The benchmark's own Kafka clients: pre-producing the partner backlog and counting records in a topic.</summary>
internal sealed class KafkaProbe(string bootstrapServers, int partitions) : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _watermarks = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = "bench-watermarks", // never subscribes; only asks for watermarks
        ClientId = "bench-watermarks",
    }).Build();

    /// <summary>Records ever written to <paramref name="topic"/> (sum of high watermarks).</summary>
    public long Count(string topic)
    {
        long total = 0;
        for (var p = 0; p < partitions; p++)
        {
            total += _watermarks.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value;
        }
        return total;
    }

    /// <summary>
    /// Records of <paramref name="topic"/> the broker no longer holds (sum of low watermarks): the embedded broker keeps
    /// about 5 MB of record batches per partition and drops the oldest beyond that.
    /// </summary>
    public long Dropped(string topic)
    {
        long total = 0;
        for (var p = 0; p < partitions; p++)
        {
            total += _watermarks.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(5)).Low.Value;
        }
        return total;
    }

    /// <summary>
    /// Produces <paramref name="count"/> valid protobuf reports to partner.incidents.v1, spread evenly over
    /// the partitions: partition p carries partner source "partner-p" (the record key is the source).
    /// Returns once every record is acknowledged.
    /// </summary>
    public TimeSpan ProducePartnerBacklog(BenchReports reports, int count)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "bench-partner",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            QueueBufferingMaxMessages = 1_000_000,
        };
        var headers = new Headers { { KafkaHeaders.ContentType, "application/x-protobuf"u8.ToArray() } };
        var records = Enumerable.Range(0, count).Select(i =>
        {
            var partition = i % partitions;
            var source = $"partner-{partition}";
            return (new TopicPartition(Topics.PartnerIncidents, partition), new Message<string, byte[]>
            {
                Key = source,
                Value = reports.Report(source, $"bench-{reports.RunId}-partner-{i}").ToByteArray(),
                Headers = headers,
            });
        });
        return BacklogProducer.ProduceAll(config, records, "partner records");
    }

    public void Dispose() => _watermarks.Dispose();
}
