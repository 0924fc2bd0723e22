using Analysis.Application;
using Analysis.Infrastructure;
using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;
using Microsoft.Extensions.Options;

namespace Analysis.Messaging;

/// <summary>
/// Fills this replica's <see cref="SpatialIndex"/> and <see cref="HotspotCounter"/> from every partition of incidents.v1, from the index's horizon back
/// (so a restart rebuilds it), without a consumer group and without committing.
/// <para>
/// Replicas analyse different partitions, so two incidents that belong together may be analysed at the same time on
/// two replicas. One of the two searches must see the other, as it did when the index was shared in Redis: before a
/// search, <see cref="CaughtUpAsync"/> waits until this feed has read every partition up to the high watermarks it
/// queried after the call. Then for any pair, the incident analysed second (by when that query ran) finds the first,
/// which was published before it was analysed. Callers waiting together share one query.
/// </para>
/// </summary>
public sealed class IncidentIndexFeed : BackgroundService
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExpiryInterval = TimeSpan.FromMinutes(1);

    private readonly IncidentIndexing _indexing;
    private readonly SpatialIndex _index;
    private readonly HotspotCounter _hotspots;
    private readonly TimeProvider _clock;
    private readonly ILogger<IncidentIndexFeed> _logger;
    private readonly IConsumer<string, byte[]> _consumer;

    /// <summary>
    /// Asks for high watermarks only. The feed's own connection would answer them behind its waiting fetch (a broker
    /// answers a connection's requests in order), adding up to the fetch wait to every query.
    /// </summary>
    private readonly IConsumer<string, byte[]> _watermarks;
    private readonly object _gate = new();
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Next offset to read per partition (set once assigned); written by the feed loop only.</summary>
    private long[] _positions = [];

    /// <summary>Callers that arrived while no query had started for them yet.</summary>
    private TaskCompletionSource? _waiting;
    private bool _querying;

    /// <summary>Queried high watermarks not yet reached by the feed, with their callers.</summary>
    private readonly List<(long[] Targets, TaskCompletionSource Reached)> _rounds = [];

    public IncidentIndexFeed(IncidentIndexing indexing, SpatialIndex index, HotspotCounter hotspots, TimeProvider clock, IOptions<KafkaOptions> options,
        IKafkaClientConfigurator configurator, ILogger<IncidentIndexFeed> logger)
    {
        _indexing = indexing;
        _index = index;
        _hotspots = hotspots;
        _clock = clock;
        _logger = logger;
        var config = new ConsumerConfig
        {
            // Assigned partitions only: the group id is a client identity, never joined or committed.
            GroupId = $"analysis-index-{Guid.NewGuid():N}",
            ClientId = $"{configurator.ClientId}-index",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            FetchWaitMaxMs = options.Value.FetchWaitMaxMs,
        };
        configurator.Apply(config);
        _consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetErrorHandler((_, error) => _logger.LogWarning("Kafka index feed: {Reason}", error.Reason))
            .SetLogHandler((_, message) => KafkaLog.Write(_logger, message))
            .Build();
        _watermarks = new ConsumerBuilder<string, byte[]>(new ConsumerConfig(config) { ClientId = $"{configurator.ClientId}-index-watermarks" })
            .SetErrorHandler((_, error) => _logger.LogWarning("Kafka index feed watermarks: {Reason}", error.Reason))
            .SetLogHandler((_, message) => KafkaLog.Write(_logger, message))
            .Build();
    }

    /// <summary>Completes once every incident published to incidents.v1 before this call is in the index.</summary>
    public Task CaughtUpAsync(CancellationToken cancellationToken)
    {
        Task task;
        var query = false;
        lock (_gate)
        {
            _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _waiting.Task;
            if (!_querying)
            {
                _querying = query = true;
            }
        }
        if (query)
        {
            _ = Task.Run(QueryRoundsAsync, CancellationToken.None);
        }
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Queries the high watermarks for the callers waiting, and again while more arrived meanwhile.</summary>
    private async Task QueryRoundsAsync()
    {
        // The partitions are known, and the feed's positions set, once it is assigned (cancelled only when stopping).
        await _assigned.Task;
        while (true)
        {
            TaskCompletionSource? callers;
            lock (_gate)
            {
                callers = _waiting;
                _waiting = null;
                if (callers is null)
                {
                    _querying = false;
                    return;
                }
            }
            long[] targets;
            try
            {
                targets = await QueryHighWatermarksAsync();
            }
            catch (Exception e)
            {
                // Never leave callers waiting on a round nobody runs: they fail (their analysis is retried, with a new round).
                _logger.LogError(e, "Kafka index feed: high watermark round failed");
                callers.TrySetException(e);
                continue;
            }
            lock (_gate)
            {
                _rounds.Add((targets, callers));
                CompleteReachedRounds();
            }
        }
    }

    /// <summary>Retried while the broker cannot answer (an outage holds the analysis until it is back).</summary>
    private async Task<long[]> QueryHighWatermarksAsync()
    {
        var targets = new long[Volatile.Read(ref _positions).Length];
        while (true)
        {
            try
            {
                // One request per partition, in parallel: the round waits for the slowest, not the sum.
                Parallel.For(0, targets.Length, p =>
                    targets[p] = _watermarks.QueryWatermarkOffsets(new TopicPartition(Topics.Incidents, p), QueryTimeout).High.Value);
                return targets;
            }
            catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault() is KafkaException kafka)
            {
                _logger.LogWarning("Kafka index feed: high watermarks not read ({Reason}); retrying", kafka.Error.Reason);
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void CompleteReachedRounds()
    {
        var positions = Volatile.Read(ref _positions);
        _rounds.RemoveAll(round =>
        {
            for (var p = 0; p < round.Targets.Length; p++)
            {
                if (Volatile.Read(ref positions[p]) < round.Targets[p])
                {
                    return false;
                }
            }
            round.Reached.TrySetResult();
            return true;
        });
    }

    // Consume blocks its thread, so the loop gets a thread of its own.
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        var start = Assign(stoppingToken);
        if (start is null)
        {
            return;
        }
        Volatile.Write(ref _positions, start);
        _assigned.TrySetResult();
        var nextExpiry = _clock.GetUtcNow() + ExpiryInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            ConsumeResult<string, byte[]>? record;
            try
            {
                record = _consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e)
            {
                _logger.LogWarning("Kafka index feed: {Reason}", e.Error.Reason);
                continue;
            }
            if (record is not null)
            {
                if (!record.IsPartitionEOF)
                {
                    Index(record);
                }
                var partition = record.Partition.Value;
                if (partition < start.Length)
                {
                    Volatile.Write(ref start[partition], record.IsPartitionEOF ? record.Offset.Value : record.Offset.Value + 1);
                }
            }
            lock (_gate)
            {
                if (_rounds.Count > 0)
                {
                    CompleteReachedRounds();
                }
            }
            var now = _clock.GetUtcNow();
            if (now >= nextExpiry)
            {
                _index.RemoveExpired(now);
                _hotspots.RemoveIdle(now);
                nextExpiry = now + ExpiryInterval;
            }
        }
    }

    /// <summary>Every partition from the index's horizon back; null when stopping first. Returns the start positions.</summary>
    private long[]? Assign(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
                var topic = admin.GetMetadata(Topics.Incidents, QueryTimeout).Topics.Single();
                if (topic.Error.Code != ErrorCode.NoError || topic.Partitions.Count == 0)
                {
                    throw new KafkaException(topic.Error);
                }
                var since = new Timestamp(_clock.GetUtcNow() - _indexing.Horizon);
                var partitions = topic.Partitions.Select(p => new TopicPartition(Topics.Incidents, p.PartitionId)).OrderBy(p => p.Partition.Value).ToList();
                var found = _consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, since)), QueryTimeout);
                var start = new long[partitions.Max(p => p.Partition.Value) + 1];
                foreach (var offset in found)
                {
                    // No offset found for the time: from the partition's first record (reading what is past the horizon
                    // indexes nothing). Kafka finds none when no record is that recent; librdkafka's mock cluster never does.
                    start[offset.Partition.Value] = offset.Offset.Value >= 0
                        ? offset.Offset.Value
                        : _consumer.QueryWatermarkOffsets(offset.TopicPartition, QueryTimeout).Low.Value;
                }
                _consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, start[p.Partition.Value])));
                _logger.LogInformation("Index feed reads {Partitions} partitions of {Topic} from {Since:O}", partitions.Count, Topics.Incidents, since.UtcDateTime);
                return start;
            }
            catch (KafkaException e)
            {
                _logger.LogWarning("Kafka index feed: {Topic} not readable yet ({Reason}); retrying", Topics.Incidents, e.Error.Reason);
                stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
        return null;
    }

    private void Index(ConsumeResult<string, byte[]> record)
    {
        // The analysing consumer logs what is unreadable; here it is only left out.
        if (KafkaHeaders.Get(record.Message.Headers, KafkaHeaders.Schema) != IncidentReported.Descriptor.FullName || record.Message.Value is null)
        {
            return;
        }
        IncidentReported reported;
        try
        {
            reported = IncidentReported.Parser.ParseFrom(record.Message.Value);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }
        if (reported.Incident is { IncidentId.Length: > 0 } incident)
        {
            _indexing.Add(incident, _clock.GetUtcNow());
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        ConsumerLoops.WaitForEnd(ExecuteTask);
        _consumer.Dispose();
        _watermarks.Dispose();
        lock (_gate)
        {
            foreach (var round in _rounds)
            {
                round.Reached.TrySetCanceled();
            }
            _waiting?.TrySetCanceled();
        }
        _assigned.TrySetCanceled();
    }
}
