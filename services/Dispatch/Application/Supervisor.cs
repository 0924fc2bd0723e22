using System.Globalization;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Microsoft.Extensions.Options;

namespace Dispatch.Application;

/// <summary>
/// Acts on due deadlines: an assignment not acknowledged in time is withdrawn and the next best
/// unit sent; a tier whose units are not on scene is reported at risk, then breached. Safe to
/// run twice for one deadline (a replica that crashed mid-way): every action checks the state
/// first and writes with deterministic ids.
/// </summary>
public sealed class Supervisor(
    IncidentStore incidents,
    IncidentLifecycle lifecycle,
    ResponseEngine engine,
    DispatchEvents events,
    DispatchMetrics metrics,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<Supervisor> logger)
{
    public Task HandleAsync(string item, CancellationToken cancellationToken)
    {
        if (item.StartsWith(Deadline.AckPrefix, StringComparison.Ordinal))
        {
            return AcknowledgementDueAsync(item[Deadline.AckPrefix.Length..], cancellationToken);
        }
        var parts = item.Split('|');
        if (parts is [_, var incidentId, var tier, var kind] && item.StartsWith(Deadline.SlaPrefix, StringComparison.Ordinal)
            && int.TryParse(tier, NumberStyles.None, CultureInfo.InvariantCulture, out var tierNumber))
        {
            return TierDueAsync(incidentId, tierNumber, breach: kind == "breach", cancellationToken);
        }
        logger.LogError("Dropping unknown deadline {Item}", item);
        return Task.CompletedTask;
    }

    private async Task AcknowledgementDueAsync(string assignmentId, CancellationToken cancellationToken)
    {
        if (await incidents.GetAssignmentAsync(assignmentId) is not { } stored)
        {
            return;
        }
        var reason = $"no acknowledgement within {options.Value.AckTimeoutSeconds} s";
        var withdrawn = await lifecycle.WithdrawAsync(assignmentId, reason, a => a.Status == AssignmentStatus.Pending, cancellationToken);
        if (withdrawn is null || stored.Demand is null)
        {
            return; // acknowledged (or ended) in time
        }
        await incidents.DeclineAsync(withdrawn.IncidentId, withdrawn.UnitId);
        if (await incidents.GetMetaAsync(withdrawn.IncidentId) is not { Incident: { } incident, State: IncidentState.Open } meta)
        {
            return; // closed or merged meanwhile: nobody else is needed
        }
        var context = new ResponseContext(incident, withdrawn.IncidentLocation, withdrawn.PlanId);
        var replacement = await engine.ReplaceAsync(context, withdrawn, stored.Demand, cancellationToken);
        logger.LogInformation("Assignment {AssignmentId}: {UnitId} did not acknowledge; replaced by {Replacement}",
            assignmentId, withdrawn.UnitId, replacement?.UnitId ?? "nobody");
    }

    private async Task TierDueAsync(string incidentId, int tier, bool breach, CancellationToken cancellationToken)
    {
        if (await incidents.GetMetaAsync(incidentId) is not { Incident: { } incident, State: IncidentState.Open })
        {
            return;
        }
        var (status, firstOnScene, _) = await incidents.GetTierAsync(incidentId, tier);
        if (status is null || firstOnScene is not null)
        {
            return; // a unit of the tier is there
        }
        var now = clock.GetUtcNow();
        var arriveBy = status.ArriveBy.ToDateTimeOffset();
        var assignments = (await incidents.AssignmentsAsync(incidentId)).Where(a => a.Tier == tier && AssignmentTransitions.IsActive(a.Status)).ToList();
        var evidence = assignments.Count == 0
            ? ["no unit of the tier is on the way" + (status.Shortfall.Length > 0 ? $" ({status.Shortfall})" : "")]
            : assignments.Select(a => $"{a.UnitId}: {a.Status}, estimated {a.EstimatedTravel?.ToTimeSpan().TotalSeconds ?? 0:F0} s from {a.AssignedAt.ToDateTimeOffset():HH:mm:ss}").ToList();
        if (breach)
        {
            if (await incidents.DecideTierOutcomeAsync(incidentId, tier, TierOutcome.Breached) != TierOutcome.Breached)
            {
                return;
            }
            metrics.SlaBreached();
            var summary = $"tier {tier} target of {status.TargetSeconds} s missed: no unit on scene by {arriveBy:HH:mm:ss}";
            await incidents.AppendTimelineAsync(incidentId, Timeline.Entry(clock, $"sla-breached/{tier}", TimelineEntryKind.SlaBreached, summary, tier: tier));
            await events.AlertAsync(AlertKind.SlaBreached, incident, tier, $"Incident {incidentId}: {summary}", evidence, cancellationToken);
        }
        else
        {
            var summary = $"tier {tier} at risk: {(arriveBy - now).TotalSeconds:F0} s left of the {status.TargetSeconds} s target and no unit on scene";
            await incidents.AppendTimelineAsync(incidentId, Timeline.Entry(clock, $"sla-at-risk/{tier}", TimelineEntryKind.SlaAtRisk, summary, tier: tier));
            await events.AlertAsync(AlertKind.SlaAtRisk, incident, tier, $"Incident {incidentId}: {summary}", evidence, cancellationToken);
        }
    }
}
