using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;

namespace Dispatch.UnitTests;

public sealed class ResponsePlansTests
{
    private static readonly List<ResponsePlan> Plans = ResponsePlans.Effective([]);

    [Fact]
    public void A_life_threatening_incident_gets_the_1_3_5_minute_tiers()
    {
        var plan = ResponsePlans.Match(Plans, IncidentCategory.Medical, Priority.P1)!;

        Assert.Equal("p1-life-threatening", plan.PlanId);
        Assert.Equal([60, 180, 300], plan.Tiers.Select(t => t.TargetSeconds));
        Assert.Equal([UnitKind.MinimalEmergency], plan.Tiers[0].Units.Single().Kinds);
        Assert.All(plan.Tiers[1].Units.Single().Kinds, k => Assert.Contains(k, new[] { UnitKind.PatrolCar, UnitKind.FootPatrol }));
        Assert.True(plan.BuiltIn);
    }

    [Fact]
    public void A_violent_incident_gets_armed_reinforcements_in_tier_3()
    {
        var plan = ResponsePlans.Match(Plans, IncidentCategory.Robbery, Priority.P1)!;

        Assert.Equal("p1-violent", plan.PlanId);
        Assert.Contains(Capability.Armed, plan.Tiers[2].Units.Single().Capabilities);
    }

    [Fact]
    public void Service_requests_go_to_community_police_or_volunteers()
    {
        var plan = ResponsePlans.Match(Plans, IncidentCategory.Other, Priority.P4)!;

        Assert.Equal([UnitKind.CommunityPolice, UnitKind.Volunteer], plan.Tiers.Single().Units.Single().Kinds);
    }

    [Fact]
    public void Alerts_have_their_own_plans_and_reports_never_get_them()
    {
        Assert.Equal("alert-watchlist-hit", ResponsePlans.Match(Plans, IncidentCategory.Theft, Priority.P3, AlertKind.WatchlistHit)!.PlanId);
        Assert.Equal("alert-intercept", ResponsePlans.Match(Plans, IncidentCategory.Theft, Priority.P3, AlertKind.Intercept)!.PlanId);
        Assert.DoesNotContain(Enum.GetValues<Priority>().Select(p => ResponsePlans.Match(Plans, IncidentCategory.Theft, p)?.PlanId), id => id?.StartsWith("alert-") == true);
    }

    [Fact]
    public void A_stored_plan_replaces_the_built_in_one_with_the_same_id_and_the_most_specific_plan_wins()
    {
        var custom = new ResponsePlan
        {
            PlanId = "fire-p1",
            Categories = { IncidentCategory.Fire },
            Priorities = { Priority.P1 },
            Tiers = { new ResponseTier { Tier = 1, TargetSeconds = 45, Units = { new UnitDemand { Count = 3, Kinds = { UnitKind.MinimalEmergency } } } } },
        };
        var replaced = new ResponsePlan(ResponsePlans.BuiltIn.First(p => p.PlanId == "p4-service")) { Name = "changed" };

        var plans = ResponsePlans.Effective([custom, replaced]);

        Assert.Equal("fire-p1", ResponsePlans.Match(plans, IncidentCategory.Fire, Priority.P1)!.PlanId);
        Assert.Equal("p1-life-threatening", ResponsePlans.Match(plans, IncidentCategory.Medical, Priority.P1)!.PlanId);
        var service = plans.Single(p => p.PlanId == "p4-service");
        Assert.Equal("changed", service.Name);
        Assert.False(service.BuiltIn);
    }

    [Fact]
    public void Every_built_in_plan_is_valid()
        => Assert.All(ResponsePlans.BuiltIn, plan => Assert.Empty(ResponsePlans.Validate(plan)));

    [Fact]
    public void An_invalid_plan_gets_every_violation_by_field()
    {
        var plan = new ResponsePlan
        {
            PlanId = "bad id!",
            AlertKinds = { AlertKind.Hotspot },
            Tiers =
            {
                new ResponseTier { Tier = 1, TargetSeconds = 300, Units = { new UnitDemand { Count = 0, Kinds = { UnitKind.PatrolCar } } } },
                new ResponseTier { Tier = 3, TargetSeconds = 60 },
            },
        };

        var fields = ResponsePlans.Validate(plan).Select(v => v.Field).ToList();

        Assert.Equal(["plan.plan_id", "plan.alert_kinds", "plan.tiers[0].units[0].count", "plan.tiers[1].tier", "plan.tiers[1].target_seconds", "plan.tiers[1].units"], fields);
        Assert.Equal("plan", Assert.Single(ResponsePlans.Validate(null)).Field);
    }
}
