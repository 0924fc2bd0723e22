using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;

namespace Dispatch.UnitTests;

public sealed class FeedFilterTests
{
    private static readonly GeoPoint Inside = new() { Latitude = 30.25, Longitude = 120.15 };
    private static readonly GeoPoint Outside = new() { Latitude = 31.23, Longitude = 121.47 };
    private static readonly GeoBox Hangzhou = new() { MinLatitude = 30.1, MaxLatitude = 30.4, MinLongitude = 120.0, MaxLongitude = 120.3 };

    private static FeedFilter Filter(WatchFeedRequest request) => FeedFilter.From(request).Filter!;

    private static FeedEvent Reported(GeoPoint at, Priority priority) => new() { IncidentReported = new Incident { Priority = priority, Report = new Report { Location = at } } };

    [Fact]
    public void The_area_keeps_events_inside_it_and_drops_those_without_a_location()
    {
        var filter = Filter(new WatchFeedRequest { Area = Hangzhou });

        Assert.True(filter.Matches(Reported(Inside, Priority.P3)));
        Assert.False(filter.Matches(Reported(Outside, Priority.P1)));
        Assert.True(filter.Matches(new FeedEvent { Assignment = new Assignment { IncidentLocation = Inside } }));
        Assert.True(filter.Matches(new FeedEvent { Unit = new UnitState { Position = Inside } }));
        Assert.False(filter.Matches(new FeedEvent { Alert = new Alert { Kind = AlertKind.FraudChainDetected } }));
    }

    [Fact]
    public void A_minimum_priority_keeps_that_priority_and_more_urgent_ones_and_units()
    {
        var filter = Filter(new WatchFeedRequest { MinPriority = Priority.P2 });

        Assert.True(filter.Matches(Reported(Inside, Priority.P1)));
        Assert.True(filter.Matches(Reported(Inside, Priority.P2)));
        Assert.False(filter.Matches(Reported(Inside, Priority.P3)));
        Assert.True(filter.Matches(new FeedEvent { Unit = new UnitState() }));
    }

    [Fact]
    public void Kinds_separate_sla_alerts_from_analysis_alerts()
    {
        var filter = Filter(new WatchFeedRequest { Kinds = { FeedEventKind.Sla, FeedEventKind.Incident } });

        Assert.True(filter.Matches(new FeedEvent { Alert = new Alert { Kind = AlertKind.SlaBreached } }));
        Assert.True(filter.Matches(new FeedEvent { Alert = new Alert { Kind = AlertKind.Shortfall } }));
        Assert.False(filter.Matches(new FeedEvent { Alert = new Alert { Kind = AlertKind.WatchlistHit } }));
        Assert.True(filter.Matches(new FeedEvent { IncidentUpdate = new IncidentUpdate { Kind = IncidentUpdateKind.Closed } }));
        Assert.False(filter.Matches(new FeedEvent { Unit = new UnitState() }));
    }

    [Fact]
    public void An_impossible_filter_is_refused_field_by_field()
    {
        var (filter, violations) = FeedFilter.From(new WatchFeedRequest
        {
            Area = new GeoBox { MinLatitude = 31, MaxLatitude = 30, MinLongitude = 0, MaxLongitude = 1 },
            MinPriority = (Priority)9,
            Kinds = { FeedEventKind.Unspecified },
        });

        Assert.Null(filter);
        Assert.Equal(["area", "min_priority", "kinds"], violations.Select(v => v.Field));
    }
}
