using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Microsoft.Extensions.Options;

namespace Dispatch.Application;

/// <summary>
/// A new incident: recorded once, recognised as a second report of an open incident (then it
/// joins that one's timeline and no units go), or answered with its response plan, every tier
/// at once. Safe to run again for the same incident (redelivery, rebalance): every decision is
/// stored once and the response engine is idempotent.
/// </summary>
public sealed class IncidentDispatcher(
    IncidentStore incidents,
    PlanStore plans,
    ResponseEngine engine,
    IncidentLifecycle lifecycle,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<IncidentDispatcher> logger)
{
    public async Task DispatchAsync(Incident incident, CancellationToken cancellationToken)
    {
        var (_, meta) = await incidents.RecordAsync(incident);
        if (meta.Dispatched)
        {
            return;
        }
        var report = incident.Report;
        await incidents.AppendTimelineAsync(incident.IncidentId, Timeline.Entry(clock, "reported", TimelineEntryKind.Reported,
            $"{report.Category} {incident.Priority} reported by {report.Source}" + (report.Address.Length > 0 ? $" at {report.Address}" : "")));

        if (meta.State == IncidentState.Open)
        {
            var duplicate = meta.MergeDecision ?? await incidents.DecideMergeAsync(incident.IncidentId, await FindSameEventAsync(incident) ?? "");
            if (duplicate.Length > 0)
            {
                await lifecycle.MergeAsync(incident.IncidentId, duplicate, await MergeReasonAsync(incident, duplicate), cancellationToken);
            }
            else
            {
                await RespondAsync(incident, cancellationToken);
            }
        }
        await incidents.MarkDispatchedAsync(incident.IncidentId);
    }

    private async Task RespondAsync(Incident incident, CancellationToken cancellationToken)
    {
        var location = incident.Report.Location;
        if (location is null)
        {
            await incidents.AppendTimelineAsync(incident.IncidentId, Timeline.Entry(clock, "no-location", TimelineEntryKind.NoUnitAvailable, "no location: units cannot be chosen"));
            return;
        }
        await incidents.AddOpenAsync(incident.IncidentId, location);
        var effective = await plans.EffectiveAsync();
        var matched = ResponsePlans.Match(effective, incident.Report.Category, incident.Priority) ?? ResponsePlans.BuiltIn[^1];
        var planId = await incidents.DecidePlanAsync(incident.IncidentId, matched.PlanId);
        var plan = effective.FirstOrDefault(p => p.PlanId == planId) ?? matched;
        await incidents.AppendTimelineAsync(incident.IncidentId, Timeline.Entry(clock, "plan", TimelineEntryKind.Decision,
            $"response plan {plan.PlanId} ({plan.Name}): " + string.Join("; ", plan.Tiers.Select(t =>
                $"tier {t.Tier} within {t.TargetSeconds} s: {string.Join(" + ", t.Units.Select(u => $"{u.Count} x {ResponsePlanner.Kinds(u)}"))}"))));
        var assignments = await engine.RespondAsync(new ResponseContext(incident, location, plan.PlanId), plan.Tiers, "", incident.ReceivedAt.ToDateTimeOffset(), cancellationToken);
        if (assignments.Count == 0)
        {
            logger.LogWarning("Incident {IncidentId}: no unit available", incident.IncidentId);
        }
    }

    /// <summary>An open incident of the same category close by and reported shortly before: the same event.</summary>
    private async Task<string?> FindSameEventAsync(Incident incident)
    {
        var location = incident.Report.Location;
        if (location is null || options.Value.MergeRadiusMeters <= 0)
        {
            return null;
        }
        var received = incident.ReceivedAt.ToDateTimeOffset();
        var window = TimeSpan.FromSeconds(options.Value.MergeWindowSeconds);
        string? best = null;
        var bestReceived = DateTimeOffset.MaxValue;
        foreach (var id in await incidents.FindOpenNearAsync(location, options.Value.MergeRadiusMeters))
        {
            if (id == incident.IncidentId || await incidents.GetMetaAsync(id) is not { Incident: { } other, State: IncidentState.Open })
            {
                continue;
            }
            var otherReceived = other.ReceivedAt.ToDateTimeOffset();
            if (other.Report.Category == incident.Report.Category && (received - otherReceived).Duration() <= window && otherReceived < bestReceived)
            {
                best = id;
                bestReceived = otherReceived;
            }
        }
        return best;
    }

    private async Task<string> MergeReasonAsync(Incident incident, string intoId)
    {
        if (await incidents.GetMetaAsync(intoId) is not { Incident: { } other } || incident.Report.Location is null || other.Report.Location is null
            || other.Report.Category != incident.Report.Category)
        {
            return "Analysis recognised the same event";
        }
        var distance = TravelTime.DistanceMeters(incident.Report.Location, other.Report.Location);
        var apart = (incident.ReceivedAt.ToDateTimeOffset() - other.ReceivedAt.ToDateTimeOffset()).Duration();
        return $"same category {incident.Report.Category}, {distance:F0} m and {apart.TotalSeconds:F0} s apart";
    }
}
