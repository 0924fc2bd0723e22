using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.UnitTests;

public sealed class AlertFilterTests
{
    private static Alert Alert(AlertKind kind, Priority priority) => new() { AlertId = Guid.NewGuid().ToString(), Kind = kind, Priority = priority };

    [Fact]
    public void An_empty_request_matches_every_alert()
    {
        var filter = AlertFilter.From(new WatchAlertsRequest());

        Assert.True(filter.Matches(Alert(AlertKind.SeriesDetected, Priority.P1)));
        Assert.True(filter.Matches(Alert(AlertKind.SlaBreached, Priority.P4)));
        Assert.True(filter.Matches(Alert(AlertKind.Hotspot, Priority.Unspecified)));
        Assert.True(filter.Matches(Alert(AlertKind.Unspecified, Priority.Unspecified)));
    }

    [Fact]
    public void Kinds_keep_only_those_kinds()
    {
        var filter = AlertFilter.From(new WatchAlertsRequest { Kinds = { AlertKind.SeriesDetected, AlertKind.SeriesGrown } });

        Assert.True(filter.Matches(Alert(AlertKind.SeriesDetected, Priority.P3)));
        Assert.True(filter.Matches(Alert(AlertKind.SeriesGrown, Priority.P1)));
        Assert.False(filter.Matches(Alert(AlertKind.FraudChainDetected, Priority.P1)));
        Assert.False(filter.Matches(Alert(AlertKind.Unspecified, Priority.P1)));
    }

    [Theory]
    [InlineData(Priority.P1, true)]
    [InlineData(Priority.P2, true)]
    [InlineData(Priority.P3, false)]
    [InlineData(Priority.P4, false)]
    [InlineData(Priority.Unspecified, false)]
    public void Max_priority_P2_means_P1_and_P2(Priority alertPriority, bool expected)
    {
        var filter = AlertFilter.From(new WatchAlertsRequest { MaxPriority = Priority.P2 });

        Assert.Equal(expected, filter.Matches(Alert(AlertKind.Intercept, alertPriority)));
    }

    [Fact]
    public void Max_priority_P1_keeps_only_P1()
    {
        var filter = new AlertFilter([], Priority.P1);

        Assert.True(filter.Matches(Alert(AlertKind.Intercept, Priority.P1)));
        Assert.False(filter.Matches(Alert(AlertKind.Intercept, Priority.P2)));
    }

    [Fact]
    public void Kind_and_priority_must_both_match()
    {
        var filter = new AlertFilter([AlertKind.WatchlistHit], Priority.P2);

        Assert.True(filter.Matches(Alert(AlertKind.WatchlistHit, Priority.P1)));
        Assert.False(filter.Matches(Alert(AlertKind.WatchlistHit, Priority.P3)));
        Assert.False(filter.Matches(Alert(AlertKind.Hotspot, Priority.P1)));
    }
}
