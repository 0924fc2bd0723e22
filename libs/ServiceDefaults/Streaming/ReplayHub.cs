using System.Threading.Channels;
using Grpc.Core;

namespace ServiceDefaults.Streaming;

/// <summary>What a <see cref="ReplayHub{TKey, TItem, TEvent}"/> tells a subscriber it ends, in the words of its stream.</summary>
/// <param name="Gap">The caller resumed on a replica that had not read a partition yet, and records published in between were never read here.</param>
/// <param name="FellBehind">The subscriber's queue (of the given capacity) was full.</param>
public sealed record ReplayHubMessages(string Gap, Func<int, string> FellBehind);

/// <summary>
/// Fans the records a replica reads from Kafka out to its streaming callers (one <see cref="ReplaySubscription{TEvent}"/>
/// each). Keeps the most recent records so that a caller who reconnects with the positions of its last resume token
/// (<see cref="PositionToken"/>) continues without a gap, on this replica or another. Publishing never waits: each
/// subscriber has a bounded queue, and one whose queue is full is ended rather than slowing the others.
/// Offsets of the source partitions must be contiguous (non-transactional topics): a gap is recognised by them.
/// </summary>
/// <typeparam name="TKey">A source partition: its number, or its topic and number.</typeparam>
/// <typeparam name="TItem">What is kept per record (it carries the resume token of the positions after it).</typeparam>
/// <typeparam name="TEvent">What a subscriber receives, made from the item when it is queued for the subscriber.</typeparam>
public sealed class ReplayHub<TKey, TItem, TEvent>(int replayCapacity, int subscriberCapacity, Func<TItem, TEvent> toEvent, ReplayHubMessages messages)
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Buffered> _buffer = new();
    private readonly Dictionary<TKey, long> _positions = [];
    private readonly Dictionary<TKey, long> _firstSeen = [];
    private readonly Dictionary<TKey, long> _evictedUpTo = [];
    private readonly List<Subscriber> _subscribers = [];

    private sealed record Buffered(TKey Key, long Offset, TItem Item);

    /// <param name="Unverified">Token positions in partitions this replica had not read when the caller resumed; checked against the first record read. Guarded by the hub's lock.</param>
    private sealed record Subscriber(ReplaySubscription<TEvent> Subscription, Func<TItem, bool> Filter, Dictionary<TKey, long> Unverified);

    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>
    /// Starts a subscription to the items <paramref name="filter"/> accepts; with positions from a resume token, first
    /// replays the matching items that came after them. Null: the positions are too old to resume without a gap.
    /// </summary>
    public ReplaySubscription<TEvent>? Subscribe(IReadOnlyDictionary<TKey, long>? resumeFrom, Func<TItem, bool> filter)
    {
        lock (_lock)
        {
            var replay = new List<Buffered>();
            if (resumeFrom is not null)
            {
                foreach (var (key, evictedOffset) in _evictedUpTo)
                {
                    if (!resumeFrom.TryGetValue(key, out var seen) || seen < evictedOffset)
                    {
                        return null;
                    }
                }
                foreach (var (key, first) in _firstSeen)
                {
                    // Offsets are contiguous: anything before our first record is a gap we cannot fill.
                    if (resumeFrom.TryGetValue(key, out var seen) && seen < first - 1)
                    {
                        return null;
                    }
                }
                replay.AddRange(_buffer.Where(b => (!resumeFrom.TryGetValue(b.Key, out var seen) || b.Offset > seen) && filter(b.Item)));
            }

            var unverified = (resumeFrom ?? new Dictionary<TKey, long>()).Where(p => !_firstSeen.ContainsKey(p.Key)).ToDictionary();
            var subscription = new ReplaySubscription<TEvent>(replay.Count + subscriberCapacity, Unsubscribe);
            foreach (var buffered in replay)
            {
                subscription.Writer.TryWrite(toEvent(buffered.Item));
            }
            _subscribers.Add(new Subscriber(subscription, filter, unverified));
            return subscription;
        }
    }

    /// <summary>
    /// Keeps the record read at <paramref name="key"/>/<paramref name="offset"/> as the item <paramref name="create"/> makes
    /// from the positions that include it (for its resume token), and queues it for every subscriber whose filter accepts
    /// it; ends the ones that are full or cannot continue without a gap.
    /// </summary>
    public void Publish(TKey key, long offset, Func<IReadOnlyDictionary<TKey, long>, TItem> create)
    {
        List<ReplaySubscription<TEvent>>? ended = null;
        lock (_lock)
        {
            _firstSeen.TryAdd(key, offset);
            _positions[key] = offset;
            var item = create(_positions);
            _buffer.AddLast(new Buffered(key, offset, item));
            if (_buffer.Count > replayCapacity)
            {
                var evicted = _buffer.First!.Value;
                _buffer.RemoveFirst();
                _evictedUpTo[evicted.Key] = evicted.Offset;
            }

            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (subscriber.Unverified.Remove(key, out var resumedAt) && offset > resumedAt + 1)
                {
                    subscriber.Subscription.SetFailure(StatusCode.OutOfRange, messages.Gap);
                }
                else if (subscriber.Filter(item) && !subscriber.Subscription.Writer.TryWrite(toEvent(item)))
                {
                    subscriber.Subscription.SetFailure(StatusCode.ResourceExhausted, messages.FellBehind(subscriberCapacity));
                }
                else
                {
                    continue;
                }
                (ended ??= []).Add(subscriber.Subscription);
                _subscribers.RemoveAt(i);
            }
        }

        // Ending a subscription runs its cancellation callbacks (the caller's response write): not under the lock.
        foreach (var subscription in ended ?? [])
        {
            subscription.End();
        }
    }

    private void Unsubscribe(ReplaySubscription<TEvent> subscription)
    {
        lock (_lock)
        {
            _subscribers.RemoveAll(s => s.Subscription == subscription);
        }
    }
}

/// <summary>
/// One streaming caller of a <see cref="ReplayHub{TKey, TItem, TEvent}"/>. Every write to its response stream comes
/// from <see cref="Reader"/>; <see cref="Ended"/> fires when the hub cut it off, with <see cref="FailureStatus"/> and
/// <see cref="FailureReason"/> saying why.
/// </summary>
public sealed class ReplaySubscription<TEvent> : IDisposable
{
    private readonly Channel<TEvent> _channel;
    private readonly Action<ReplaySubscription<TEvent>> _unsubscribe;
    private readonly CancellationTokenSource _ended = new();
    private volatile string? _failureReason;

    internal ReplaySubscription(int capacity, Action<ReplaySubscription<TEvent>> unsubscribe)
    {
        _unsubscribe = unsubscribe;
        _channel = Channel.CreateBounded<TEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full instead of dropping silently
        });
    }

    internal ChannelWriter<TEvent> Writer => _channel.Writer;

    public ChannelReader<TEvent> Reader => _channel.Reader;

    /// <summary>Cancelled when the subscriber was cut off; a write blocked on a stalled caller can be abandoned.</summary>
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
        _unsubscribe(this);
        _channel.Writer.TryComplete();
        _ended.Dispose();
    }
}
