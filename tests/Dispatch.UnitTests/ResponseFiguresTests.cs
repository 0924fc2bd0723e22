using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.UnitTests;

public sealed class ResponseFiguresTests
{
    private static readonly DateTimeOffset Received = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static Timestamp At(double seconds) => Timestamp.FromDateTimeOffset(Received.AddSeconds(seconds));

    [Fact]
    public void The_intervals_telescope_from_the_earliest_step_of_any_unit()
    {
        Assignment[] assignments =
        [
            new() { AssignedAt = At(8), EnRouteAt = At(40), OnSceneAt = At(150) },
            new() { AssignedAt = At(9), EnRouteAt = At(20), OnSceneAt = At(55) },
            new() { AssignedAt = At(9) }, // never moved
        ];

        var times = ResponseFigures.Compute(At(0), assignments);

        Assert.Equal(8, times.CallProcessing.ToTimeSpan().TotalSeconds);
        Assert.Equal(12, times.Turnout.ToTimeSpan().TotalSeconds);
        Assert.Equal(35, times.Travel.ToTimeSpan().TotalSeconds);
        Assert.Equal(55, times.Total.ToTimeSpan().TotalSeconds);
        Assert.Equal(times.Total.ToTimeSpan(), times.CallProcessing.ToTimeSpan() + times.Turnout.ToTimeSpan() + times.Travel.ToTimeSpan());
    }

    [Fact]
    public void Steps_that_did_not_happen_leave_their_intervals_unset()
    {
        var times = ResponseFigures.Compute(At(0), [new Assignment { AssignedAt = At(5) }]);

        Assert.Equal(5, times.CallProcessing.ToTimeSpan().TotalSeconds);
        Assert.Null(times.Turnout);
        Assert.Null(times.Travel);
        Assert.Null(times.Total);
    }

    [Theory]
    [InlineData(59.0, 100.0, TierOutcome.Met)]
    [InlineData(60.0, 100.0, TierOutcome.Met)]
    [InlineData(61.0, 100.0, TierOutcome.Breached)]
    [InlineData(null, 30.0, TierOutcome.Pending)]
    [InlineData(null, 61.0, TierOutcome.Breached)]
    public void A_tier_is_met_by_a_unit_on_scene_by_its_deadline(double? onSceneSeconds, double nowSeconds, TierOutcome expected)
        => Assert.Equal(expected, ResponseFigures.Outcome(Received.AddSeconds(60), onSceneSeconds is { } s ? Received.AddSeconds(s) : null, Received.AddSeconds(nowSeconds)));

    [Fact]
    public void Statistics_give_nearest_rank_percentiles_and_tier_compliance()
    {
        var figures = Enumerable.Range(1, 10).Select(i => new ResponseFigures.IncidentFigures(
            ResponseFigures.Compute(At(0), [new Assignment { AssignedAt = At(i), EnRouteAt = At(i * 2), OnSceneAt = At(i * 10) }]),
            [new TierStatus { Tier = 1, Outcome = i <= 7 ? TierOutcome.Met : TierOutcome.Breached }, new TierStatus { Tier = 2, Outcome = TierOutcome.Pending }])).ToList();
        figures.Add(new ResponseFigures.IncidentFigures(ResponseFigures.Compute(At(0), []), []));

        var stats = ResponseFigures.Aggregate(figures);

        Assert.Equal(11, stats.Incidents);
        Assert.Equal(10, stats.Reached);
        Assert.Equal(10, stats.Total.Count);
        Assert.Equal(50, stats.Total.P50.ToTimeSpan().TotalSeconds);
        Assert.Equal(90, stats.Total.P90.ToTimeSpan().TotalSeconds);
        Assert.Equal(100, stats.Total.Max.ToTimeSpan().TotalSeconds);
        Assert.Equal(55, stats.Total.Mean.ToTimeSpan().TotalSeconds);
        Assert.Equal(5, stats.CallProcessing.P50.ToTimeSpan().TotalSeconds);
        var tier1 = stats.Tiers.Single(t => t.Tier == 1);
        Assert.Equal((7, 3, 0.7), (tier1.Met, tier1.Breached, tier1.MetRatio));
        Assert.Equal(10, stats.Tiers.Single(t => t.Tier == 2).Pending);
    }
}
