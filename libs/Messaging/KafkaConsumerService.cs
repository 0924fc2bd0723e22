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
        while (!stoppingToken.IsCancellationRequested)
        {
            ConsumeResult<string, byte[]>? record;
            try
            {
                record = _consumer.Consume(stoppingToken);
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
            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }

            using (var activity = StartActivity(record))
            {
                try
                {
                    await _retry.ExecuteAsync(
                        static async (state, token) => await state.Handler.HandleAsync(state.Record, token),
                        (Handler: _handler, Record: record),
                        stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break; // not stored: the record is processed again after restart
                }
                catch (Exception e) when (HandlerRetryPipeline.IsPoison(e))
                {
                    // Internal topics only carry our own events; one that cannot be processed is a bug to look at, not a reason to stall the partition.
                    _logger.LogError(e, "Kafka consumer {Name}: skipping unprocessable record {Offset}", _settings.Name, record.TopicPartitionOffset);
                }
            }

            if (_settings.Mode == ConsumeMode.Group)
            {
                _consumer.StoreOffset(record);
            }
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
        _consumer.Dispose();
        base.Dispose();
    }
}
