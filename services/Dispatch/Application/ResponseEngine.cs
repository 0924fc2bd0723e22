using System.Diagnostics;
using System.Globalization;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using ServiceDefaults;

namespace Dispatch.Application;

/// <summary>The incident a response is for, and where the units go (an alert may name a newer place than the report).</summary>
public sealed record ResponseContext(Incident Incident, GeoPoint Location, string PlanId)
{
    public string IncidentId => Incident.IncidentId;

    /// <summary>The reporter's language (report attribute "language"), for CAPABILITY_LANGUAGE.</summary>
    public string? Language => Incident.Report.Attributes.TryGetValue("language", out var language) ? language : null;
}

/// <summary>
/// Turns demands (tiers of a plan, a support request, a replacement) into claimed units, each
/// decision explained on the timeline. Safe to run again for the same work (redelivery after a
/// crash, two replicas on one incident): assignment ids come from the incident and the slot,
/// the unit a slot is about to claim is reserved first so attempts converge on it, claims with
/// the same id are idempotent, and timeline entries have deterministic ids.
/// </summary>
public sealed class ResponseEngine(
    IncidentStore incidents,
    UnitStore units,
    UnitIndex index,
    UnitService unitService,
    DispatchEvents events,
    DeadlineStore deadlines,
    DispatchMetrics metrics,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<ResponseEngine> logger)
{
    private const int ReSearches = 3;

    private DispatchOptions Options => options.Value;

    public static string AssignmentId(string incidentId, string slotId, string replaces = "")
        => DeterministicId.From("assignment", incidentId, slotId, replaces);

    private sealed record Slot(string SlotId, string AssignmentId, string ReplacesAssignmentId);

    private sealed record Filled(RankedUnit Unit, Assignment Assignment);

    private sealed record DemandOutcome(DemandSearch Search, List<Filled> Filled, List<string> Lost, string? Shortfall);

    /// <summary>What the plan would send now, without claiming anything.</summary>
    public RecommendUnitsResponse Preview(ResponsePlan plan, GeoPoint location, string? language)
    {
        var now = clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var searches = ResponsePlanner.Plan(index, location, plan.Tiers, now, now, language, [], 0);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.Recommendation(elapsed);
        var response = new RecommendUnitsResponse
        {
            PlanId = plan.PlanId,
            ComputeMicros = (long)elapsed.TotalMicroseconds,
            CandidatesConsidered = searches.Sum(s => s.Result.Considered),
        };
        foreach (var tier in searches.GroupBy(s => s.Tier))
        {
            var recommendation = new TierRecommendation { Tier = tier.Key.Tier, TargetSeconds = tier.Key.TargetSeconds };
            var shortfalls = new List<string>();
            foreach (var search in tier)
            {
                var proposed = search.Proposed.ToList();
                recommendation.Units.AddRange(proposed.Select(r => new RecommendedUnit
                {
                    UnitId = r.Unit.UnitId,
                    Kind = r.Unit.Kind,
                    DistanceM = Math.Round(r.DistanceMeters, 1),
                    EstimatedTravel = Duration.FromTimeSpan(r.EstimatedTravel),
                }));
                if (ResponsePlanner.Shortfall(search.Demand, proposed, search.ArriveBy, now, tier.Key.TargetSeconds, index.MaxRadiusMeters) is { } shortfall)
                {
                    shortfalls.Add(shortfall);
                }
            }
            recommendation.Shortfall = string.Join("; ", shortfalls);
            response.Tiers.Add(recommendation);
        }
        return response;
    }

    /// <summary>Sends the units of <paramref name="tiers"/> to the incident, all tiers at once.</summary>
    /// <param name="clockStart">When the tiers' target times start: the call for a report, the alert or the request otherwise.</param>
    public async Task<IReadOnlyList<Assignment>> RespondAsync(ResponseContext context, IReadOnlyList<ResponseTier> tiers, string slotPrefix, DateTimeOffset clockStart, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var declined = await incidents.DeclinedAsync(context.IncidentId);
        var started = Stopwatch.GetTimestamp();
        var searches = ResponsePlanner.Plan(index, context.Location, tiers, clockStart, now, context.Language, declined, Options.SpareCandidates);
        metrics.Recommendation(Stopwatch.GetElapsedTime(started));

        var taken = new HashSet<string>(declined, StringComparer.Ordinal);
        var outcomes = new List<DemandOutcome>();
        foreach (var search in searches)
        {
            var slots = Enumerable.Range(0, search.Demand.Count)
                .Select(i => $"{slotPrefix}t{search.Tier.Tier}/d{search.DemandIndex}/{i}")
                .Select(slotId => new Slot(slotId, AssignmentId(context.IncidentId, slotId), ""))
                .ToList();
            outcomes.Add(await FillAsync(context, search, slots, taken, now));
        }
        return await RecordAsync(context, outcomes, slotPrefix, newTiers: true, cancellationToken);
    }

    /// <summary>The next best unit for the slot of an assignment that was withdrawn (no acknowledgement in time).</summary>
    public async Task<Assignment?> ReplaceAsync(ResponseContext context, Assignment withdrawn, UnitDemand demand, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var declined = await incidents.DeclinedAsync(context.IncidentId);
        var tier = new ResponseTier { Tier = withdrawn.Tier, TargetSeconds = await TargetSecondsAsync(context.IncidentId, withdrawn.Tier), Units = { demand } };
        var started = Stopwatch.GetTimestamp();
        var single = new UnitDemand(demand) { Count = 1 };
        var result = index.Search(new UnitQuery(context.Location, single.Kinds, single.Capabilities, context.Language, 1 + Options.SpareCandidates, now, declined.ToHashSet(StringComparer.Ordinal)));
        metrics.Recommendation(Stopwatch.GetElapsedTime(started));
        var search = new DemandSearch(tier, 0, single, withdrawn.ArriveBy.ToDateTimeOffset(), result);
        var slot = new Slot(withdrawn.SlotId, AssignmentId(context.IncidentId, withdrawn.SlotId, withdrawn.AssignmentId), withdrawn.AssignmentId);
        var outcome = await FillAsync(context, search, [slot], declined.ToHashSet(StringComparer.Ordinal), now);
        var assignments = await RecordAsync(context, [outcome], "replace/" + withdrawn.AssignmentId + "/", newTiers: false, cancellationToken);
        return assignments.FirstOrDefault();
    }

    private async Task<int> TargetSecondsAsync(string incidentId, int tier)
        => (await incidents.GetTierAsync(incidentId, tier)).Tier?.TargetSeconds ?? 0;

    private async Task<DemandOutcome> FillAsync(ResponseContext context, DemandSearch search, IReadOnlyList<Slot> slots, HashSet<string> taken, DateTimeOffset now)
    {
        var filled = new List<Filled>();
        var lost = new List<string>();
        var candidates = new Queue<RankedUnit>(search.Result.Ranked);
        var reSearches = 0;
        foreach (var slot in slots)
        {
            if (await incidents.GetAssignmentAsync(slot.AssignmentId) is { } existing)
            {
                // Made by an earlier attempt: keep it.
                taken.Add(existing.Assignment.UnitId);
                filled.Add(new Filled(FromAssignment(existing.Assignment), existing.Assignment));
                continue;
            }
            Filled? made = null;
            while (made is null)
            {
                while (candidates.Count > 0 && taken.Contains(candidates.Peek().Unit.UnitId))
                {
                    candidates.Dequeue();
                }
                if (candidates.Count == 0)
                {
                    if (lost.Count == 0 || reSearches++ >= ReSearches)
                    {
                        break;
                    }
                    // Claims were lost to other incidents: the index knows those units are taken now, look again.
                    var again = index.Search(new UnitQuery(context.Location, search.Demand.Kinds, search.Demand.Capabilities, context.Language,
                        search.Demand.Count + Options.SpareCandidates, now, taken));
                    foreach (var unit in again.Ranked)
                    {
                        candidates.Enqueue(unit);
                    }
                    if (candidates.Count == 0)
                    {
                        break;
                    }
                    continue;
                }
                var candidate = candidates.Peek();
                var intended = await incidents.ReserveSlotAsync(slot.AssignmentId, candidate.Unit.UnitId);
                var choice = intended == candidate.Unit.UnitId ? candidate : Rank(context.Location, intended) ?? candidate;
                var version = await units.TryClaimAsync(intended, slot.AssignmentId);
                if (version <= 0)
                {
                    lost.Add(intended);
                    taken.Add(intended);
                    index.MarkTaken(intended);
                    await incidents.ReleaseSlotAsync(slot.AssignmentId, intended);
                    continue;
                }
                index.SetStatus(intended, UnitStatus.Assigned, version);
                taken.Add(intended);
                var assignment = NewAssignment(context, search, slot, choice, clock.GetUtcNow());
                if (!await incidents.CreateAssignmentAsync(assignment, search.Demand))
                {
                    assignment = (await incidents.GetAssignmentAsync(slot.AssignmentId))!.Value.Assignment;
                }
                made = new Filled(choice, assignment);
            }
            if (made is null)
            {
                break; // nobody left for this demand; the shortfall says so
            }
            filled.Add(made);
        }
        var shortfall = ResponsePlanner.Shortfall(search.Demand, filled.Select(f => f.Unit).ToList(), search.ArriveBy, now, search.Tier.TargetSeconds, index.MaxRadiusMeters);
        return new DemandOutcome(search, filled, lost, shortfall);
    }

    private RankedUnit? Rank(GeoPoint location, string unitId)
    {
        if (index.Find(unitId) is not { } unit)
        {
            return null;
        }
        var distance = TravelTime.DistanceMeters(location.Latitude, location.Longitude, unit.Latitude, unit.Longitude);
        return new RankedUnit(unit, distance, TravelTime.Estimate(distance, unit.Kind, index.RoadFactor));
    }

    private static RankedUnit FromAssignment(Assignment assignment)
        => new(new UnitCandidate(assignment.UnitId, UnitKind.Unspecified, UnitStatus.Assigned, true, 0, 0, assignment.AssignedAt.ToDateTimeOffset()),
            assignment.DistanceM, assignment.EstimatedTravel?.ToTimeSpan() ?? TimeSpan.Zero);

    private static Assignment NewAssignment(ResponseContext context, DemandSearch search, Slot slot, RankedUnit choice, DateTimeOffset now)
    {
        var incident = context.Incident;
        var description = incident.Report.Description;
        return new Assignment
        {
            AssignmentId = slot.AssignmentId,
            IncidentId = incident.IncidentId,
            UnitId = choice.Unit.UnitId,
            Tier = search.Tier.Tier,
            Status = AssignmentStatus.Pending,
            AssignedAt = Timestamp.FromDateTimeOffset(now),
            StatusAt = Timestamp.FromDateTimeOffset(now),
            Category = incident.Report.Category,
            Priority = incident.Priority,
            IncidentLocation = context.Location,
            Address = incident.Report.Address,
            Summary = description.Length <= 200 ? description : description[..200] + "…",
            DistanceM = Math.Round(choice.DistanceMeters, 1),
            EstimatedTravel = Duration.FromTimeSpan(choice.EstimatedTravel),
            Reason = $"tier {search.Tier.Tier} ({search.Tier.TargetSeconds} s): fastest available {choice.Unit.Kind}, {choice.DistanceMeters:F0} m away, about {choice.EstimatedTravel.TotalSeconds:F0} s",
            ArriveBy = Timestamp.FromDateTimeOffset(search.ArriveBy),
            PlanId = context.PlanId,
            SlotId = slot.SlotId,
            ReplacesAssignmentId = slot.ReplacesAssignmentId,
        };
    }

    /// <summary>Timeline, tier records, events and deadlines for what <see cref="FillAsync"/> did.</summary>
    /// <param name="newTiers">False for a replacement: it fills a tier already on record, with its deadlines already set.</param>
    private async Task<IReadOnlyList<Assignment>> RecordAsync(ResponseContext context, IReadOnlyList<DemandOutcome> outcomes, string slotPrefix, bool newTiers, CancellationToken cancellationToken)
    {
        var incidentId = context.IncidentId;
        var entries = new List<TimelineEntry>();
        var tierRecords = new List<Task>();
        var alerts = new List<Func<Task>>();
        var work = new List<Task>();
        var assignments = outcomes.SelectMany(o => o.Filled.Select(f => f.Assignment)).ToList();
        foreach (var tier in outcomes.GroupBy(o => o.Search.Tier.Tier))
        {
            var spec = tier.First().Search.Tier;
            var shortfalls = new List<string>();
            foreach (var outcome in tier)
            {
                var key = $"{slotPrefix}t{spec.Tier}/d{outcome.Search.DemandIndex}";
                entries.Add(Timeline.Entry(clock, $"decision/{key}", TimelineEntryKind.Decision,
                    ResponsePlanner.Explain(outcome.Search, outcome.Filled.Select(f => f.Unit).ToList(), outcome.Lost), tier: spec.Tier));
                foreach (var (_, assignment) in outcome.Filled)
                {
                    var replaces = assignment.ReplacesAssignmentId.Length > 0 ? $", replacing {assignment.ReplacesAssignmentId}" : "";
                    entries.Add(Timeline.Entry(clock, $"assigned/{assignment.AssignmentId}", TimelineEntryKind.Assigned,
                        $"{assignment.UnitId} assigned ({assignment.Reason}{replaces})", assignment.UnitId, assignment.AssignmentId, spec.Tier));
                }
                if (outcome.Shortfall is { } shortfall)
                {
                    shortfalls.Add(shortfall);
                    entries.Add(Timeline.Entry(clock, $"shortfall/{key}", TimelineEntryKind.Shortfall,
                        $"tier {spec.Tier}: {shortfall}", tier: spec.Tier));
                }
            }
            if (newTiers)
            {
                var arriveBy = tier.First().Search.ArriveBy;
                tierRecords.Add(incidents.SaveTierAsync(incidentId, new TierStatus
                {
                    Tier = spec.Tier,
                    TargetSeconds = spec.TargetSeconds,
                    ArriveBy = Timestamp.FromDateTimeOffset(arriveBy),
                    UnitsPlanned = tier.Sum(o => o.Search.Demand.Count),
                    UnitsAssigned = tier.Sum(o => o.Filled.Count),
                    Shortfall = string.Join("; ", shortfalls),
                }));
                var target = TimeSpan.FromSeconds(spec.TargetSeconds);
                var clockStart = arriveBy - target;
                tierRecords.Add(deadlines.ScheduleAsync(Deadline.SlaAtRisk(incidentId, spec.Tier), clockStart + target * Options.SlaAtRiskFraction));
                tierRecords.Add(deadlines.ScheduleAsync(Deadline.SlaBreach(incidentId, spec.Tier), arriveBy));
            }
            if (shortfalls.Count > 0)
            {
                metrics.Shortfall();
                alerts.Add(() => events.AlertAsync(AlertKind.Shortfall, context.Incident, spec.Tier,
                    $"Tier {spec.Tier} of incident {incidentId} cannot be met: {string.Join("; ", shortfalls)}",
                    tier.Select(o => ResponsePlanner.Explain(o.Search, o.Filled.Select(f => f.Unit).ToList(), o.Lost)), cancellationToken));
            }
        }
        // The tiers are on record before the timeline tells of them; events go out last, once the state they announce is stored.
        await Task.WhenAll(tierRecords);
        await incidents.AppendTimelineAsync(incidentId, [.. entries]);
        work.AddRange(alerts.Select(raise => raise()));
        foreach (var assignment in assignments)
        {
            work.Add(deadlines.ScheduleAsync(Deadline.Acknowledgement(assignment.AssignmentId), assignment.AssignedAt.ToDateTimeOffset() + TimeSpan.FromSeconds(Options.AckTimeoutSeconds)));
            work.Add(events.AssignedAsync(assignment, cancellationToken));
            work.Add(unitService.PublishCurrentAsync(assignment.UnitId, UnitStatus.Available, cancellationToken));
        }
        await Task.WhenAll(work);
        metrics.Assigned(assignments.Count);
        if (assignments.Count > 0)
        {
            logger.LogInformation("Incident {IncidentId}: assigned {Units}", incidentId, string.Join(", ", assignments.Select(a => $"{a.UnitId} (tier {a.Tier})")));
        }
        return assignments;
    }
}

/// <summary>Names of due work in the deadline store.</summary>
public static class Deadline
{
    public const string AckPrefix = "ack|";
    public const string SlaPrefix = "sla|";

    public static string Acknowledgement(string assignmentId) => AckPrefix + assignmentId;

    public static string SlaAtRisk(string incidentId, int tier) => $"{SlaPrefix}{incidentId}|{tier.ToString(CultureInfo.InvariantCulture)}|risk";

    public static string SlaBreach(string incidentId, int tier) => $"{SlaPrefix}{incidentId}|{tier.ToString(CultureInfo.InvariantCulture)}|breach";
}
