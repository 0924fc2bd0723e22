using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.IntegrationTests;

public sealed class KafkaConsumerServiceTests : IDisposable
{
    private const string Topic = "consumer-test.v1";
    private const string Group = "consumer-test";
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(3);
    private readonly EmbeddedKafka _kafka = EmbeddedKafka.Start();

    public KafkaConsumerServiceTests()
    {
        _kafka.CreateTopic(Topic, partitions: 2);
        _kafka.SetGroupInitialRebalanceDelay(TimeSpan.Zero);
    }

    public void Dispose() => _kafka.Dispose();

    [Fact]
    public async Task A_consumer_that_loses_its_partitions_while_it_handles_records_keeps_consuming()
    {
        var handler = new GatedHandler();
        var log = new RecordingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Kafka:BootstrapServers"] = _kafka.BootstrapServers;
        builder.Configuration["Kafka:SessionTimeoutMs"] = SessionTimeout.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Logging.AddProvider(log);
        builder.Services.AddSingleton(handler);
        builder.AddKafkaMessaging();
        builder.Services.AddKafkaConsumer<GatedHandler>(_ => new KafkaConsumerSettings("test", Group, [Topic], ConsumeMode.Group, MaxInFlight: 4));
        using var host = builder.Build();
        await host.StartAsync();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build();

        // One record in flight on each partition, both held by the handler.
        await ProduceToBothPartitionsAsync(producer, "first");
        await handler.WaitForAsync(h => h.Started >= 2);

        // The broker is away for longer than the session: the consumer's partitions are lost while their records are
        // being handled (what a broker outage does in production; the group hands them on).
        _kafka.SetBrokerDown(1);
        await Task.Delay(SessionTimeout * 3);

        // Finishing both records: their offsets can no longer be stored here. The consumer must carry on.
        handler.Release.SetResult();
        await handler.WaitForAsync(h => h.Handled.Count >= 2);
        await Task.Delay(TimeSpan.FromSeconds(1));
        _kafka.SetBrokerUp(1);

        await ProduceToBothPartitionsAsync(producer, "second");
        await handler.WaitForAsync(h => h.Handled.Count(v => v == "second") == 2);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the host is stopping");
        Assert.Contains(log.Messages, m => m.Contains("is no longer assigned here", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task Records_already_fetched_are_handed_over_in_batches_and_a_failed_batch_is_retried_whole_before_its_offsets_are_stored()
    {
        const int Records = 200;
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers, LingerMs = 50 }).Build())
        {
            // Both partitions, interleaved: a batch then holds records of each, and the offset stored for each is its last.
            var sent = Enumerable.Range(0, Records).Select(i => producer.ProduceAsync(new TopicPartition(Topic, i % 2),
                new Message<string, byte[]> { Key = "k", Value = Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) }));
            await Task.WhenAll(sent);
        }
        var handler = new BatchHandler();
        using (var host = HostFor(handler, new KafkaConsumerSettings("batch", Group, [Topic], ConsumeMode.Group, MaxInFlight: 64, MaxBatch: 16)))
        {
            await host.StartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (handler.Handled.Count < Records)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{handler.Handled.Count} of {Records} handled within 60 s");
                await Task.Delay(50);
            }
            await host.StopAsync(); // commits the stored offsets
        }

        Assert.Equal(Enumerable.Range(0, Records).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), handler.Handled.Order());
        Assert.InRange(handler.Batches.Max(), 2, 16);
        // The first batch failed once, and each of its records was handled (once) after that.
        Assert.All(handler.Failed, value => Assert.Contains(value, handler.Handled));
        Assert.NotEmpty(handler.Failed);
        using var committed = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = Group }).Build();
        Assert.All(committed.Committed([new TopicPartition(Topic, 0), new TopicPartition(Topic, 1)], TimeSpan.FromSeconds(10)),
            offset => Assert.Equal(Records / 2, offset.Offset.Value));
    }

    [Fact]
    public async Task A_handler_listening_to_ownership_is_told_where_each_partition_starts_and_how_far_it_was_handled()
    {
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await ProduceToBothPartitionsAsync(producer, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        // Partition 0 handled up to 3 before, by an earlier member of the group; partition 1 never.
        using (var earlier = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = Group }).Build())
        {
            earlier.Commit([new TopicPartitionOffset(Topic, 0, 3)]);
        }
        var handler = new OwnershipHandler();
        using (var host = HostFor(handler, new KafkaConsumerSettings("owned", Group, [Topic], ConsumeMode.Group, MaxInFlight: 8, MaxBatch: 4)))
        {
            await host.StartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (handler.Handled.Count < 17)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{handler.Handled.Count} of 17 handled within 60 s");
                await Task.Delay(50);
            }
            Assert.Equal([(0, 3L), (1, 0L)], handler.Assigned.Select(a => (a.Partition.Value, a.Offset.Value)).Order());
            Assert.Empty(handler.Revoked);
            await host.StopAsync(); // leaves the group: its partitions are revoked
        }

        Assert.Equal([(0, 10L), (1, 10L)], handler.Revoked.Select(r => (r.Partition.Value, r.Offset.Value)).Order());
    }

    [Fact]
    public async Task The_consuming_loop_stays_on_its_own_thread_while_it_waits_for_handlers()
    {
        // One record in flight at a time: the loop waits for each handler to finish before it consumes the next, and a
        // handler without batches is started on the loop's thread. Had the loop awaited, it would have gone on from
        // there on a thread-pool worker, holding it in Consume.
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < 5; i++)
            {
                await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<string, byte[]> { Key = "k", Value = [(byte)i] });
            }
        }
        var handler = new ThreadRecordingHandler();
        using var host = HostFor(handler, new KafkaConsumerSettings("thread", Group, [Topic], ConsumeMode.Group, MaxInFlight: 1));
        await host.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (handler.OnPoolThread.Count < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{handler.OnPoolThread.Count} of 5 handled within 60 s");
            await Task.Delay(50);
        }
        await host.StopAsync();

        Assert.All(handler.OnPoolThread, onPool => Assert.False(onPool, "a handler started on a thread-pool worker"));
    }

    /// <summary>A host consuming with <paramref name="handler"/> on the embedded broker.</summary>
    private IHost HostFor<THandler>(THandler handler, KafkaConsumerSettings settings)
        where THandler : class, IKafkaMessageHandler
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Kafka:BootstrapServers"] = _kafka.BootstrapServers;
        builder.Services.AddSingleton(handler);
        builder.AddKafkaMessaging();
        builder.Services.AddKafkaConsumer<THandler>(_ => settings);
        return builder.Build();
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

/// <summary>Records what it handles and what it is told about the partitions it owns.</summary>
internal sealed class OwnershipHandler : IKafkaMessageHandler, IKafkaBatchHandler, IPartitionOwnershipListener
{
    public ConcurrentQueue<string> Handled { get; } = [];
    public ConcurrentQueue<TopicPartitionOffset> Assigned { get; } = [];
    public ConcurrentQueue<TopicPartitionOffset> Revoked { get; } = [];

    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken) => HandleBatchAsync([record], cancellationToken);

    public Task HandleBatchAsync(IReadOnlyList<ConsumeResult<string, byte[]>> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            Handled.Enqueue($"{record.Partition.Value}:{Encoding.UTF8.GetString(record.Message.Value)}");
        }
        return Task.CompletedTask;
    }

    void IPartitionOwnershipListener.Assigned(IReadOnlyList<TopicPartitionOffset> startingAt)
    {
        foreach (var start in startingAt)
        {
            Assigned.Enqueue(start);
        }
    }

    void IPartitionOwnershipListener.Revoked(IReadOnlyList<TopicPartitionOffset> handledUpTo)
    {
        foreach (var handled in handledUpTo)
        {
            Revoked.Enqueue(handled);
        }
    }
}

/// <summary>Fails its first batch once, then records every value it handles and the size of every batch.</summary>
internal sealed class BatchHandler : IKafkaMessageHandler, IKafkaBatchHandler
{
    private int _calls;

    public ConcurrentQueue<string> Handled { get; } = [];
    public ConcurrentQueue<int> Batches { get; } = [];
    public ConcurrentQueue<string> Failed { get; } = [];

    public Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
        => throw new InvalidOperationException("a batch handler gets batches");

    public Task HandleBatchAsync(IReadOnlyList<ConsumeResult<string, byte[]>> records, CancellationToken cancellationToken)
    {
        var values = records.Select(r => Encoding.UTF8.GetString(r.Message.Value)).ToList();
        if (Interlocked.Increment(ref _calls) == 1)
        {
            values.ForEach(Failed.Enqueue);
            throw new InvalidOperationException("the first batch fails once");
        }
        Batches.Enqueue(records.Count);
        values.ForEach(Handled.Enqueue);
        return Task.CompletedTask;
    }
}

/// <summary>Keeps every log line of the host, to check a path was taken.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = [];

    public ILogger CreateLogger(string categoryName) => new Recorder(Messages);

    public void Dispose()
    {
    }

    private sealed class Recorder(ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => messages.Enqueue(formatter(state, exception));
    }
}

/// <summary>Whether each record's handler started on a thread-pool thread; each then waits a moment, as real handlers do.</summary>
internal sealed class ThreadRecordingHandler : IKafkaMessageHandler
{
    public ConcurrentQueue<bool> OnPoolThread { get; } = new();

    public async Task HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken cancellationToken)
    {
        OnPoolThread.Enqueue(Thread.CurrentThread.IsThreadPoolThread);
        await Task.Delay(20, cancellationToken);
    }
}
