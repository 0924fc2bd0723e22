using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using ServiceDefaults.Streaming;

namespace Analysis.Streaming;

/// <summary>
/// Fans the alerts this replica reads from alerts.v1 out to its WatchAlerts callers. Keeps the
/// most recent alerts so that a caller who reconnects with its last resume token continues without
/// a gap. Publishing never waits: each subscriber has a bounded queue, and one whose queue is full
/// is ended rather than slowing the others.
/// </summary>
public sealed class AlertHub
{
    /// <summary>Alerts queued for one subscriber before it is ended as too slow.</summary>
    public const int DefaultSubscriberCapacity = 1024;

    /// <summary>Recent alerts kept for callers that resume.</summary>
    public const int DefaultReplayCapacity = 10_000;

    private static readonly ReplayHubMessages Messages = new(
        Gap: "WatchAlerts cannot continue from the resume token without a gap on this replica; start a new watch without a token",
        FellBehind: capacity => $"this WatchAlerts stream fell {capacity} alerts behind and was ended so that it does not slow other watchers; "
            + "reconnect with the last resume token to continue without a gap");

    private readonly TimeProvider _clock;
    private readonly ReplayHub<int, Buffered, AlertEvent> _hub;

    public AlertHub(int replayCapacity = DefaultReplayCapacity, int subscriberCapacity = DefaultSubscriberCapacity, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _hub = new ReplayHub<int, Buffered, AlertEvent>(replayCapacity, subscriberCapacity, ToEvent, Messages);
    }

    private sealed record Buffered(Alert Alert, string ResumeToken);

    internal int SubscriberCount => _hub.SubscriberCount;

    /// <summary>Starts a subscription; with a token, first replays the matching alerts that came after it. Null: the token is too old to resume without a gap.</summary>
    public ReplaySubscription<AlertEvent>? Subscribe(AlertFilter filter, IReadOnlyDictionary<int, long>? resumeFrom = null)
        => _hub.Subscribe(resumeFrom, buffered => filter.Matches(buffered.Alert));

    /// <summary>Queues the alert read at <paramref name="partition"/>/<paramref name="offset"/> for every subscriber whose filter matches; ends the ones that are full.</summary>
    public void Publish(int partition, long offset, Alert alert)
        => _hub.Publish(partition, offset, positions => new Buffered(alert, AlertResumeToken.Encode(positions)));

    /// <summary>Per subscriber, when it is queued: the lag is how long after it was raised the alert goes out.</summary>
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
}
