using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Events.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Messaging;

namespace Dispatch.Application;

/// <summary>An assignment's progress, reported by its unit; every change is published and put on the timeline.</summary>
public sealed class AssignmentService(IncidentStore incidents, UnitService unitService, EventPublisher publisher, TimeProvider clock)
{
    public sealed class AssignmentException(string field, string reason, string message, bool notFound = false) : Exception(message)
    {
        public string Field { get; } = field;
        public string Reason { get; } = reason;
        public bool NotFound { get; } = notFound;
    }

    public async Task<Assignment> ChangeStatusAsync(string assignmentId, AssignmentStatus status, string? actingUnitId, string note, CancellationToken cancellationToken)
    {
        var assignment = await incidents.GetAssignmentAsync(assignmentId)
            ?? throw new AssignmentException("assignment_id", "NOT_FOUND", $"assignment {assignmentId} does not exist", notFound: true);
        if (actingUnitId is not null && assignment.UnitId != actingUnitId)
        {
            throw new AssignmentException("assignment_id", "NOT_YOURS", $"assignment {assignmentId} belongs to another unit");
        }
        if (assignment.Status == status)
        {
            return assignment; // a repeated acknowledgement or update is not an error
        }
        if (AssignmentTransitions.Check(assignment.Status, status) is { } refusal)
        {
            throw new AssignmentException("status", "INVALID_TRANSITION", refusal);
        }

        var previous = assignment.Status;
        var now = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        assignment.Status = status;
        assignment.StatusAt = now;
        await incidents.SaveAssignmentAsync(assignment);

        var kind = status == AssignmentStatus.Acknowledged ? TimelineEntryKind.Acknowledged : TimelineEntryKind.StatusChanged;
        var summary = $"{assignment.UnitId}: {previous} → {status}" + (string.IsNullOrWhiteSpace(note) ? "" : $" ({note.Trim()})");
        await incidents.AppendTimelineAsync(assignment.IncidentId, Timeline.Entry(clock, kind, summary, assignment.UnitId, assignment.AssignmentId));
        await publisher.PublishAsync(Topics.Assignments, assignment.IncidentId, new AssignmentChanged
        {
            Metadata = publisher.NewMetadata(now),
            Assignment = assignment,
            PreviousStatus = previous,
            Reason = summary,
        }, cancellationToken);

        await unitService.FollowAssignmentAsync(assignment, cancellationToken);
        return assignment;
    }
}
