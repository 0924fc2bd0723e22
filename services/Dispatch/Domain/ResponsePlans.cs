using Contracts.Common.V1;
using Contracts.Dispatch.V1;

namespace Dispatch.Domain;

/// <summary>
/// Response plans (run cards) as data. The built-in ones follow the 1-3-5 minute standard:
/// a life-threatening incident gets the nearest minimal emergency unit within 60 s, patrol
/// units within 180 s and reinforcements within 300 s, all dispatched at once.
/// </summary>
public static class ResponsePlans
{
    private static UnitDemand Demand(int count, UnitKind[] kinds, params Capability[] capabilities)
        => new() { Count = count, Kinds = { kinds }, Capabilities = { capabilities } };

    private static ResponseTier Tier(int tier, int targetSeconds, params UnitDemand[] units)
        => new() { Tier = tier, TargetSeconds = targetSeconds, Units = { units } };

    private static readonly UnitKind[] Patrol = [UnitKind.PatrolCar, UnitKind.FootPatrol];
    private static readonly UnitKind[] Reinforcement = [UnitKind.PatrolCar, UnitKind.SpecialPolice];
    private static readonly UnitKind[] Community = [UnitKind.CommunityPolice, UnitKind.Volunteer];

    public static IReadOnlyList<ResponsePlan> BuiltIn { get; } =
    [
        new()
        {
            PlanId = "p1-life-threatening", Name = "Life at risk or crime in progress: 1-3-5 minutes",
            Priorities = { Priority.P1 },
            Tiers =
            {
                Tier(1, 60, Demand(1, [UnitKind.MinimalEmergency])),
                Tier(2, 180, Demand(2, Patrol)),
                Tier(3, 300, Demand(2, Reinforcement)),
            },
        },
        new()
        {
            PlanId = "p1-violent", Name = "Violent crime in progress: 1-3-5 minutes, armed reinforcements",
            Categories = { IncidentCategory.Robbery, IncidentCategory.Assault, IncidentCategory.WantedPersonSighting },
            Priorities = { Priority.P1 },
            Tiers =
            {
                Tier(1, 60, Demand(1, [UnitKind.MinimalEmergency])),
                Tier(2, 180, Demand(2, Patrol)),
                Tier(3, 300, Demand(2, [UnitKind.SpecialPolice], Capability.Armed)),
            },
        },
        new()
        {
            PlanId = "p1-crowd", Name = "Crowd surge: emergency units first, then patrols and a drone",
            Categories = { IncidentCategory.Crowd },
            Priorities = { Priority.P1 },
            Tiers =
            {
                Tier(1, 60, Demand(2, [UnitKind.MinimalEmergency])),
                Tier(2, 180, Demand(2, Patrol), Demand(1, [UnitKind.Drone], Capability.Loudspeaker)),
                Tier(3, 300, Demand(2, [UnitKind.SpecialPolice], Capability.AntiRiot)),
            },
        },
        new()
        {
            PlanId = "p2-urgent", Name = "Urgent: a patrol within 3 minutes, a second within 5",
            Priorities = { Priority.P2 },
            Tiers =
            {
                Tier(1, 180, Demand(1, Patrol)),
                Tier(2, 300, Demand(1, [UnitKind.PatrolCar, UnitKind.FootPatrol, UnitKind.CommunityPolice])),
            },
        },
        new()
        {
            PlanId = "p2-traffic", Name = "Road incident: traffic police",
            Categories = { IncidentCategory.Traffic },
            Priorities = { Priority.P2 },
            Tiers = { Tier(1, 180, Demand(1, [UnitKind.TrafficPolice, UnitKind.PatrolCar])) },
        },
        new()
        {
            PlanId = "p3-routine", Name = "Routine: one unit within 15 minutes",
            Priorities = { Priority.P3 },
            Tiers = { Tier(1, 900, Demand(1, [UnitKind.PatrolCar, UnitKind.FootPatrol, UnitKind.CommunityPolice])) },
        },
        new()
        {
            PlanId = "p3-dispute", Name = "Dispute: the community officer mediates before it becomes a crime",
            Categories = { IncidentCategory.Dispute },
            Tiers = { Tier(1, 900, Demand(1, [UnitKind.CommunityPolice, UnitKind.Volunteer], Capability.Mediation)) },
        },
        new()
        {
            PlanId = "p4-service", Name = "Non-police service request: community police or grid volunteers",
            Priorities = { Priority.P4 },
            Tiers = { Tier(1, 1800, Demand(1, Community)) },
        },
        new()
        {
            PlanId = "alert-watchlist-hit", Name = "Wanted person seen: patrols now, armed police within 5 minutes",
            AlertKinds = { AlertKind.WatchlistHit },
            Tiers =
            {
                Tier(1, 180, Demand(2, Patrol)),
                Tier(2, 300, Demand(1, [UnitKind.SpecialPolice], Capability.Armed)),
            },
        },
        new()
        {
            PlanId = "alert-intercept", Name = "Intercept a moving crew ahead of it",
            AlertKinds = { AlertKind.Intercept },
            Tiers = { Tier(1, 300, Demand(2, [UnitKind.PatrolCar, UnitKind.TrafficPolice])) },
        },
        new()
        {
            PlanId = "fallback", Name = "Anything else: the fastest patrol",
            Tiers = { Tier(1, 900, Demand(1, [UnitKind.PatrolCar, UnitKind.FootPatrol, UnitKind.CommunityPolice])) },
        },
    ];

    /// <summary>"The nearest units of these kinds": one tier without a time target, for an operator's question rather than an incident.</summary>
    public static ResponsePlan AdHoc(IEnumerable<UnitKind> kinds, int count) => new()
    {
        PlanId = "ad-hoc",
        Name = "the fastest units of the kinds asked for",
        Tiers = { Tier(1, 86_400, new UnitDemand { Count = count, Kinds = { kinds } }) },
    };

    /// <summary>Built-in plans replaced or extended by stored ones (same id = replacement).</summary>
    public static List<ResponsePlan> Effective(IEnumerable<ResponsePlan> stored)
    {
        var byId = BuiltIn.ToDictionary(p => p.PlanId, p => { var copy = p.Clone(); copy.BuiltIn = true; return copy; });
        foreach (var plan in stored)
        {
            byId[plan.PlanId] = plan;
        }
        return byId.Values.OrderBy(p => p.PlanId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The most specific plan: for an alert, one listing its kind; for a report, one without alert
    /// kinds whose category matches (worth 2) and priority matches (worth 1); an empty list
    /// matches anything and is worth nothing. Ties go to the smallest plan id.
    /// </summary>
    public static ResponsePlan? Match(IReadOnlyList<ResponsePlan> plans, IncidentCategory category, Priority priority, AlertKind alertKind = AlertKind.Unspecified)
    {
        ResponsePlan? best = null;
        var bestScore = -1;
        foreach (var plan in plans.OrderBy(p => p.PlanId, StringComparer.Ordinal))
        {
            if (alertKind != AlertKind.Unspecified ? !plan.AlertKinds.Contains(alertKind) : plan.AlertKinds.Count > 0)
            {
                continue;
            }
            if ((plan.Categories.Count > 0 && !plan.Categories.Contains(category)) || (plan.Priorities.Count > 0 && !plan.Priorities.Contains(priority)))
            {
                continue;
            }
            var score = (plan.Categories.Count > 0 ? 2 : 0) + (plan.Priorities.Count > 0 ? 1 : 0);
            if (score > bestScore)
            {
                best = plan;
                bestScore = score;
            }
        }
        return best;
    }

    public const int MaxUnitsPerDemand = 20;
    public const int MaxTiers = 10;

    /// <summary>Every problem with a plan an admin wants to store, field by field.</summary>
    public static List<FieldViolation> Validate(ResponsePlan? plan)
    {
        var violations = new List<FieldViolation>();
        void Add(string field, string reason, string description) => violations.Add(new FieldViolation { Field = field, Reason = reason, Description = description });

        if (plan is null)
        {
            Add("plan", "REQUIRED", "a plan is required");
            return violations;
        }
        if (string.IsNullOrWhiteSpace(plan.PlanId) || plan.PlanId.Length > 64 || plan.PlanId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            Add("plan.plan_id", "INVALID_FORMAT", "plan_id is required: up to 64 letters, digits, '-', '_' or '.'");
        }
        if (plan.BuiltIn)
        {
            Add("plan.built_in", "OUTPUT_ONLY", "built_in is set by Dispatch; leave it false");
        }
        if (plan.Categories.Any(c => c == IncidentCategory.Unspecified || !Enum.IsDefined(c)))
        {
            Add("plan.categories", "UNKNOWN_VALUE", "categories must be defined, non-unspecified values");
        }
        if (plan.Priorities.Any(p => p == Priority.Unspecified || !Enum.IsDefined(p)))
        {
            Add("plan.priorities", "UNKNOWN_VALUE", "priorities must be P1..P4");
        }
        if (plan.AlertKinds.Any(k => k is not (AlertKind.WatchlistHit or AlertKind.Intercept)))
        {
            Add("plan.alert_kinds", "NOT_DISPATCHABLE", "only WATCHLIST_HIT and INTERCEPT alerts are dispatched");
        }
        if (plan.Tiers.Count is 0 or > MaxTiers)
        {
            Add("plan.tiers", "OUT_OF_RANGE", $"a plan has 1 to {MaxTiers} tiers");
        }
        for (var i = 0; i < plan.Tiers.Count; i++)
        {
            var tier = plan.Tiers[i];
            var path = $"plan.tiers[{i}]";
            if (tier.Tier != i + 1)
            {
                Add($"{path}.tier", "OUT_OF_ORDER", $"tiers are numbered 1, 2, 3 ... in order; expected {i + 1}");
            }
            if (tier.TargetSeconds is <= 0 or > 86_400)
            {
                Add($"{path}.target_seconds", "OUT_OF_RANGE", "the target is 1 to 86,400 seconds");
            }
            else if (i > 0 && tier.TargetSeconds < plan.Tiers[i - 1].TargetSeconds)
            {
                Add($"{path}.target_seconds", "OUT_OF_ORDER", "a later tier cannot have an earlier target than the one before");
            }
            if (tier.Units.Count == 0)
            {
                Add($"{path}.units", "REQUIRED", "a tier asks for at least one kind of unit");
            }
            for (var j = 0; j < tier.Units.Count; j++)
            {
                ValidateDemand(tier.Units[j], $"{path}.units[{j}]", violations);
            }
        }
        return violations;
    }

    public static void ValidateDemand(UnitDemand demand, string path, List<FieldViolation> violations)
    {
        if (demand.Kinds.Count == 0 || demand.Kinds.Any(k => k == UnitKind.Unspecified || !Enum.IsDefined(k)))
        {
            violations.Add(new FieldViolation { Field = $"{path}.kinds", Reason = "REQUIRED", Description = "at least one defined unit kind" });
        }
        if (demand.Count is < 1 or > MaxUnitsPerDemand)
        {
            violations.Add(new FieldViolation { Field = $"{path}.count", Reason = "OUT_OF_RANGE", Description = $"count is 1 to {MaxUnitsPerDemand}" });
        }
        if (demand.Capabilities.Any(c => c == Capability.Unspecified || !Enum.IsDefined(c)))
        {
            violations.Add(new FieldViolation { Field = $"{path}.capabilities", Reason = "UNKNOWN_VALUE", Description = "capabilities must be defined values" });
        }
    }
}
