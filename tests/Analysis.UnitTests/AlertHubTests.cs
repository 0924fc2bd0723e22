using Analysis.Domain;
using Analysis.Streaming;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class AlertHubTests
{
    private static Alert Alert(int n, AlertKind kind = AlertKind.Hotspot, Priority priority = Priority.P2)
        => new() { AlertId = $"alert-{n}", Kind = kind, Priority = priority };

    private static List<Alert> Drain(AlertSubscription subscription)
    {
        var alerts = new List<Alert>();
        while (subscription.Reader.TryRead(out var alert))
        {
            alerts.Add(alert);
        }
        return alerts;
    }

    [Fact]
    public void The_default_queue_holds_1024_alerts_per_subscriber()
    {
        var hub = new AlertHub();
        using var subscription = hub.Subscribe(AlertFilter.All);

        for (var i = 0; i < 1024; i++)
        {
            hub.Publish(Alert(i));
        }
        Assert.Null(subscription.FailureReason);

        hub.Publish(Alert(1024));
        Assert.NotNull(subscription.FailureReason);
    }

    [Fact]
    public void Every_subscriber_gets_the_alerts_its_filter_matches_in_order()
    {
        var hub = new AlertHub(16);
        using var all = hub.Subscribe(AlertFilter.All);
        using var urgent = hub.Subscribe(new AlertFilter([], Priority.P1));

        hub.Publish(Alert(1, priority: Priority.P1));
        hub.Publish(Alert(2, priority: Priority.P3));
        hub.Publish(Alert(3, priority: Priority.P1));

        Assert.Equal(["alert-1", "alert-2", "alert-3"], Drain(all).Select(a => a.AlertId));
        Assert.Equal(["alert-1", "alert-3"], Drain(urgent).Select(a => a.AlertId));
    }

    [Fact]
    public void A_subscriber_that_falls_behind_is_ended_without_affecting_the_others()
    {
        var hub = new AlertHub(4);
        using var slow = hub.Subscribe(AlertFilter.All);
        using var fast = hub.Subscribe(AlertFilter.All);
        var received = new List<string>();

        for (var i = 0; i < 10; i++)
        {
            hub.Publish(Alert(i));
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
        var hub = new AlertHub(2);
        using var series = hub.Subscribe(new AlertFilter([AlertKind.SeriesDetected], Priority.Unspecified));

        for (var i = 0; i < 100; i++)
        {
            hub.Publish(Alert(i, AlertKind.Hotspot));
        }
        hub.Publish(Alert(100, AlertKind.SeriesDetected));

        Assert.Null(series.FailureReason);
        Assert.Equal(["alert-100"], Drain(series).Select(a => a.AlertId));
    }

    [Fact]
    public async Task A_cut_off_subscriber_s_reader_ends_so_its_stream_can_report_the_reason()
    {
        var hub = new AlertHub(1);
        using var subscription = hub.Subscribe(AlertFilter.All);
        hub.Publish(Alert(1));
        hub.Publish(Alert(2));

        var read = new List<string>();
        await foreach (var alert in subscription.Reader.ReadAllAsync())
        {
            read.Add(alert.AlertId);
        }

        Assert.Equal(["alert-1"], read);
        Assert.NotNull(subscription.FailureReason);
    }

    [Fact]
    public void A_disposed_subscription_receives_nothing_and_leaves_the_hub()
    {
        var hub = new AlertHub(1);
        var subscription = hub.Subscribe(AlertFilter.All);
        subscription.Dispose();

        hub.Publish(Alert(1));
        hub.Publish(Alert(2));

        Assert.Equal(0, hub.SubscriberCount);
        Assert.Null(subscription.FailureReason);
        Assert.Empty(Drain(subscription));
    }
}
