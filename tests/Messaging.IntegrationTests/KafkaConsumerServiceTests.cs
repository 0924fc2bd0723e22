using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Messaging.IntegrationTests;

public sealed class KafkaConsumerServiceTests : IDisposable
{
    private const string Topic = "consumer-test.v1";
    private const string Group = "consumer-test";
    private readonly EmbeddedKafka _kafka = EmbeddedKafka.Start();

    public KafkaConsumerServiceTests()
    {
        _kafka.CreateTopic(Topic, partitions: 2);
        _kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
    }

    public void Dispose() => _kafka.Dispose();

    [Fact]
    public async Task A_consumer_whose_partition_is_taken_while_it_handles_a_record_keeps_consuming()
    {
        var handler = new GatedHandler();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Kafka:BootstrapServers"] = _kafka.BootstrapServers;
        builder.Services.AddSingleton(handler);
        builder.AddKafkaMessaging();
        builder.Services.AddKafkaConsumer<GatedHandler>(_ => new KafkaConsumerSettings("test", Group, [Topic], ConsumeMode.Group, MaxInFlight: 4));
        using var host = builder.Build();
        await host.StartAsync();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build();

        // One record in flight on each partition, both held by the handler.
        await ProduceToBothPartitionsAsync(producer, "first");
        await handler.WaitForAsync(h => h.Started >= 2);

        // A second member joins: the group moves one partition to it while its record is still being handled here.
        using var other = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = Group,
            EnableAutoCommit = false,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        }).Build();
        other.Subscribe(Topic);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (other.Assignment.Count == 0 && DateTime.UtcNow < deadline)
        {
            other.Consume(TimeSpan.FromMilliseconds(100));
        }
        Assert.Single(other.Assignment);

        // Finishing both records: the moved one's offset can no longer be stored here (its new owner reads it again).
        // The consumer must carry on with the partition it kept.
        handler.Release.SetResult();
        await ProduceToBothPartitionsAsync(producer, "second");

        await handler.WaitForAsync(h => h.Handled.Contains("second"));
        await ProduceToBothPartitionsAsync(producer, "third");
        await handler.WaitForAsync(h => h.Handled.Contains("third"));
        Assert.Equal(["first", "first", "second", "third"], handler.Handled);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the host is stopping");
        await host.StopAsync();
    }

    private static Task ProduceToBothPartitionsAsync(IProducer<string, byte[]> producer, string value)
        => Task.WhenAll(Enumerable.Range(0, 2).Select(partition =>
            producer.ProduceAsync(new TopicPartition(Topic, partition), new Message<string, byte[]> { Key = "k", Value = Encoding.UTF8.GetBytes(value) })));

    private sealed class GatedHandler : IKafkaMessageHandler
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<string> Handled { get; } = [];

        public async Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            await Release.Task.WaitAsync(cancellationToken);
            Handled.Enqueue(Encoding.UTF8.GetString(record.Message.Value));
        }

        public async Task WaitForAsync(Func<GatedHandler, bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!condition(this))
            {
                Assert.True(DateTime.UtcNow < deadline, $"not reached within 60 s; handled: {string.Join(", ", Handled)}");
                await Task.Delay(50);
            }
        }
    }
}
