using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Domain;

/// <summary>The assignment lifecycle: forward only; resolved and withdrawn are final.</summary>
public static class AssignmentTransitions
{
    private static int Rank(AssignmentStatus status) => status switch
    {
        AssignmentStatus.Pending => 0,
        AssignmentStatus.Acknowledged => 1,
        AssignmentStatus.EnRoute => 2,
        AssignmentStatus.OnScene => 3,
        AssignmentStatus.Resolved => 4,
        _ => -1,
    };

    /// <summary>Null when allowed, otherwise why not.</summary>
    public static string? Check(AssignmentStatus from, AssignmentStatus to)
    {
        if (from is AssignmentStatus.Resolved or AssignmentStatus.Withdrawn)
        {
            return $"the assignment is already {from}";
        }
        if (to is not (AssignmentStatus.Acknowledged or AssignmentStatus.EnRoute or AssignmentStatus.OnScene or AssignmentStatus.Resolved))
        {
            return $"{to} cannot be set by a unit";
        }
        return Rank(to) <= Rank(from) ? $"cannot go from {from} back to {to}" : null;
    }

    /// <summary>
    /// Moves the assignment to <paramref name="to"/> at <paramref name="now"/>, stamping the time of
    /// every step it passes (a unit that reports on scene without en route was en route until then).
    /// </summary>
    public static void Apply(Assignment assignment, AssignmentStatus to, DateTimeOffset now)
    {
        var at = Timestamp.FromDateTimeOffset(now);
        var rank = Rank(to);
        if (rank >= Rank(AssignmentStatus.Acknowledged))
        {
            assignment.AcknowledgedAt ??= at;
        }
        if (rank >= Rank(AssignmentStatus.EnRoute))
        {
            assignment.EnRouteAt ??= at;
        }
        if (rank >= Rank(AssignmentStatus.OnScene))
        {
            assignment.OnSceneAt ??= at;
        }
        if (to is AssignmentStatus.Resolved or AssignmentStatus.Withdrawn)
        {
            assignment.EndedAt ??= at;
        }
        assignment.Status = to;
        assignment.StatusAt = at;
    }

    public static bool IsActive(AssignmentStatus status) => status is AssignmentStatus.Pending or AssignmentStatus.Acknowledged or AssignmentStatus.EnRoute or AssignmentStatus.OnScene;

    /// <summary>What the unit is doing while its assignment is in <paramref name="status"/>.</summary>
    public static UnitStatus UnitStatusFor(AssignmentStatus status) => status switch
    {
        AssignmentStatus.EnRoute => UnitStatus.EnRoute,
        AssignmentStatus.OnScene => UnitStatus.OnScene,
        AssignmentStatus.Resolved or AssignmentStatus.Withdrawn => UnitStatus.Available,
        _ => UnitStatus.Assigned,
    };
}
