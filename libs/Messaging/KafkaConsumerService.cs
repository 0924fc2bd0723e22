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
    private readonly IKafkaBatchHandler? _batchHandler;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _logger;
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly IPartitionOwnershipListener? _ownership;

    /// <summary>Per partition owned, the offset below which every record was handled (for <see cref="_ownership"/>).</summary>
    private readonly Dictionary<TopicPartition, long> _handledUpTo = [];

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
        if (settings.MaxBatch > 1)
        {
            _batchHandler = handler as IKafkaBatchHandler
                ?? throw new ArgumentException($"MaxBatch {settings.MaxBatch} needs a handler that is an {nameof(IKafkaBatchHandler)}; {typeof(THandler).Name} is not", nameof(settings));
        }
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
        var builder = new ConsumerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => _logger.LogWarning("Kafka consumer {Name}: {Reason}", settings.Name, error.Reason))
            .SetLogHandler((_, message) => KafkaLog.Write(_logger, message));
        if (settings.Mode == ConsumeMode.Group && handler is IPartitionOwnershipListener ownership)
        {
            _ownership = ownership;
            // Without a lost handler, lost partitions come through the revoked one.
            builder.SetPartitionsAssignedHandler((consumer, partitions) => OnAssigned(consumer, partitions))
                .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions));
        }
        _consumer = builder.Build();
    }

    private static readonly TimeSpan OwnershipQueryTimeout = TimeSpan.FromSeconds(10);

    private void OnAssigned(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return;
        }
        List<TopicPartitionOffset> startingAt;
        try
        {
            startingAt = [.. consumer.Committed(partitions, OwnershipQueryTimeout).Select(c => c.Offset.IsSpecial
                ? new TopicPartitionOffset(c.TopicPartition, consumer.QueryWatermarkOffsets(c.TopicPartition, OwnershipQueryTimeout).Low)
                : new TopicPartitionOffset(c.TopicPartition, c.Offset))];
        }
        catch (KafkaException e)
        {
            // The listener is not told: it goes on as if these partitions were not here (for the index feed: reading them too).
            _logger.LogWarning("Kafka consumer {Name}: starting offsets of {Partitions} not read ({Reason}); not reported as owned",
                _settings.Name, string.Join(", ", partitions), e.Error.Reason);
            return;
        }
        foreach (var start in startingAt)
        {
            _handledUpTo[start.TopicPartition] = start.Offset.Value;
        }
        _ownership!.Assigned(startingAt);
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var handledUpTo = new List<TopicPartitionOffset>();
        foreach (var partition in partitions)
        {
            if (_handledUpTo.Remove(partition.TopicPartition, out var offset))
            {
                handledUpTo.Add(new TopicPartitionOffset(partition.TopicPartition, offset));
            }
        }
        if (handledUpTo.Count > 0)
        {
            _ownership!.Revoked(handledUpTo);
        }
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

    // Consume blocks its thread, so the loop gets a thread of its own and never leaves it: it waits for handlers
    // synchronously there. Awaiting them moved the loop, with its blocking Consume calls, onto a thread-pool worker for
    // good, holding one of the few workers the handlers run on and making the pool grow (docs/PERFORMANCE.md, finding 27).
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            ConsumeUntilStopped(stoppingToken);
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

    private void ConsumeUntilStopped(CancellationToken stoppingToken)
    {
        // Records are handled up to MaxInFlight at a time (in batches of up to MaxBatch); offsets are stored strictly in
        // consume order, so an offset is never stored while an earlier record is still being handled.
        var inFlight = new Queue<(List<ConsumeResult<string, byte[]>> Records, Task<bool> Handled)>();
        var recordsInFlight = 0;
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
                    var records = new List<ConsumeResult<string, byte[]>> { record };
                    while (_batchHandler is not null && records.Count < _settings.MaxBatch && recordsInFlight + records.Count < _settings.MaxInFlight
                           && ConsumeFetched() is { } next)
                    {
                        records.Add(next);
                    }
                    inFlight.Enqueue((records, _batchHandler is null
                        ? HandleAsync(records, stoppingToken)
                        // A batch is a stretch of work: off the consuming thread, which goes on fetching meanwhile.
                        : Task.Run(() => HandleAsync(records, stoppingToken), CancellationToken.None)));
                    recordsInFlight += records.Count;
                }
                while (inFlight.Count > 0 && (recordsInFlight >= _settings.MaxInFlight || inFlight.Peek().Handled.IsCompleted))
                {
                    var (done, handled) = inFlight.Dequeue();
                    recordsInFlight -= done.Count;
                    if (!handled.GetAwaiter().GetResult())
                    {
                        return; // stopping: neither these nor any later record is stored
                    }
                    StoreOffsets(done);
                }
            }
        }
        finally
        {
            // Let running handlers finish (they observe the stopping token); store what completed in order.
            while (inFlight.Count > 0)
            {
                var (done, handled) = inFlight.Dequeue();
                if (!handled.GetAwaiter().GetResult())
                {
                    break;
                }
                StoreOffsets(done);
            }
        }
    }

    /// <summary>A record already fetched, without waiting; null when none is (or the next is an end-of-partition event).</summary>
    private ConsumeResult<string, byte[]>? ConsumeFetched()
    {
        try
        {
            return _consumer.Consume(TimeSpan.Zero) is { IsPartitionEOF: false } record ? record : null;
        }
        catch (ConsumeException e)
        {
            _logger.LogWarning("Kafka consumer {Name}: {Reason}", _settings.Name, e.Error.Reason);
            return null;
        }
    }

    /// <summary>
    /// Stores the last offset of each partition among <paramref name="records"/> (they are in consume order): the same
    /// committed position as storing each, with one call (and at most one warning, if the partition was lost) per partition.
    /// </summary>
    private void StoreOffsets(List<ConsumeResult<string, byte[]>> records)
    {
        if (records.Count == 1)
        {
            StoreOffset(records[0]);
            return;
        }
        var stored = new List<(string Topic, int Partition)>();
        for (var i = records.Count - 1; i >= 0; i--)
        {
            var partition = (records[i].Topic, records[i].Partition.Value);
            if (!stored.Contains(partition))
            {
                stored.Add(partition);
                StoreOffset(records[i]);
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
            if (_ownership is not null && _handledUpTo.ContainsKey(record.TopicPartition))
            {
                _handledUpTo[record.TopicPartition] = record.Offset.Value + 1;
            }
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

    /// <summary>True when the records were handled; false when stopping interrupted them.</summary>
    private async Task<bool> HandleAsync(List<ConsumeResult<string, byte[]>> records, CancellationToken stoppingToken)
    {
        using var activity = StartActivity(records);
        try
        {
            if (_batchHandler is not null)
            {
                await _retry.ExecuteAsync(
                    static async (state, token) => await state.Handler.HandleBatchAsync(state.Records, token),
                    (Handler: _batchHandler, Records: records),
                    stoppingToken);
            }
            else
            {
                await _retry.ExecuteAsync(
                    static async (state, token) => await state.Handler.HandleAsync(state.Record, token),
                    (Handler: _handler, Record: records[0]),
                    stoppingToken);
            }
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false; // not stored: the records are processed again after restart
        }
    }

    /// <summary>One record's span is a child of its producer's; a batch's span links to each of its records' producers.</summary>
    private Activity? StartActivity(List<ConsumeResult<string, byte[]>> records)
    {
        var first = records[0];
        var activity = records.Count == 1
            ? Source.StartActivity($"{first.Topic} process", ActivityKind.Consumer, ProducerContext(first))
            : Source.StartActivity($"{first.Topic} process", ActivityKind.Consumer, parentContext: default,
                links: records.Select(r => new ActivityLink(ProducerContext(r))));
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", first.Topic);
        activity?.SetTag("messaging.kafka.offset", first.Offset.Value);
        if (records.Count > 1)
        {
            activity?.SetTag("messaging.batch.message_count", records.Count);
        }
        return activity;
    }

    private static ActivityContext ProducerContext(ConsumeResult<string, byte[]> record)
    {
        var parent = KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.TraceParent);
        ActivityContext.TryParse(parent, KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.TraceState), out var context);
        return context;
    }

    public override void Dispose()
    {
        // Stops the loop (it closes the consumer on its own thread) before disposing.
        base.Dispose();
        ConsumerLoops.WaitForEnd(ExecuteTask);
        _consumer.Dispose();
    }
}
