using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;

namespace Dispatch.Application;

/// <summary>
/// An assignment's progress, reported by its unit. The change is a compare-and-set on the
/// assignment's version, so an acknowledgement, a status update and an acknowledgement timeout
/// racing each other (on any replicas) never overwrite one another. Every change moves the
/// unit, lands on the timeline once and is published.
/// </summary>
public sealed class AssignmentService(
    IncidentStore incidents,
    UnitStore units,
    UnitIndex index,
    UnitService unitService,
    IncidentLifecycle lifecycle,
    DispatchEvents events,
    TimeProvider clock)
{
    private const int CasAttempts = 16;

    public sealed class AssignmentException(string field, string reason, string message, bool notFound = false) : Exception(message)
    {
        public string Field { get; } = field;
        public string Reason { get; } = reason;
        public bool NotFound { get; } = notFound;
        public Assignment? Current { get; init; }
    }

    public async Task<Assignment> ChangeStatusAsync(string assignmentId, AssignmentStatus status, string? actingUnitId, string note, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < CasAttempts; attempt++)
        {
            var (assignment, version, _) = await incidents.GetAssignmentAsync(assignmentId)
                ?? throw new AssignmentException("assignment_id", "NOT_FOUND", $"assignment {assignmentId} does not exist", notFound: true);
            if (actingUnitId is not null && assignment.UnitId != actingUnitId)
            {
                throw new AssignmentException("assignment_id", "NOT_YOURS", $"assignment {assignmentId} belongs to another unit");
            }
            if (assignment.Status == status)
            {
                // A repeat (a terminal resending after a reconnect, a retry after a crash): finish what may have been left undone.
                await FollowAsync(assignment, status, cancellationToken);
                return assignment;
            }
            if (AssignmentTransitions.Check(assignment.Status, status) is { } refusal)
            {
                throw new AssignmentException("status", "INVALID_TRANSITION", refusal) { Current = assignment };
            }

            var previous = assignment.Status;
            AssignmentTransitions.Apply(assignment, status, clock.GetUtcNow());
            if (!await incidents.TryUpdateAssignmentAsync(assignment, version))
            {
                continue; // changed meanwhile: judge the move again against what it is now
            }

            var kind = status == AssignmentStatus.Acknowledged ? TimelineEntryKind.Acknowledged : TimelineEntryKind.StatusChanged;
            var summary = $"{assignment.UnitId}: {previous} → {status}" + (string.IsNullOrWhiteSpace(note) ? "" : $" ({note.Trim()})");
            await incidents.AppendTimelineAsync(assignment.IncidentId,
                Timeline.Entry(clock, $"status/{assignment.AssignmentId}/{status}", kind, summary, assignment.UnitId, assignment.AssignmentId, assignment.Tier));
            await events.ChangedAsync(assignment, previous, summary, cancellationToken);
            await FollowAsync(assignment, status, cancellationToken);
            return assignment;
        }
        throw new InvalidOperationException($"assignment {assignmentId} kept changing; update not stored");
    }

    /// <summary>The unit, the tier's deadline, the response figures and the incident's closure follow the assignment. Idempotent.</summary>
    private async Task FollowAsync(Assignment assignment, AssignmentStatus status, CancellationToken cancellationToken)
    {
        var target = AssignmentTransitions.UnitStatusFor(status);
        var version = target == UnitStatus.Available
            ? await units.ReleaseAsync(assignment.UnitId, assignment.AssignmentId)
            : await units.FollowAssignmentAsync(assignment.UnitId, assignment.AssignmentId, target);
        if (version > 0)
        {
            index.SetStatus(assignment.UnitId, target, version);
            await unitService.PublishCurrentAsync(assignment.UnitId, null, cancellationToken);
        }

        if (assignment.EnRouteAt is { } enRoute)
        {
            await incidents.SetFirstAsync(assignment.IncidentId, "firstEnRoute", enRoute.ToDateTimeOffset());
        }
        if (assignment.OnSceneAt is { } onScene)
        {
            await incidents.SetFirstAsync(assignment.IncidentId, "firstOnScene", onScene.ToDateTimeOffset());
            await OnSceneAsync(assignment, onScene.ToDateTimeOffset());
        }
        if (status == AssignmentStatus.Resolved)
        {
            await lifecycle.CloseIfDoneAsync(assignment.IncidentId, cancellationToken);
        }
    }

    private async Task OnSceneAsync(Assignment assignment, DateTimeOffset onScene)
    {
        var arriveBy = assignment.ArriveBy?.ToDateTimeOffset();
        if (arriveBy is null)
        {
            return;
        }
        var outcome = ResponseFigures.Outcome(arriveBy.Value, onScene, onScene);
        var (tier, firstOnScene, decided) = await incidents.TierOnSceneAsync(assignment.IncidentId, assignment.Tier, onScene, outcome);
        if (tier is not null && decided == TierOutcome.Met && firstOnScene is { } first)
        {
            var took = first - (arriveBy.Value - TimeSpan.FromSeconds(tier.TargetSeconds));
            await incidents.AppendTimelineAsync(assignment.IncidentId, Timeline.Entry(clock, $"sla-met/{assignment.Tier}", TimelineEntryKind.SlaMet,
                $"tier {assignment.Tier} on scene after {took.TotalSeconds:F0} s (target {tier.TargetSeconds} s)", assignment.UnitId, assignment.AssignmentId, assignment.Tier));
        }
    }
}
