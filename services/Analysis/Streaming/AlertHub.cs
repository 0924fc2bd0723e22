using System.Threading.Channels;
using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Analysis.Streaming;

/// <summary>
/// Fans the alerts this replica reads from alerts.v1 out to its WatchAlerts callers. Keeps the
/// most recent alerts so that a caller who reconnects with its last resume token continues without
/// a gap. Publishing never waits: each subscriber has a bounded queue, and one whose queue is full
/// is ended rather than slowing the others.
/// </summary>
public sealed class AlertHub(int replayCapacity = AlertHub.DefaultReplayCapacity, int subscriberCapacity = AlertHub.DefaultSubscriberCapacity, TimeProvider? clock = null)
{
    /// <summary>Alerts queued for one subscriber before it is ended as too slow.</summary>
    public const int DefaultSubscriberCapacity = 1024;

    /// <summary>Recent alerts kept for callers that resume.</summary>
    public const int DefaultReplayCapacity = 10_000;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly LinkedList<Buffered> _buffer = new();
    private readonly Dictionary<int, long> _positions = [];
    private readonly Dictionary<int, long> _firstSeen = [];
    private readonly Dictionary<int, long> _evictedUpTo = [];
    private readonly List<AlertSubscription> _subscribers = [];

    private sealed record Buffered(int Partition, long Offset, Alert Alert, string ResumeToken);

    internal int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Starts a subscription; with a token, first replays the matching alerts that came after it. Null: the token is too old to resume without a gap.</summary>
    public AlertSubscription? Subscribe(AlertFilter filter, IReadOnlyDictionary<int, long>? resumeFrom = null)
    {
        lock (_lock)
        {
            var replay = new List<Buffered>();
            if (resumeFrom is not null)
            {
                foreach (var (partition, evictedOffset) in _evictedUpTo)
                {
                    if (!resumeFrom.TryGetValue(partition, out var seen) || seen < evictedOffset)
                    {
                        return null;
                    }
                }
                foreach (var (partition, first) in _firstSeen)
                {
                    // Offsets of alerts.v1 are contiguous: anything before our first record is a gap we cannot fill.
                    if (resumeFrom.TryGetValue(partition, out var seen) && seen < first - 1)
                    {
                        return null;
                    }
                }
                replay.AddRange(_buffer.Where(b => (!resumeFrom.TryGetValue(b.Partition, out var seen) || b.Offset > seen) && filter.Matches(b.Alert)));
            }

            var unverified = (resumeFrom ?? new Dictionary<int, long>()).Where(p => !_firstSeen.ContainsKey(p.Key)).ToDictionary();
            var subscription = new AlertSubscription(this, filter, replay.Count + subscriberCapacity, subscriberCapacity, unverified);
            foreach (var buffered in replay)
            {
                subscription.Writer.TryWrite(ToEvent(buffered));
            }
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Queues the alert read at <paramref name="partition"/>/<paramref name="offset"/> for every subscriber whose filter matches; ends the ones that are full.</summary>
    public void Publish(int partition, long offset, Alert alert)
    {
        List<AlertSubscription>? ended = null;
        lock (_lock)
        {
            _firstSeen.TryAdd(partition, offset);
            _positions[partition] = offset;
            var buffered = new Buffered(partition, offset, alert, AlertResumeToken.Encode(_positions));
            _buffer.AddLast(buffered);
            if (_buffer.Count > replayCapacity)
            {
                var evicted = _buffer.First!.Value;
                _buffer.RemoveFirst();
                _evictedUpTo[evicted.Partition] = evicted.Offset;
            }

            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (subscriber.Unverified.Remove(partition, out var resumedAt) && offset > resumedAt + 1)
                {
                    // It resumed on a replica that had not read this partition yet, and alerts published in between were never read here.
                    subscriber.SetFailure(StatusCode.OutOfRange, "WatchAlerts cannot continue from the resume token without a gap on this replica; start a new watch without a token");
                    (ended ??= []).Add(subscriber);
                    _subscribers.RemoveAt(i);
                }
                else if (subscriber.Filter.Matches(alert) && !subscriber.Writer.TryWrite(ToEvent(buffered)))
                {
                    subscriber.SetFailure(StatusCode.ResourceExhausted,
                        $"this WatchAlerts stream fell {subscriber.QueueCapacity} alerts behind and was ended so that it does not slow other watchers; "
                        + "reconnect with the last resume token to continue without a gap");
                    (ended ??= []).Add(subscriber);
                    _subscribers.RemoveAt(i);
                }
            }
        }

        // Ending a subscription runs its cancellation callbacks (the caller's response write): not under the lock.
        foreach (var subscriber in ended ?? [])
        {
            subscriber.End();
        }
    }

    private AlertEvent ToEvent(Buffered buffered)
    {
        var alertEvent = new AlertEvent { ResumeToken = buffered.ResumeToken, Alert = buffered.Alert };
        if (buffered.Alert.RaisedAt is { } raisedAt)
        {
            var lag = _clock.GetUtcNow() - raisedAt.ToDateTimeOffset();
            alertEvent.Lag = Duration.FromTimeSpan(lag < TimeSpan.Zero ? TimeSpan.Zero : lag);
        }
        return alertEvent;
    }

    internal void Unsubscribe(AlertSubscription subscription)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscription);
        }
    }
}

/// <summary>
/// One WatchAlerts caller. Every write to its response stream comes from <see cref="Reader"/>;
/// <see cref="Ended"/> fires when the hub cut it off, with <see cref="FailureStatus"/> and <see cref="FailureReason"/> saying why.
/// </summary>
public sealed class AlertSubscription : IDisposable
{
    private readonly AlertHub _hub;
    private readonly Channel<AlertEvent> _channel;
    private readonly CancellationTokenSource _ended = new();
    private volatile string? _failureReason;

    internal AlertSubscription(AlertHub hub, AlertFilter filter, int capacity, int queueCapacity, Dictionary<int, long> unverified)
    {
        _hub = hub;
        Filter = filter;
        QueueCapacity = queueCapacity;
        Unverified = unverified;
        _channel = Channel.CreateBounded<AlertEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full instead of dropping silently
        });
    }

    internal AlertFilter Filter { get; }

    internal int QueueCapacity { get; }

    /// <summary>Token positions in partitions this replica had not read when the caller resumed; checked against the first record read. Guarded by the hub's lock.</summary>
    internal Dictionary<int, long> Unverified { get; }

    internal ChannelWriter<AlertEvent> Writer => _channel.Writer;

    public ChannelReader<AlertEvent> Reader => _channel.Reader;

    /// <summary>Cancelled when the subscriber was cut off; a write blocked on a stalled caller is abandoned.</summary>
    public CancellationToken Ended => _ended.Token;

    public string? FailureReason => _failureReason;

    public StatusCode FailureStatus { get; private set; }

    internal void SetFailure(StatusCode status, string reason)
    {
        FailureStatus = status;
        _failureReason = reason;
        _channel.Writer.TryComplete();
    }

    internal void End()
    {
        try
        {
            _ended.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call already ended and disposed its subscription.
        }
    }

    public void Dispose()
    {
        _hub.Unsubscribe(this);
        _channel.Writer.TryComplete();
        _ended.Dispose();
    }
}
