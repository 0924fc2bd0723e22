using Analysis.Application;
using Analysis.Infrastructure;
using Confluent.Kafka;
using Contracts.Events.V1;
using Google.Protobuf;
using Messaging;
using Microsoft.Extensions.Options;

namespace Analysis.Messaging;

/// <summary>
/// Fills this replica's <see cref="SpatialIndex"/> and <see cref="HotspotCounter"/> from the partitions of incidents.v1
/// that other replicas analyse, from the index's horizon back (so a restart rebuilds it), without a consumer group and
/// without committing. The partitions this replica's analyser owns it reads only up to where the analyser starts
/// (<see cref="HandOver"/>): the analyser indexes what it reads itself, so no record is fetched and parsed twice here.
/// When the analyser loses one (<see cref="TakeBack"/>) the feed reads it again from where the analyser had handled it.
/// <para>
/// Replicas analyse different partitions, so two incidents that belong together may be analysed at the same time on
/// two replicas. One of the two searches must see the other, as it did when the index was shared in Redis: before a
/// search, <see cref="CaughtUpAsync"/> waits until this feed has read every partition it reads up to the high watermarks
/// it queried after the call (a partition handed over, up to where it was handed over). Then for any pair, the incident
/// analysed second (by when that query ran) finds the first: the first was published before, and is either on a
/// partition this feed read up to there, or analysed here, which indexes each incident before its search. Callers waiting
/// together share one query.
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

    /// <summary>Per partition, the offset from which this replica's analyser reads it; null while this feed reads it all. Under <see cref="_gate"/>.</summary>
    private long?[] _handedOver = [];

    /// <summary>Ownership changes told by the analysing consumer, applied by the feed loop (the only user of its consumer).</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<(bool HandOver, TopicPartitionOffset Offset)> _ownershipChanges = new();

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

    /// <summary>
    /// Where the feed must be for the callers: each partition's high watermark, or where it was handed over (never above
    /// the high watermark), which needs no query. Retried while the broker cannot answer (an outage holds the analysis until it is back).
    /// </summary>
    private async Task<long[]> QueryHighWatermarksAsync()
    {
        var targets = new long[Volatile.Read(ref _positions).Length];
        var queried = new List<int>(targets.Length);
        lock (_gate)
        {
            for (var p = 0; p < targets.Length; p++)
            {
                if (_handedOver[p] is { } handedOverAt)
                {
                    targets[p] = handedOverAt;
                }
                else
                {
                    queried.Add(p);
                }
            }
        }
        while (true)
        {
            try
            {
                // One request per partition, in parallel: the round waits for the slowest, not the sum.
                Parallel.ForEach(queried, p =>
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

    /// <summary>The partitions this replica's analyser reads and indexes itself (each from where it was handed over).</summary>
    public IReadOnlyList<int> PartitionsHandedOver
    {
        get
        {
            lock (_gate)
            {
                return [.. Enumerable.Range(0, _handedOver.Length).Where(p => _handedOver[p] is not null)];
            }
        }
    }

    /// <summary>
    /// The analyser reads these partitions from these offsets on, and indexes each incident before it searches: this
    /// feed reads them only up to there. Records between are then indexed by both, which changes nothing.
    /// </summary>
    public void HandOver(IEnumerable<TopicPartitionOffset> startingAt)
    {
        foreach (var start in startingAt.Where(s => s.Topic == Topics.Incidents))
        {
            _ownershipChanges.Enqueue((true, start));
        }
    }

    /// <summary>The analyser no longer reads these partitions, and indexed everything below these offsets: this feed reads them again from there.</summary>
    public void TakeBack(IEnumerable<TopicPartitionOffset> handledUpTo)
    {
        foreach (var handled in handledUpTo.Where(s => s.Topic == Topics.Incidents))
        {
            _ownershipChanges.Enqueue((false, handled));
        }
    }

    private void Run(CancellationToken stoppingToken)
    {
        var start = Assign(stoppingToken);
        if (start is null)
        {
            return;
        }
        lock (_gate)
        {
            _handedOver = new long?[start.Length];
        }
        Volatile.Write(ref _positions, start);
        _assigned.TrySetResult();
        var reading = Enumerable.Range(0, start.Length).ToHashSet();
        // Partitions handed over but not yet read up to there: where to stop (this loop's own, so no lock per record).
        var stopAt = new Dictionary<int, long>();
        var nextExpiry = _clock.GetUtcNow() + ExpiryInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!_ownershipChanges.IsEmpty)
            {
                ApplyOwnershipChanges(start, reading, stopAt);
            }
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
                    if (stopAt.TryGetValue(partition, out var handedOverAt) && start[partition] >= handedOverAt)
                    {
                        stopAt.Remove(partition);
                        reading.Remove(partition);
                        Reassign(start, reading);
                    }
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

    /// <summary>On the feed loop: stops reading partitions handed over once read up to there, reads those taken back again.</summary>
    private void ApplyOwnershipChanges(long[] positions, HashSet<int> reading, Dictionary<int, long> stopAt)
    {
        var changed = false;
        var handedOver = new List<string>();
        var takenBack = new List<string>();
        while (_ownershipChanges.TryDequeue(out var change))
        {
            var partition = change.Offset.Partition.Value;
            if (partition >= positions.Length)
            {
                continue; // created after the feed started: it never read it, and the analyser indexes what it reads
            }
            var offset = change.Offset.Offset.Value;
            if (change.HandOver)
            {
                lock (_gate)
                {
                    _handedOver[partition] = offset;
                    // Rounds queried before read no further there.
                    foreach (var round in _rounds)
                    {
                        round.Targets[partition] = Math.Min(round.Targets[partition], offset);
                    }
                    CompleteReachedRounds();
                }
                if (positions[partition] >= offset)
                {
                    changed |= reading.Remove(partition);
                }
                else
                {
                    stopAt[partition] = offset;
                }
                handedOver.Add($"{partition} from {offset}");
            }
            else
            {
                lock (_gate)
                {
                    if (_handedOver[partition] is null)
                    {
                        continue;
                    }
                    _handedOver[partition] = null;
                }
                if (!stopAt.Remove(partition))
                {
                    // Everything below was indexed, by this feed or by the analyser. (Taken back before this feed had read up
                    // to where it was handed over, it goes on from its own position instead: the records between were not.)
                    Volatile.Write(ref positions[partition], offset);
                    changed |= reading.Add(partition);
                }
                takenBack.Add($"{partition} from {offset}");
            }
        }
        if (changed)
        {
            Reassign(positions, reading);
        }
        if (handedOver.Count > 0 || takenBack.Count > 0)
        {
            _logger.LogInformation("Index feed: partitions handed over to this replica's analyser: [{HandedOver}]; taken back: [{TakenBack}]; reading [{Reading}]",
                string.Join(", ", handedOver), string.Join(", ", takenBack), string.Join(", ", reading.Order()));
        }
    }

    private void Reassign(long[] positions, HashSet<int> reading)
        => _consumer.Assign(reading.Order().Select(p => new TopicPartitionOffset(Topics.Incidents, p, positions[p])));

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
            reported = IncidentReported.Parser.ParseFrom(record.Message.Value.AsSpan());
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
