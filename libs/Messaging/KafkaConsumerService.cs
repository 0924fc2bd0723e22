using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Messaging;

/// <summary>
/// A consumer loop owned by the host. At least once: an offset is stored only after its record
/// was handled, and stored offsets are committed in the background and on close.
/// </summary>
public sealed class KafkaConsumerService<THandler> : BackgroundService
    where THandler : IKafkaMessageHandler
{
    private static readonly ActivitySource Source = new("Suite.Messaging");

    private readonly KafkaConsumerSettings _settings;
    private readonly THandler _handler;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _logger;
    private readonly IConsumer<string, byte[]> _consumer;

    public KafkaConsumerService(
        KafkaConsumerSettings settings,
        THandler handler,
        HandlerRetryPipeline retry,
        IOptions<KafkaOptions> options,
        IKafkaClientConfigurator configurator,
        ILogger<KafkaConsumerService<THandler>> logger)
    {
        _settings = settings;
        _handler = handler;
        _retry = retry.Pipeline;
        _logger = logger;
        var config = new ConsumerConfig
        {
            GroupId = settings.GroupId,
            ClientId = $"{configurator.ClientId}-{settings.Name}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = settings.Mode == ConsumeMode.Group,
            EnableAutoOffsetStore = false,
            FetchWaitMaxMs = options.Value.FetchWaitMaxMs,
            SessionTimeoutMs = options.Value.SessionTimeoutMs,
            HeartbeatIntervalMs = options.Value.SessionTimeoutMs / 3,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        };
        configurator.Apply(config);
        _consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => _logger.LogWarning("Kafka consumer {Name}: {Reason}", settings.Name, error.Reason))
            .SetLogHandler((_, message) => KafkaLog.Write(_logger, message))
            .Build();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_settings.Mode == ConsumeMode.Broadcast)
        {
            // Positions are fixed before the host reports started, so nothing published after start is missed.
            var partitions = new List<TopicPartitionOffset>();
            using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            var missing = _settings.Topics.Except(metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic)).ToList();
            if (missing.Count > 0)
            {
                _logger.LogError("Kafka consumer {Name}: topics {Topics} do not exist; their records will not be read until restart", _settings.Name, string.Join(", ", missing));
            }
            foreach (var topic in metadata.Topics.Where(t => _settings.Topics.Contains(t.Topic) && t.Error.Code == ErrorCode.NoError))
            {
                foreach (var partition in topic.Partitions)
                {
                    var tp = new TopicPartition(topic.Topic, partition.PartitionId);
                    var high = _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High;
                    partitions.Add(new TopicPartitionOffset(tp, high));
                }
            }
            _consumer.Assign(partitions);
        }
        else
        {
            _consumer.Subscribe(_settings.Topics);
        }
        return base.StartAsync(cancellationToken);
    }

    // Consume blocks its thread, so the loop gets a thread of its own.
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ConsumeUntilStoppedAsync(stoppingToken);
        }
        finally
        {
            if (_settings.Mode == ConsumeMode.Group)
            {
                // On the consuming thread, never concurrently with Consume: commits stored offsets and leaves the group promptly.
                _consumer.Close();
            }
        }
    }

    private async Task ConsumeUntilStoppedAsync(CancellationToken stoppingToken)
    {
        // Records are handled up to MaxInFlight at a time; offsets are stored strictly in consume
        // order, so an offset is never stored while an earlier record is still being handled.
        var inFlight = new Queue<(ConsumeResult<string, byte[]> Record, Task<bool> Handled)>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string, byte[]>? record;
                try
                {
                    // While work is in flight, wake up regularly to store the offsets of finished records.
                    record = inFlight.Count == 0 ? _consumer.Consume(stoppingToken) : _consumer.Consume(TimeSpan.FromMilliseconds(50));
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (ConsumeException e)
                {
                    _logger.LogWarning("Kafka consumer {Name}: {Reason}", _settings.Name, e.Error.Reason);
                    continue;
                }

                if (record is not null && !record.IsPartitionEOF)
                {
                    inFlight.Enqueue((record, HandleAsync(record, stoppingToken)));
                }
                while (inFlight.Count > 0 && (inFlight.Count >= _settings.MaxInFlight || inFlight.Peek().Handled.IsCompleted))
                {
                    var (done, handled) = inFlight.Dequeue();
                    if (!await handled)
                    {
                        return; // stopping: neither this nor any later record is stored
                    }
                    StoreOffset(done);
                }
            }
        }
        finally
        {
            // Let running handlers finish (they observe the stopping token); store what completed in order.
            while (inFlight.Count > 0)
            {
                var (done, handled) = inFlight.Dequeue();
                if (!await handled)
                {
                    break;
                }
                StoreOffset(done);
            }
        }
    }

    private void StoreOffset(ConsumeResult<string, byte[]> record)
    {
        if (_settings.Mode != ConsumeMode.Group)
        {
            return;
        }
        try
        {
            _consumer.StoreOffset(record);
        }
        catch (KafkaException e) when (e.Error.Code == ErrorCode.Local_State)
        {
            // The partition was taken from us while the record was handled (a broker outage outlasted the session,
            // or a rebalance): its new owner starts from the last committed offset and handles the record again,
            // which handlers tolerate (they are idempotent). Not a reason to stop consuming.
            _logger.LogWarning("Kafka consumer {Name}: {Topic} [{Partition}] is no longer assigned here; offset {Offset} left to its new owner",
                _settings.Name, record.Topic, record.Partition.Value, record.Offset.Value);
        }
    }

    /// <summary>True when the record was handled; false when stopping interrupted it.</summary>
    private async Task<bool> HandleAsync(ConsumeResult<string, byte[]> record, CancellationToken stoppingToken)
    {
        using var activity = StartActivity(record);
        try
        {
            await _retry.ExecuteAsync(
                static async (state, token) => await state.Handler.HandleAsync(state.Record, token),
                (Handler: _handler, Record: record),
                stoppingToken);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false; // not stored: the record is processed again after restart
        }
    }

    private Activity? StartActivity(ConsumeResult<string, byte[]> record)
    {
        var parent = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.TraceParent);
        ActivityContext.TryParse(parent, KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.TraceState), out var context);
        var activity = Source.StartActivity($"{record.Topic} process", ActivityKind.Consumer, context);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", record.Topic);
        activity?.SetTag("messaging.kafka.offset", record.Offset.Value);
        return activity;
    }

    public override void Dispose()
    {
        // Stops the loop (it closes the consumer on its own thread) before disposing.
        base.Dispose();
        ConsumerLoops.WaitForEnd(ExecuteTask);
        _consumer.Dispose();
    }
}
