using Contracts.Common.V1;
using Dispatch.Domain;

namespace Dispatch.UnitTests;

public sealed class UnitSelectorTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private static readonly GeoPoint Incident = new() { Latitude = 31.2304, Longitude = 121.4737 };
    private static readonly UnitSelector Selector = new(roadFactor: 1.3, positionMaxAge: MaxAge);

    /// <summary>A unit <paramref name="metresNorth"/> metres due north of the incident (0.01° latitude ≈ 1112 m).</summary>
    private static UnitCandidate Unit(
        string id, UnitKind kind, double metresNorth,
        UnitStatus status = UnitStatus.Available, bool connected = true, TimeSpan? positionAge = null)
        => new(id, kind, status, connected,
            new GeoPoint { Latitude = Incident.Latitude + metresNorth / 111_195.0, Longitude = Incident.Longitude },
            Now - (positionAge ?? TimeSpan.FromSeconds(10)));

    [Fact]
    public void A_far_patrol_car_beats_a_near_foot_patrol()
    {
        var foot = Unit("foot-1", UnitKind.FootPatrol, 500);   // 500 * 1.3 / 2.5 = 260 s
        var car = Unit("car-1", UnitKind.PatrolCar, 1_500);    // 1500 * 1.3 / 8.3 ≈ 235 s

        var recommendation = Selector.Recommend(Incident, [foot, car], Now);

        Assert.Equal(["car-1", "foot-1"], recommendation.Ranked.Select(r => r.Unit.UnitId));
        Assert.Empty(recommendation.Rejected);
        Assert.True(recommendation.Ranked[0].DistanceMeters > recommendation.Ranked[1].DistanceMeters);
        Assert.Equal(1_500, recommendation.Ranked[0].DistanceMeters, 1.0);
        Assert.Equal(1_500 * 1.3 / 8.3, recommendation.Ranked[0].EstimatedTravel.TotalSeconds, 0.1);
    }

    [Fact]
    public void Ranking_is_by_estimated_travel_time_over_many_units()
    {
        UnitCandidate[] units =
        [
            Unit("foot-far", UnitKind.FootPatrol, 3_000),
            Unit("drone", UnitKind.Drone, 3_000),
            Unit("car-near", UnitKind.PatrolCar, 300),
            Unit("bike", UnitKind.CommunityPolice, 800),
            Unit("foot-near", UnitKind.FootPatrol, 100),
        ];

        var ranked = Selector.Recommend(Incident, units, Now).Ranked;

        Assert.Equal(["car-near", "foot-near", "bike", "drone", "foot-far"], ranked.Select(r => r.Unit.UnitId));
        Assert.True(ranked.Zip(ranked.Skip(1)).All(p => p.First.EstimatedTravel <= p.Second.EstimatedTravel));
    }

    [Fact]
    public void Disconnected_busy_and_stale_units_are_rejected_with_a_reason()
    {
        UnitCandidate[] units =
        [
            Unit("offline", UnitKind.PatrolCar, 100, connected: false),
            Unit("busy", UnitKind.PatrolCar, 100, status: UnitStatus.Busy),
            Unit("assigned", UnitKind.PatrolCar, 100, status: UnitStatus.Assigned),
            Unit("off-duty", UnitKind.PatrolCar, 100, status: UnitStatus.OffDuty),
            Unit("stale", UnitKind.PatrolCar, 100, positionAge: MaxAge + TimeSpan.FromSeconds(1)),
            Unit("ok", UnitKind.FootPatrol, 2_000),
        ];

        var recommendation = Selector.Recommend(Incident, units, Now);

        Assert.Equal("ok", Assert.Single(recommendation.Ranked).Unit.UnitId);
        var reasons = recommendation.Rejected.ToDictionary(r => r.Unit.UnitId, r => r.Reason);
        Assert.Equal(["offline", "busy", "assigned", "off-duty", "stale"], recommendation.Rejected.Select(r => r.Unit.UnitId));
        Assert.Equal("no open terminal stream", reasons["offline"]);
        Assert.Contains("Busy", reasons["busy"]);
        Assert.Contains("Assigned", reasons["assigned"]);
        Assert.Contains("OffDuty", reasons["off-duty"]);
        Assert.Equal("position 301 s old", reasons["stale"]);
    }

    [Fact]
    public void Disconnection_is_the_reason_given_before_status_or_staleness()
    {
        var unit = Unit("u", UnitKind.PatrolCar, 100, status: UnitStatus.Busy, connected: false, positionAge: TimeSpan.FromHours(1));

        var rejected = Assert.Single(Selector.Recommend(Incident, [unit], Now).Rejected);

        Assert.Equal("no open terminal stream", rejected.Reason);
    }

    [Fact]
    public void A_position_exactly_at_the_maximum_age_is_still_fresh()
    {
        var unit = Unit("u", UnitKind.PatrolCar, 100, positionAge: MaxAge);

        Assert.Single(Selector.Recommend(Incident, [unit], Now).Ranked);
    }

    [Fact]
    public void Ties_are_broken_by_unit_id_whatever_the_input_order()
    {
        UnitCandidate[] units =
        [
            Unit("unit-c", UnitKind.PatrolCar, 1_000),
            Unit("unit-a", UnitKind.PatrolCar, 1_000),
            Unit("unit-B", UnitKind.PatrolCar, 1_000),
            Unit("unit-b", UnitKind.PatrolCar, 1_000),
        ];

        var forward = Selector.Recommend(Incident, units, Now).Ranked.Select(r => r.Unit.UnitId).ToArray();
        var backward = Selector.Recommend(Incident, units.Reverse(), Now).Ranked.Select(r => r.Unit.UnitId).ToArray();

        // Ordinal: upper case sorts before lower case.
        Assert.Equal(["unit-B", "unit-a", "unit-b", "unit-c"], forward);
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void No_candidates_give_an_empty_recommendation()
    {
        var recommendation = Selector.Recommend(Incident, [], Now);

        Assert.Empty(recommendation.Ranked);
        Assert.Empty(recommendation.Rejected);
    }

    [Fact]
    public void Only_rejected_candidates_give_an_empty_ranking()
    {
        var recommendation = Selector.Recommend(Incident, [Unit("x", UnitKind.Drone, 10, connected: false)], Now);

        Assert.Empty(recommendation.Ranked);
        Assert.Single(recommendation.Rejected);
    }

    [Fact]
    public void The_road_factor_given_to_the_selector_is_used()
    {
        var unit = Unit("car", UnitKind.PatrolCar, 1_000);

        var slow = new UnitSelector(2.0, MaxAge).Recommend(Incident, [unit], Now).Ranked[0];
        var fast = new UnitSelector(1.0, MaxAge).Recommend(Incident, [unit], Now).Ranked[0];

        Assert.Equal(2 * fast.EstimatedTravel.TotalSeconds, slow.EstimatedTravel.TotalSeconds, 6);
    }
}
