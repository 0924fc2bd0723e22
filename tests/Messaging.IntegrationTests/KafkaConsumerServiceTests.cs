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
