using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.UnitTests;

public sealed class ResponsePlannerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly GeoPoint Incident = new() { Latitude = 30.25, Longitude = 120.15 };

    private static UnitState Unit(string id, UnitKind kind, double metresNorth) => new()
    {
        UnitId = id,
        Kind = kind,
        Status = UnitStatus.Available,
        Connected = true,
        Version = 1,
        Position = new GeoPoint { Latitude = Incident.Latitude + metresNorth / 111_195.0, Longitude = Incident.Longitude },
        PositionAt = Timestamp.FromDateTimeOffset(Now),
    };

    private static UnitIndex Index(params UnitState[] units)
    {
        var index = new UnitIndex(1.3, TimeSpan.FromMinutes(5), 20_000);
        foreach (var unit in units)
        {
            index.Apply(unit);
        }
        return index;
    }

    private static readonly ResponsePlan Plan = ResponsePlans.BuiltIn.Single(p => p.PlanId == "p1-life-threatening");

    [Fact]
    public void Every_tier_gets_its_own_units_fastest_first_and_no_unit_twice()
    {
        var index = Index(
            Unit("me-1", UnitKind.MinimalEmergency, 60),
            Unit("car-1", UnitKind.PatrolCar, 400),
            Unit("car-2", UnitKind.PatrolCar, 600),
            Unit("foot-1", UnitKind.FootPatrol, 200),
            Unit("car-3", UnitKind.PatrolCar, 900),
            Unit("swat-1", UnitKind.SpecialPolice, 1_200));

        var searches = ResponsePlanner.Plan(index, Incident, Plan.Tiers, Now, Now, null, [], spares: 0);

        Assert.Equal(["me-1"], searches[0].Proposed.Select(r => r.Unit.UnitId));
        Assert.Equal(["car-1", "car-2"], searches[1].Proposed.Select(r => r.Unit.UnitId)); // 63 s and 94 s beat the foot patrol's 104 s
        Assert.Equal(["car-3", "swat-1"], searches[2].Proposed.Select(r => r.Unit.UnitId));
        Assert.Equal(Now.AddSeconds(180), searches[1].ArriveBy);
    }

    [Fact]
    public void A_tier_that_cannot_be_met_in_time_or_in_full_says_why()
    {
        var demand = new UnitDemand { Count = 2, Kinds = { UnitKind.MinimalEmergency } };
        var slow = new RankedUnit(new UnitCandidate("me-far", UnitKind.MinimalEmergency, UnitStatus.Available, true, 0, 0, Now), 300, TimeSpan.FromSeconds(156));

        var shortfall = ResponsePlanner.Shortfall(demand, [slow], Now.AddSeconds(60), Now, 60, 20_000);

        Assert.Equal("only 1 of 2 MinimalEmergency available within 20 km; 1 unit(s) cannot arrive in time: me-far needs ~156 s, 60 s left of the 60 s target", shortfall);
        Assert.Null(ResponsePlanner.Shortfall(new UnitDemand { Count = 1, Kinds = { UnitKind.MinimalEmergency } }, [slow], Now.AddSeconds(300), Now, 300, 20_000));
        Assert.Equal("the 60 s target had passed before dispatch", ResponsePlanner.Shortfall(new UnitDemand { Count = 1, Kinds = { UnitKind.MinimalEmergency } }, [slow], Now.AddSeconds(-1), Now, 60, 20_000));
    }

    [Fact]
    public void The_explanation_names_candidates_travel_times_and_the_choice()
    {
        var index = Index(Unit("me-1", UnitKind.MinimalEmergency, 60), Unit("me-2", UnitKind.MinimalEmergency, 300));
        var search = ResponsePlanner.Plan(index, Incident, [Plan.Tiers[0]], Now, Now, null, [], spares: 2)[0];

        var text = ResponsePlanner.Explain(search, search.Proposed.ToList(), ["me-0"]);

        Assert.Equal("tier 1 (60 s), 1 x MinimalEmergency: 2 candidates considered; eligible, fastest first: me-1 MinimalEmergency 60 m ~31 s, me-2 MinimalEmergency 300 m ~156 s; taken by another incident meanwhile: me-0; chose me-1: shortest estimated travel time", text);
    }
}
