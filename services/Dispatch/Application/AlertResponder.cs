using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Dispatch.Application;

/// <summary>
/// Alerts from Analysis that Dispatch acts on. DUPLICATE: the new report joins the earlier
/// incident. WATCHLIST_HIT and INTERCEPT: dispatched with their own plan, as extra tiers of the
/// triggering incident. Every other alert about a known incident goes on its timeline. Alert
/// ids are deterministic, so a re-delivered alert changes nothing.
/// </summary>
public sealed class AlertResponder(
    IncidentStore incidents,
    PlanStore plans,
    ResponseEngine engine,
    IncidentLifecycle lifecycle,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<AlertResponder> logger)
{
    /// <summary>The alert's incident has not reached Dispatch yet; handling is retried.</summary>
    public sealed class IncidentNotYetKnownException(string incidentId) : Exception($"incident {incidentId} has not reached Dispatch yet");

    public Task HandleAsync(Alert alert, CancellationToken cancellationToken) => alert.Kind switch
    {
        AlertKind.Duplicate => DuplicateAsync(alert, cancellationToken),
        AlertKind.WatchlistHit or AlertKind.Intercept => DispatchAlertAsync(alert, cancellationToken),
        AlertKind.Shortfall or AlertKind.SlaAtRisk or AlertKind.SlaBreached => Task.CompletedTask, // Dispatch's own: already on the timeline
        _ => NoteAsync(alert),
    };

    private async Task DuplicateAsync(Alert alert, CancellationToken cancellationToken)
    {
        if (alert.IncidentIds.Count < 2 || alert.IncidentIds[0] == alert.IncidentIds[1])
        {
            logger.LogWarning("DUPLICATE alert {AlertId} does not name a new report and an earlier incident; ignored", alert.AlertId);
            return;
        }
        var (duplicate, earlier) = (alert.IncidentIds[0], alert.IncidentIds[1]);
        // Recorded first: if the report has not been dispatched yet, it will join instead of getting units.
        var into = await incidents.DecideMergeAsync(duplicate, earlier);
        if (into.Length == 0)
        {
            into = earlier; // Dispatch saw no duplicate and sent units; Analysis knows better
        }
        if (await incidents.GetMetaAsync(duplicate) is { Incident: not null })
        {
            await lifecycle.MergeAsync(duplicate, into, $"Analysis: {alert.Summary}", cancellationToken);
        }
    }

    private async Task DispatchAlertAsync(Alert alert, CancellationToken cancellationToken)
    {
        if (alert.IncidentIds.Count == 0)
        {
            logger.LogWarning("{Kind} alert {AlertId} names no incident; ignored", alert.Kind, alert.AlertId);
            return;
        }
        var incidentId = alert.IncidentIds[0];
        var meta = await incidents.GetMetaAsync(incidentId);
        var incident = meta?.Incident;
        if (incident is null)
        {
            var raised = alert.RaisedAt?.ToDateTimeOffset() ?? clock.GetUtcNow();
            if (clock.GetUtcNow() - raised < TimeSpan.FromSeconds(options.Value.AlertIncidentWaitSeconds))
            {
                throw new IncidentNotYetKnownException(incidentId);
            }
            // The report never came: the alert is all there is to go on.
            incident = new Incident
            {
                IncidentId = incidentId,
                Priority = alert.Priority == Priority.Unspecified ? Priority.P1 : alert.Priority,
                ReceivedAt = alert.RaisedAt ?? Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
                Report = new Report
                {
                    Source = "analysis",
                    ExternalId = alert.AlertId,
                    Category = IncidentCategory.WantedPersonSighting,
                    Location = alert.Location,
                    Description = alert.Summary,
                },
            };
            (_, meta) = await incidents.RecordAsync(incident);
        }
        var location = alert.Location is { } at && (at.Latitude != 0 || at.Longitude != 0) ? at : incident.Report.Location;
        var plan = ResponsePlans.Match(await plans.EffectiveAsync(), incident.Report.Category, incident.Priority, alert.Kind);
        var open = meta!.State == IncidentState.Open && plan is not null && location is not null;
        await incidents.AppendTimelineAsync(incidentId, Timeline.Entry(clock, $"alert/{alert.AlertId}", TimelineEntryKind.Alert,
            $"{alert.Kind}: {alert.Summary}" + (alert.Evidence.Count > 0 ? $" [{string.Join("; ", alert.Evidence)}]" : "")
            + (open ? $"; dispatching plan {plan!.PlanId}" : meta.State != IncidentState.Open ? "; incident no longer open, nobody sent" : "; no plan or location, nobody sent")));
        if (!open)
        {
            return;
        }
        var tiers = new List<ResponseTier>();
        foreach (var tier in plan!.Tiers)
        {
            var number = await incidents.AllocateTierAsync(incidentId, $"alert:{alert.AlertId}:{tier.Tier}");
            tiers.Add(new ResponseTier(tier) { Tier = number });
        }
        var clockStart = alert.RaisedAt?.ToDateTimeOffset() ?? clock.GetUtcNow();
        await engine.RespondAsync(new ResponseContext(incident, location!, plan.PlanId), tiers, $"alert/{alert.AlertId}/", clockStart, cancellationToken);
    }

    private async Task NoteAsync(Alert alert)
    {
        foreach (var incidentId in alert.IncidentIds.Distinct())
        {
            if (await incidents.GetMetaAsync(incidentId) is { Incident: not null })
            {
                await incidents.AppendTimelineAsync(incidentId, Timeline.Entry(clock, $"alert/{alert.AlertId}", TimelineEntryKind.Alert,
                    $"{alert.Kind}: {alert.Summary}"));
            }
        }
    }
}
