using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Streaming;
using ServiceDefaults.Streaming;

namespace Dispatch.UnitTests;

public sealed class FeedHubTests
{
    private const string Incidents = "incidents";
    private const string Units = "units";

    /// <summary>An event recognisable by its id (the unit id field carries it).</summary>
    private static FeedEvent Event(string id) => new() { Unit = new UnitState { UnitId = id } };

    private static List<string> Drain(ReplaySubscription<FeedEvent> subscription)
    {
        var ids = new List<string>();
        while (subscription.Reader.TryRead(out var e))
        {
            ids.Add(e.Unit.UnitId);
        }
        return ids;
    }

    private static Dictionary<(string Topic, int Partition), long> Decode(string token)
    {
        Assert.True(ResumeToken.TryDecode(token, out var positions));
        return positions;
    }

    /// <summary>Publishes n events alternating over two topics, with non-contiguous starting offsets; returns the events in order.</summary>
    private static List<FeedEvent> PublishInterleaved(FeedHub hub, int n, int first = 0)
    {
        var events = new List<FeedEvent>();
        for (var i = first; i < first + n; i++)
        {
            var e = Event($"e{i}");
            if (i % 3 == 2)
            {
                hub.Publish(Units, 1, 500 + i, e);
            }
            else
            {
                hub.Publish(Incidents, 0, 100 + i, e);
            }
            events.Add(e);
        }
        return events;
    }

    [Fact]
    public void Resuming_on_a_replica_that_started_after_the_token_ends_with_OUT_OF_RANGE_instead_of_skipping_records()
    {
        // A new replica has seen nothing of the partition yet; the token says 150 was delivered.
        var hub = new FeedHub(replayCapacity: 100, subscriberQueue: 16);
        using var subscription = hub.Subscribe(new Dictionary<(string Topic, int Partition), long> { [(Incidents, 0)] = 150 })!;

        hub.Publish(Incidents, 0, 170, Event("e170"));

        Assert.Empty(Drain(subscription));
        Assert.Equal(global::Grpc.Core.StatusCode.OutOfRange, subscription.FailureStatus);
        Assert.True(subscription.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void Resuming_where_the_next_record_follows_the_token_continues_without_error()
    {
        var hub = new FeedHub(replayCapacity: 100, subscriberQueue: 16);
        using var subscription = hub.Subscribe(new Dictionary<(string Topic, int Partition), long> { [(Incidents, 0)] = 150 })!;

        hub.Publish(Incidents, 0, 151, Event("e151"));
        hub.Publish(Incidents, 0, 152, Event("e152"));

        Assert.Equal(["e151", "e152"], Drain(subscription));
        Assert.Null(subscription.FailureReason);
    }

    [Fact]
    public void A_subscriber_receives_live_events_in_order()
    {
        var hub = new FeedHub(replayCapacity: 100, subscriberQueue: 32);
        using var subscription = hub.Subscribe(null)!;

        PublishInterleaved(hub, 10);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"e{i}"), Drain(subscription));
        Assert.Null(subscription.FailureReason);
        Assert.False(subscription.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void A_subscriber_without_a_token_starts_from_now()
    {
        var hub = new FeedHub(100, 32);
        PublishInterleaved(hub, 5);

        using var subscription = hub.Subscribe(null)!;
        PublishInterleaved(hub, 2, first: 5);

        Assert.Equal(["e5", "e6"], Drain(subscription));
    }

    [Fact]
    public void Every_event_carries_a_token_of_all_positions_so_far()
    {
        var hub = new FeedHub(100, 32);
        var events = PublishInterleaved(hub, 4); // incidents 100, 101; units 502; incidents 103

        Assert.Equal(new Dictionary<(string, int), long> { [(Incidents, 0)] = 100 }, Decode(events[0].ResumeToken));
        Assert.Equal(new Dictionary<(string, int), long> { [(Incidents, 0)] = 101, [(Units, 1)] = 502 }, Decode(events[2].ResumeToken));
        Assert.Equal(new Dictionary<(string, int), long> { [(Incidents, 0)] = 103, [(Units, 1)] = 502 }, Decode(events[3].ResumeToken));
    }

    [Fact]
    public void Resuming_from_event_k_replays_exactly_the_events_after_it_then_live_ones()
    {
        const int n = 12;
        for (var k = 0; k < n; k++)
        {
            var hub = new FeedHub(100, 32);
            var events = PublishInterleaved(hub, n);

            using var subscription = hub.Subscribe(Decode(events[k].ResumeToken));
            Assert.NotNull(subscription);
            PublishInterleaved(hub, 3, first: n);

            var expected = Enumerable.Range(k + 1, n + 3 - (k + 1)).Select(i => $"e{i}");
            Assert.Equal(expected, Drain(subscription));
        }
    }

    [Fact]
    public void Resuming_from_the_latest_token_replays_nothing()
    {
        var hub = new FeedHub(100, 32);
        var events = PublishInterleaved(hub, 5);

        using var subscription = hub.Subscribe(Decode(events[^1].ResumeToken))!;

        Assert.Empty(Drain(subscription));
    }

    [Fact]
    public void A_resumed_subscriber_is_not_cut_off_by_a_replay_longer_than_its_queue()
    {
        var hub = new FeedHub(replayCapacity: 100, subscriberQueue: 4);
        var events = PublishInterleaved(hub, 30);

        using var subscription = hub.Subscribe(Decode(events[0].ResumeToken))!;
        PublishInterleaved(hub, 4, first: 30);

        Assert.Null(subscription.FailureReason);
        Assert.Equal(Enumerable.Range(1, 33).Select(i => $"e{i}"), Drain(subscription));
    }

    [Fact]
    public void A_token_older_than_the_evicted_events_cannot_resume()
    {
        var hub = new FeedHub(replayCapacity: 3, subscriberQueue: 16);
        var events = new List<FeedEvent>();
        for (var offset = 0; offset < 5; offset++)
        {
            var e = Event($"e{offset}");
            hub.Publish(Incidents, 0, offset, e);
            events.Add(e);
        }
        // Offsets 0 and 1 are evicted; 2, 3, 4 are held.

        Assert.Null(hub.Subscribe(Decode(events[0].ResumeToken)));
        Assert.Null(hub.Subscribe([]));
        Assert.Null(hub.Subscribe(new Dictionary<(string Topic, int Partition), long> { [(Units, 0)] = 7 }));

        using var fromLastEvicted = hub.Subscribe(Decode(events[1].ResumeToken));
        Assert.NotNull(fromLastEvicted);
        Assert.Equal(["e2", "e3", "e4"], Drain(fromLastEvicted));
    }

    [Fact]
    public void A_token_that_saw_every_evicted_event_can_resume()
    {
        var hub = new FeedHub(replayCapacity: 4, subscriberQueue: 16);
        var events = PublishInterleaved(hub, 8); // e0..e3 (both partitions) evicted, e4..e7 held

        using var subscription = hub.Subscribe(Decode(events[3].ResumeToken));

        Assert.NotNull(subscription);
        Assert.Equal(["e4", "e5", "e6", "e7"], Drain(subscription));
    }

    [Fact]
    public void A_token_from_before_the_first_event_this_hub_saw_cannot_resume()
    {
        // A replica that started consuming at offset 100 cannot fill a gap before it.
        var hub = new FeedHub(100, 16);
        hub.Publish(Incidents, 0, 100, Event("e100"));
        hub.Publish(Incidents, 0, 101, Event("e101"));

        Assert.Null(hub.Subscribe(new Dictionary<(string Topic, int Partition), long> { [(Incidents, 0)] = 50 }));
        using var contiguous = hub.Subscribe(new Dictionary<(string Topic, int Partition), long> { [(Incidents, 0)] = 99 });
        Assert.NotNull(contiguous);
        Assert.Equal(["e100", "e101"], Drain(contiguous));
    }

    [Fact]
    public void A_token_from_another_replica_resumes_by_offset()
    {
        var a = new FeedHub(100, 16);
        var b = new FeedHub(100, 16);
        var onA = new List<FeedEvent>();
        for (var offset = 0; offset < 6; offset++)
        {
            var e = Event($"a{offset}");
            a.Publish(Incidents, 0, offset, e);
            onA.Add(e);
            b.Publish(Incidents, 0, offset, Event($"b{offset}"));
        }

        using var onB = b.Subscribe(Decode(onA[3].ResumeToken))!;

        Assert.Equal(["b4", "b5"], Drain(onB));
    }

    [Fact]
    public void A_subscriber_that_does_not_read_is_cut_off_while_another_keeps_receiving()
    {
        var hub = new FeedHub(replayCapacity: 100, subscriberQueue: 4);
        using var slow = hub.Subscribe(null)!;
        using var fast = hub.Subscribe(null)!;
        var received = new List<string>();

        for (var i = 0; i < 4; i++)
        {
            hub.Publish(Incidents, 0, i, Event($"e{i}"));
            received.AddRange(Drain(fast));
        }
        Assert.Null(slow.FailureReason);

        hub.Publish(Incidents, 0, 4, Event("e4")); // the slow queue is full
        received.AddRange(Drain(fast));

        Assert.NotNull(slow.FailureReason);
        Assert.Contains("resume token", slow.FailureReason);
        // What was queued before the cut-off is still delivered, then the stream ends.
        Assert.Equal(["e0", "e1", "e2", "e3"], Drain(slow));
        Assert.True(slow.Reader.Completion.IsCompleted);

        for (var i = 5; i < 20; i++)
        {
            hub.Publish(Incidents, 0, i, Event($"e{i}"));
            received.AddRange(Drain(fast));
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"e{i}"), received);
        Assert.Null(fast.FailureReason);
        Assert.False(fast.Reader.Completion.IsCompleted);
    }

    [Fact]
    public async Task A_cut_off_subscriber_sees_its_stream_end_after_the_queued_events()
    {
        var hub = new FeedHub(100, 2);
        using var slow = hub.Subscribe(null)!;
        for (var i = 0; i < 3; i++)
        {
            hub.Publish(Incidents, 0, i, Event($"e{i}"));
        }

        var ids = new List<string>();
        await foreach (var e in slow.Reader.ReadAllAsync())
        {
            ids.Add(e.Unit.UnitId);
        }

        Assert.Equal(["e0", "e1"], ids);
        Assert.NotNull(slow.FailureReason);
    }

    [Fact]
    public void A_disposed_subscription_receives_nothing_more_and_is_not_failed()
    {
        var hub = new FeedHub(100, 2);
        var subscription = hub.Subscribe(null)!;
        hub.Publish(Incidents, 0, 0, Event("e0"));

        subscription.Dispose();
        for (var i = 1; i < 10; i++)
        {
            hub.Publish(Incidents, 0, i, Event($"e{i}"));
        }

        Assert.Equal(["e0"], Drain(subscription));
        Assert.Null(subscription.FailureReason);
    }

    [Fact]
    public async Task Concurrent_publishing_and_resuming_never_gaps_or_duplicates()
    {
        var hub = new FeedHub(replayCapacity: 10_000, subscriberQueue: 10_000);
        const int n = 2_000;
        var events = new FeedEvent[n];
        for (var i = 0; i < n; i++)
        {
            events[i] = Event($"e{i}");
        }

        var publisher = Task.Run(() =>
        {
            for (var i = 0; i < n; i++)
            {
                hub.Publish(Incidents, 0, i, events[i]);
            }
        });

        // Resume from whatever token is the latest at some moment while publishing goes on.
        SpinWait.SpinUntil(() => events[n / 4].ResumeToken.Length > 0, TimeSpan.FromSeconds(10));
        var token = events[n / 4].ResumeToken;
        using var subscription = hub.Subscribe(Decode(token))!;
        await publisher;

        Assert.Equal(Enumerable.Range(n / 4 + 1, n - (n / 4 + 1)).Select(i => $"e{i}"), Drain(subscription));
    }
}
