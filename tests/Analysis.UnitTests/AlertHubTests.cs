using Analysis.Domain;
using Analysis.Streaming;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using ServiceDefaults.Streaming;

namespace Analysis.UnitTests;

public sealed class AlertHubTests
{
    private static Alert Alert(int n, AlertKind kind = AlertKind.Hotspot, Priority priority = Priority.P2)
        => new() { AlertId = $"alert-{n}", Kind = kind, Priority = priority };

    private static List<Alert> Drain(ReplaySubscription<AlertEvent> subscription)
    {
        var alerts = new List<Alert>();
        while (subscription.Reader.TryRead(out var alertEvent))
        {
            alerts.Add(alertEvent.Alert);
        }
        return alerts;
    }

    [Fact]
    public void The_default_queue_holds_1024_alerts_per_subscriber()
    {
        var hub = new AlertHub();
        using var subscription = hub.Subscribe(AlertFilter.All)!;

        for (var i = 0; i < 1024; i++)
        {
            hub.Publish(0, i, Alert(i));
        }
        Assert.Null(subscription.FailureReason);

        hub.Publish(0, 1024, Alert(1024));
        Assert.NotNull(subscription.FailureReason);
    }

    [Fact]
    public void Every_subscriber_gets_the_alerts_its_filter_matches_in_order()
    {
        var hub = new AlertHub(subscriberCapacity: 16);
        using var all = hub.Subscribe(AlertFilter.All)!;
        using var urgent = hub.Subscribe(new AlertFilter([], Priority.P1))!;

        hub.Publish(0, 1, Alert(1, priority: Priority.P1));
        hub.Publish(0, 2, Alert(2, priority: Priority.P3));
        hub.Publish(0, 3, Alert(3, priority: Priority.P1));

        Assert.Equal(["alert-1", "alert-2", "alert-3"], Drain(all).Select(a => a.AlertId));
        Assert.Equal(["alert-1", "alert-3"], Drain(urgent).Select(a => a.AlertId));
    }

    [Fact]
    public void A_subscriber_that_falls_behind_is_ended_without_affecting_the_others()
    {
        var hub = new AlertHub(subscriberCapacity: 4);
        using var slow = hub.Subscribe(AlertFilter.All)!;
        using var fast = hub.Subscribe(AlertFilter.All)!;
        var received = new List<string>();

        for (var i = 0; i < 10; i++)
        {
            hub.Publish(0, i, Alert(i));
            received.AddRange(Drain(fast).Select(a => a.AlertId)); // keeps up
        }

        Assert.NotNull(slow.FailureReason);
        Assert.Contains("fell 4 alerts behind", slow.FailureReason);
        Assert.True(slow.Ended.IsCancellationRequested);
        Assert.Equal(4, Drain(slow).Count); // what it had queued; nothing after the cut-off
        Assert.True(slow.Reader.Completion.IsCompleted);

        Assert.Null(fast.FailureReason);
        Assert.False(fast.Ended.IsCancellationRequested);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"alert-{i}"), received);
        Assert.Equal(1, hub.SubscriberCount);
    }

    [Fact]
    public void Alerts_a_subscriber_filters_out_do_not_fill_its_queue()
    {
        var hub = new AlertHub(subscriberCapacity: 2);
        using var series = hub.Subscribe(new AlertFilter([AlertKind.SeriesDetected], Priority.Unspecified))!;

        for (var i = 0; i < 100; i++)
        {
            hub.Publish(0, i, Alert(i, AlertKind.Hotspot));
        }
        hub.Publish(0, 100, Alert(100, AlertKind.SeriesDetected));

        Assert.Null(series.FailureReason);
        Assert.Equal(["alert-100"], Drain(series).Select(a => a.AlertId));
    }

    [Fact]
    public async Task A_cut_off_subscriber_s_reader_ends_so_its_stream_can_report_the_reason()
    {
        var hub = new AlertHub(subscriberCapacity: 1);
        using var subscription = hub.Subscribe(AlertFilter.All)!;
        hub.Publish(0, 1, Alert(1));
        hub.Publish(0, 2, Alert(2));

        var read = new List<string>();
        await foreach (var alertEvent in subscription.Reader.ReadAllAsync())
        {
            read.Add(alertEvent.Alert.AlertId);
        }

        Assert.Equal(["alert-1"], read);
        Assert.NotNull(subscription.FailureReason);
    }

    [Fact]
    public void A_disposed_subscription_receives_nothing_and_leaves_the_hub()
    {
        var hub = new AlertHub(subscriberCapacity: 1);
        var subscription = hub.Subscribe(AlertFilter.All)!;
        subscription.Dispose();

        hub.Publish(0, 1, Alert(1));
        hub.Publish(0, 2, Alert(2));

        Assert.Equal(0, hub.SubscriberCount);
        Assert.Null(subscription.FailureReason);
        Assert.Empty(Drain(subscription));
    }

    [Fact]
    public void A_caller_resuming_with_its_last_token_gets_exactly_what_it_missed()
    {
        var hub = new AlertHub(subscriberCapacity: 16);
        var first = hub.Subscribe(AlertFilter.All)!;
        hub.Publish(0, 0, Alert(0));
        hub.Publish(1, 0, Alert(1));
        first.Reader.TryRead(out var seen);
        first.Dispose(); // disconnected after the first alert

        hub.Publish(0, 1, Alert(2));
        hub.Publish(1, 1, Alert(3));
        AlertResumeToken.TryDecode(seen!.ResumeToken, out var positions);
        using var resumed = hub.Subscribe(AlertFilter.All, positions)!;
        hub.Publish(0, 2, Alert(4));

        Assert.Equal(["alert-1", "alert-2", "alert-3", "alert-4"], Drain(resumed).Select(a => a.AlertId));
    }

    [Fact]
    public void A_token_older_than_the_replay_buffer_cannot_resume()
    {
        var hub = new AlertHub(replayCapacity: 2, subscriberCapacity: 16);
        for (var i = 0; i < 5; i++)
        {
            hub.Publish(0, i, Alert(i));
        }

        Assert.Null(hub.Subscribe(AlertFilter.All, new Dictionary<int, long> { [0] = 1 }));
        Assert.NotNull(hub.Subscribe(AlertFilter.All, new Dictionary<int, long> { [0] = 2 }));
    }

    [Fact]
    public void Tokens_round_trip_and_garbage_is_refused()
    {
        var token = AlertResumeToken.Encode(new Dictionary<int, long> { [2] = 7, [0] = 41 });

        Assert.True(AlertResumeToken.TryDecode(token, out var positions));
        Assert.Equal(new Dictionary<int, long> { [0] = 41, [2] = 7 }, positions);
        Assert.False(AlertResumeToken.TryDecode("not base64!", out _));
        Assert.False(AlertResumeToken.TryDecode(Convert.ToBase64String("0:x"u8.ToArray()), out _));
    }
}
