using System.Threading.Channels;
using Analysis.Domain;
using Contracts.Common.V1;

namespace Analysis.Streaming;

/// <summary>
/// Fans the alerts this replica reads from alerts.v1 out to its WatchAlerts callers. Publishing
/// never waits: each subscriber has a bounded queue, and one whose queue is full is ended rather
/// than slowing the others.
/// </summary>
public sealed class AlertHub(int subscriberCapacity = AlertHub.DefaultSubscriberCapacity)
{
    /// <summary>Alerts queued for one subscriber before it is ended as too slow.</summary>
    public const int DefaultSubscriberCapacity = 1024;

    private readonly Lock _lock = new();
    private readonly List<AlertSubscription> _subscribers = [];

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

    public AlertSubscription Subscribe(AlertFilter filter)
    {
        var subscription = new AlertSubscription(this, filter, subscriberCapacity);
        lock (_lock)
        {
            _subscribers.Add(subscription);
        }
        return subscription;
    }

    /// <summary>Queues <paramref name="alert"/> for every subscriber whose filter matches; ends the ones that are full.</summary>
    public void Publish(Alert alert)
    {
        List<AlertSubscription>? tooSlow = null;
        lock (_lock)
        {
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                var subscriber = _subscribers[i];
                if (subscriber.Filter.Matches(alert) && !subscriber.Writer.TryWrite(alert))
                {
                    (tooSlow ??= []).Add(subscriber);
                    _subscribers.RemoveAt(i);
                }
            }
        }

        // Ending a subscription runs its cancellation callbacks (the caller's response write): not under the lock.
        foreach (var subscriber in tooSlow ?? [])
        {
            subscriber.Fail($"this WatchAlerts stream fell {subscriberCapacity} alerts behind and was ended so that it does not slow other watchers; "
                            + "alerts raised since are not replayed: reconnect to continue with live alerts");
        }
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
/// <see cref="Ended"/> fires when the hub cut it off, with <see cref="FailureReason"/> saying why.
/// </summary>
public sealed class AlertSubscription : IDisposable
{
    private readonly AlertHub _hub;
    private readonly Channel<Alert> _channel;
    private readonly CancellationTokenSource _ended = new();
    private volatile string? _failureReason;

    internal AlertSubscription(AlertHub hub, AlertFilter filter, int capacity)
    {
        _hub = hub;
        Filter = filter;
        _channel = Channel.CreateBounded<Alert>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full instead of dropping silently
        });
    }

    internal AlertFilter Filter { get; }

    internal ChannelWriter<Alert> Writer => _channel.Writer;

    public ChannelReader<Alert> Reader => _channel.Reader;

    /// <summary>Cancelled when the subscriber was cut off; a write blocked on a stalled caller is abandoned.</summary>
    public CancellationToken Ended => _ended.Token;

    public string? FailureReason => _failureReason;

    internal void Fail(string reason)
    {
        _failureReason = reason;
        _channel.Writer.TryComplete();
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
