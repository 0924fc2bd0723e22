using Contracts.Common.V1;
using Dispatch.Domain;

namespace Dispatch.UnitTests;

public sealed class AssignmentTransitionsTests
{
    [Theory]
    [InlineData(AssignmentStatus.Pending, AssignmentStatus.Acknowledged)]
    [InlineData(AssignmentStatus.Acknowledged, AssignmentStatus.EnRoute)]
    [InlineData(AssignmentStatus.EnRoute, AssignmentStatus.OnScene)]
    [InlineData(AssignmentStatus.OnScene, AssignmentStatus.Resolved)]
    // Skipping ahead is still forward.
    [InlineData(AssignmentStatus.Pending, AssignmentStatus.EnRoute)]
    [InlineData(AssignmentStatus.Pending, AssignmentStatus.Resolved)]
    [InlineData(AssignmentStatus.Acknowledged, AssignmentStatus.OnScene)]
    [InlineData(AssignmentStatus.EnRoute, AssignmentStatus.Resolved)]
    public void Forward_moves_are_allowed(AssignmentStatus from, AssignmentStatus to)
        => Assert.Null(AssignmentTransitions.Check(from, to));

    [Theory]
    [InlineData(AssignmentStatus.Acknowledged, AssignmentStatus.Acknowledged)]
    [InlineData(AssignmentStatus.EnRoute, AssignmentStatus.EnRoute)]
    [InlineData(AssignmentStatus.OnScene, AssignmentStatus.OnScene)]
    [InlineData(AssignmentStatus.EnRoute, AssignmentStatus.Acknowledged)]
    [InlineData(AssignmentStatus.OnScene, AssignmentStatus.EnRoute)]
    [InlineData(AssignmentStatus.OnScene, AssignmentStatus.Acknowledged)]
    public void Backward_and_same_rank_moves_are_refused(AssignmentStatus from, AssignmentStatus to)
    {
        var reason = AssignmentTransitions.Check(from, to);

        Assert.NotNull(reason);
        Assert.Contains("back", reason);
    }

    [Theory]
    [InlineData(AssignmentStatus.Resolved, AssignmentStatus.Acknowledged)]
    [InlineData(AssignmentStatus.Resolved, AssignmentStatus.OnScene)]
    [InlineData(AssignmentStatus.Resolved, AssignmentStatus.Resolved)]
    [InlineData(AssignmentStatus.Resolved, AssignmentStatus.Withdrawn)]
    [InlineData(AssignmentStatus.Withdrawn, AssignmentStatus.Acknowledged)]
    [InlineData(AssignmentStatus.Withdrawn, AssignmentStatus.Resolved)]
    [InlineData(AssignmentStatus.Withdrawn, AssignmentStatus.Withdrawn)]
    public void Resolved_and_withdrawn_are_final(AssignmentStatus from, AssignmentStatus to)
    {
        var reason = AssignmentTransitions.Check(from, to);

        Assert.NotNull(reason);
        Assert.Contains("already", reason);
    }

    [Theory]
    [InlineData(AssignmentStatus.Pending, AssignmentStatus.Pending)]
    [InlineData(AssignmentStatus.Acknowledged, AssignmentStatus.Pending)]
    [InlineData(AssignmentStatus.Pending, AssignmentStatus.Withdrawn)]
    [InlineData(AssignmentStatus.EnRoute, AssignmentStatus.Withdrawn)]
    [InlineData(AssignmentStatus.Pending, AssignmentStatus.Unspecified)]
    [InlineData(AssignmentStatus.Pending, (AssignmentStatus)99)]
    public void Pending_withdrawn_and_unknown_targets_cannot_be_set_by_a_unit(AssignmentStatus from, AssignmentStatus to)
    {
        var reason = AssignmentTransitions.Check(from, to);

        Assert.NotNull(reason);
        Assert.Contains("cannot be set by a unit", reason);
    }

    [Theory]
    [InlineData(AssignmentStatus.Pending, UnitStatus.Assigned)]
    [InlineData(AssignmentStatus.Acknowledged, UnitStatus.Assigned)]
    [InlineData(AssignmentStatus.EnRoute, UnitStatus.EnRoute)]
    [InlineData(AssignmentStatus.OnScene, UnitStatus.OnScene)]
    [InlineData(AssignmentStatus.Resolved, UnitStatus.Available)]
    [InlineData(AssignmentStatus.Withdrawn, UnitStatus.Available)]
    public void The_unit_status_follows_the_assignment(AssignmentStatus assignment, UnitStatus unit)
        => Assert.Equal(unit, AssignmentTransitions.UnitStatusFor(assignment));
}

public sealed class AssignmentTransitionsApplyTests
{
    private static readonly DateTimeOffset T = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Skipping_steps_stamps_each_one_passed()
    {
        var assignment = new Contracts.Common.V1.Assignment { Status = Contracts.Common.V1.AssignmentStatus.Pending };

        Dispatch.Domain.AssignmentTransitions.Apply(assignment, Contracts.Common.V1.AssignmentStatus.OnScene, T);

        Assert.Equal(T, assignment.AcknowledgedAt.ToDateTimeOffset());
        Assert.Equal(T, assignment.EnRouteAt.ToDateTimeOffset());
        Assert.Equal(T, assignment.OnSceneAt.ToDateTimeOffset());
        Assert.Null(assignment.EndedAt);
    }

    [Fact]
    public void Earlier_stamps_are_kept_and_withdrawal_stamps_only_the_end()
    {
        var assignment = new Contracts.Common.V1.Assignment { Status = Contracts.Common.V1.AssignmentStatus.Pending };
        Dispatch.Domain.AssignmentTransitions.Apply(assignment, Contracts.Common.V1.AssignmentStatus.Acknowledged, T);

        Dispatch.Domain.AssignmentTransitions.Apply(assignment, Contracts.Common.V1.AssignmentStatus.Withdrawn, T.AddSeconds(30));

        Assert.Equal(T, assignment.AcknowledgedAt.ToDateTimeOffset());
        Assert.Null(assignment.EnRouteAt);
        Assert.Equal(T.AddSeconds(30), assignment.EndedAt.ToDateTimeOffset());
        Assert.Equal(Contracts.Common.V1.AssignmentStatus.Withdrawn, assignment.Status);
    }
}
