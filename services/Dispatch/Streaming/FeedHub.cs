using Contracts.Dispatch.V1;
using Dispatch.Domain;
using ServiceDefaults.Streaming;

namespace Dispatch.Streaming;

/// <summary>
/// Fans feed events out to operators. Keeps the most recent events so a reconnecting operator
/// resumes from its token with no gap; an operator too slow to keep up is cut off rather than
/// slowing the others.
/// </summary>
public sealed class FeedHub(int replayCapacity, int subscriberQueue)
{
    private static readonly ReplayHubMessages Messages = new(
        Gap: "the feed cannot continue from the resume token without a gap; start a new feed and reload state with GetIncident / ListUnits",
        FellBehind: _ => "the feed consumer fell behind; reconnect with the last resume token");

    private readonly ReplayHub<(string Topic, int Partition), FeedEvent, FeedEvent> _hub = new(replayCapacity, subscriberQueue, feedEvent => feedEvent, Messages);

    /// <summary>Stamps <paramref name="feedEvent"/> with the resume token after it and queues it for every operator whose filter matches.</summary>
    public void Publish(string topic, int partition, long offset, FeedEvent feedEvent)
        => _hub.Publish((topic, partition), offset, positions =>
        {
            feedEvent.ResumeToken = ResumeToken.Encode(positions);
            return feedEvent;
        });

    /// <summary>Starts a subscription; with a token, first replays what came after it. Null result: the token is too old to resume without a gap.</summary>
    public ReplaySubscription<FeedEvent>? Subscribe(Dictionary<(string Topic, int Partition), long>? resumeFrom, FeedFilter? filter = null)
    {
        filter ??= FeedFilter.All;
        return _hub.Subscribe(resumeFrom, filter.Matches);
    }
}
