using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Dispatch.Application;

/// <summary>
/// Withdrawing units, merging a report into the incident it duplicates, closing an incident.
/// Every step is idempotent: run again after a crash, it completes what the first run left
/// undone and adds nothing twice.
/// </summary>
public sealed class IncidentLifecycle(
    IncidentStore incidents,
    UnitStore units,
    UnitIndex index,
    UnitService unitService,
    DispatchEvents events,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<IncidentLifecycle> logger)
{
    private const int CasAttempts = 16;

    /// <summary>
    /// Takes the unit off the assignment (compare-and-set, so a racing acknowledgement wins or
    /// loses cleanly) and tells everyone. Null when the assignment ended otherwise or
    /// <paramref name="onlyIf"/> refused; the withdrawn assignment when it is withdrawn now or was before.
    /// </summary>
    public async Task<Assignment?> WithdrawAsync(string assignmentId, string reason, Func<Assignment, bool> onlyIf, CancellationToken cancellationToken)
    {
        Assignment? assignment = null;
        var previous = AssignmentStatus.Unspecified;
        for (var attempt = 0; attempt < CasAttempts && assignment is null; attempt++)
        {
            if (await incidents.GetAssignmentAsync(assignmentId) is not { } stored)
            {
                return null;
            }
            var (current, version, _) = stored;
            if (current.Status == AssignmentStatus.Withdrawn)
            {
                assignment = current; // an earlier run withdrew it; finish its follow-ups below
                previous = current.Status;
                break;
            }
            if (!AssignmentTransitions.IsActive(current.Status) || !onlyIf(current))
            {
                return null;
            }
            previous = current.Status;
            AssignmentTransitions.Apply(current, AssignmentStatus.Withdrawn, clock.GetUtcNow());
            if (await incidents.TryUpdateAssignmentAsync(current, version))
            {
                assignment = current;
            }
        }
        if (assignment is null)
        {
            throw new InvalidOperationException($"assignment {assignmentId} kept changing; withdrawal not stored");
        }

        var released = await units.ReleaseAsync(assignment.UnitId, assignment.AssignmentId);
        if (released > 0)
        {
            index.SetStatus(assignment.UnitId, UnitStatus.Available, released);
        }
        await units.RememberWithdrawalAsync(assignment.UnitId, assignment.AssignmentId, clock.GetUtcNow(), TimeSpan.FromMinutes(options.Value.WithdrawalMemoryMinutes));
        await incidents.AppendTimelineAsync(assignment.IncidentId, Timeline.Entry(clock, $"withdrawn/{assignment.AssignmentId}", TimelineEntryKind.Withdrawn,
            $"{assignment.UnitId} withdrawn: {reason}", assignment.UnitId, assignment.AssignmentId, assignment.Tier));
        await Task.WhenAll(
            events.ChangedAsync(assignment, previous, reason, cancellationToken),
            unitService.PublishCurrentAsync(assignment.UnitId, null, cancellationToken));
        logger.LogInformation("Assignment {AssignmentId} of {UnitId} withdrawn: {Reason}", assignment.AssignmentId, assignment.UnitId, reason);
        return assignment;
    }

    /// <summary>
    /// The report <paramref name="duplicateId"/> is the same event as <paramref name="intoId"/>: it joins
    /// that incident's timeline; units it has that are not on scene yet are withdrawn.
    /// </summary>
    public async Task MergeAsync(string duplicateId, string intoId, string reason, CancellationToken cancellationToken)
    {
        var duplicate = await incidents.GetMetaAsync(duplicateId);
        var into = await incidents.GetMetaAsync(intoId);
        await incidents.EndAsync(duplicateId, IncidentState.Merged, intoId);
        foreach (var assignment in await incidents.AssignmentsAsync(duplicateId))
        {
            await WithdrawAsync(assignment.AssignmentId, $"report merged into incident {intoId}",
                a => a.Status is not AssignmentStatus.OnScene, cancellationToken);
        }
        var report = duplicate?.Incident?.Report;
        var source = report is null ? "" : $" ({report.Source}{(report.Address.Length > 0 ? ", " + report.Address : "")})";
        await incidents.AppendTimelineAsync(duplicateId, Timeline.Entry(clock, $"merged-into/{intoId}", TimelineEntryKind.Merged,
            $"same event as incident {intoId}: joined its timeline, no units of its own ({reason})"));
        await incidents.AppendTimelineAsync(intoId, Timeline.Entry(clock, $"merged-from/{duplicateId}", TimelineEntryKind.Merged,
            $"report {duplicateId}{source} joined this incident: {reason}"));
        await events.IncidentUpdatedAsync(new IncidentUpdate
        {
            IncidentId = intoId,
            Kind = IncidentUpdateKind.Merged,
            State = into?.State ?? IncidentState.Open,
            Summary = $"report {duplicateId} joined: {reason}",
            Priority = into?.Incident?.Priority ?? duplicate?.Incident?.Priority ?? Priority.Unspecified,
            Location = into?.Incident?.Report.Location ?? report?.Location,
            RelatedIncidentId = duplicateId,
            At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        }, cancellationToken);
        logger.LogInformation("Incident {Duplicate} merged into {Into}: {Reason}", duplicateId, intoId, reason);
    }

    /// <summary>Closes the incident (idempotent); units still on it are withdrawn. False when Dispatch does not know it.</summary>
    public async Task<bool> CloseAsync(string incidentId, string reason, CancellationToken cancellationToken)
    {
        if (await incidents.GetMetaAsync(incidentId) is not { Incident: { } incident })
        {
            return false;
        }
        await incidents.EndAsync(incidentId, IncidentState.Closed);
        foreach (var assignment in await incidents.AssignmentsAsync(incidentId))
        {
            await WithdrawAsync(assignment.AssignmentId, $"incident closed: {reason}", _ => true, cancellationToken);
        }
        await incidents.AppendTimelineAsync(incidentId, Timeline.Entry(clock, "closed", TimelineEntryKind.Closed, $"closed: {reason}"));
        await events.IncidentUpdatedAsync(new IncidentUpdate
        {
            IncidentId = incidentId,
            Kind = IncidentUpdateKind.Closed,
            State = IncidentState.Closed,
            Summary = reason,
            Priority = incident.Priority,
            Location = incident.Report.Location,
            At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        }, cancellationToken);
        return true;
    }

    /// <summary>Closes the incident once every unit sent to it is done and at least one resolved it.</summary>
    public async Task CloseIfDoneAsync(string incidentId, CancellationToken cancellationToken)
    {
        var assignments = await incidents.AssignmentsAsync(incidentId);
        if (assignments.Any(a => AssignmentTransitions.IsActive(a.Status)) || !assignments.Any(a => a.Status == AssignmentStatus.Resolved))
        {
            return;
        }
        if (await incidents.GetMetaAsync(incidentId) is { State: IncidentState.Open })
        {
            await CloseAsync(incidentId, "every unit sent has resolved its assignment", cancellationToken);
        }
    }
}
