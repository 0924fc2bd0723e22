using System.Threading.Channels;
using Grpc.Core;
using Contracts.Dispatch.V1;
using Dispatch.Domain;

namespace Dispatch.Streaming;

/// <summary>
/// Fans feed events out to operators. Keeps the most recent events so a reconnecting operator
/// resumes from its token with no gap; an operator too slow to keep up is cut off rather than
/// slowing the others.
/// </summary>
public sealed class FeedHub(int replayCapacity, int subscriberQueue)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Buffered> _buffer = new();
    private readonly Dictionary<(string, int), long> _positions = [];
    private readonly Dictionary<(string, int), long> _firstSeen = [];
    private readonly Dictionary<(string, int), long> _evictedUpTo = [];
    private readonly List<FeedSubscription> _subscribers = [];

    private sealed record Buffered((string, int) Partition, long Offset, FeedEvent Event);

    public void Publish(string topic, int partition, long offset, FeedEvent feedEvent)
    {
        var key = (topic, partition);
        lock (_lock)
        {
            _firstSeen.TryAdd(key, offset);
            _positions[key] = offset;
            feedEvent.ResumeToken = ResumeToken.Encode(_positions);
            _buffer.AddLast(new Buffered(key, offset, feedEvent));
            if (_buffer.Count > replayCapacity)
            {
                var evicted = _buffer.First!.Value;
                _buffer.RemoveFirst();
                _evictedUpTo[evicted.Partition] = evicted.Offset;
            }
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (subscriber.Unverified.Remove(key, out var resumedAt) && offset > resumedAt + 1)
                {
                    // It resumed on a replica that had not read this partition yet, and records published
                    // in between were never read here. (Offsets of our non-transactional topics are contiguous.)
                    subscriber.Fail(StatusCode.OutOfRange, "the feed cannot continue from the resume token without a gap; start a new feed and reload state with GetIncident / ListUnits");
                    _subscribers.RemoveAt(i);
                }
                else if (subscriber.Filter.Matches(feedEvent) && !subscriber.Writer.TryWrite(feedEvent))
                {
                    subscriber.Fail(StatusCode.ResourceExhausted, "the feed consumer fell behind; reconnect with the last resume token");
                    _subscribers.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Starts a subscription; with a token, first replays what came after it. Null result: the token is too old to resume without a gap.</summary>
    public FeedSubscription? Subscribe(Dictionary<(string Topic, int Partition), long>? resumeFrom, FeedFilter? filter = null)
    {
        filter ??= FeedFilter.All;
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
                    // Kafka offsets of these topics are contiguous: anything before our first record is a gap we cannot fill.
                    if (resumeFrom.TryGetValue(partition, out var seen) && seen < first - 1)
                    {
                        return null;
                    }
                }
                replay.AddRange(_buffer.Where(b => (!resumeFrom.TryGetValue(b.Partition, out var seen) || b.Offset > seen) && filter.Matches(b.Event)));
            }

            var unverified = (resumeFrom ?? []).Where(p => !_firstSeen.ContainsKey(p.Key)).ToDictionary();
            var subscription = new FeedSubscription(this, replay.Count + subscriberQueue, unverified, filter);
            foreach (var buffered in replay)
            {
                subscription.Writer.TryWrite(buffered.Event);
            }
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(FeedSubscription subscription)
    {
        lock (_lock)
        {
            _subscribers.Remove(subscription);
        }
    }
}

/// <summary>One operator's view of the feed; all writes to its response stream come from <see cref="Reader"/>.</summary>
public sealed class FeedSubscription : IDisposable
{
    private readonly FeedHub _hub;
    private readonly Channel<FeedEvent> _channel;

    internal FeedSubscription(FeedHub hub, int capacity, Dictionary<(string Topic, int Partition), long> unverified, FeedFilter filter)
    {
        _hub = hub;
        Filter = filter;
        Unverified = unverified;
        _channel = Channel.CreateBounded<FeedEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    internal ChannelWriter<FeedEvent> Writer => _channel.Writer;

    internal FeedFilter Filter { get; }

    /// <summary>Token positions in partitions this replica had not read when the subscriber resumed; checked against the first record read. Guarded by the hub's lock.</summary>
    internal Dictionary<(string Topic, int Partition), long> Unverified { get; }

    public ChannelReader<FeedEvent> Reader => _channel.Reader;

    public string? FailureReason { get; private set; }

    public StatusCode FailureStatus { get; private set; }

    internal void Fail(StatusCode status, string reason)
    {
        FailureStatus = status;
        FailureReason = reason;
        _channel.Writer.TryComplete();
    }

    public void Dispose() => _hub.Unsubscribe(this);
}
