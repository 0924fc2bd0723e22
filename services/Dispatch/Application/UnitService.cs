using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Events.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Messaging;

namespace Dispatch.Application;

/// <summary>Unit lifecycle changes, each published to units.v1 so operators see them.</summary>
public sealed class UnitService(UnitStore units, EventPublisher publisher, TimeProvider clock)
{
    public async Task<UnitState> ConnectAsync(Hello hello, string sessionId, CancellationToken cancellationToken)
    {
        var previous = (await units.GetAsync(hello.UnitId))?.Status ?? UnitStatus.Unspecified;
        var state = await units.RegisterAsync(hello, sessionId);
        await PublishAsync(state, previous, cancellationToken);
        return state;
    }

    public async Task DisconnectAsync(string unitId, string sessionId, CancellationToken cancellationToken)
    {
        if (await units.ReleaseSessionAsync(unitId, sessionId) && await units.GetAsync(unitId) is { } state)
        {
            await PublishAsync(state, state.Status, cancellationToken);
        }
    }

    public Task UpdatePositionAsync(string unitId, GeoPoint position, Timestamp? at)
        => units.UpdatePositionAsync(unitId, position, at?.ToDateTimeOffset() ?? clock.GetUtcNow());

    /// <summary>A status the unit reports itself (busy, off duty, available). Assignment-driven statuses come from its assignment.</summary>
    public async Task<UnitState?> SetStatusAsync(string unitId, UnitStatus status, CancellationToken cancellationToken)
    {
        var before = await units.GetAsync(unitId);
        if (before is null || before.Status == status)
        {
            return before;
        }
        await units.SetStatusAsync(unitId, status);
        var after = (await units.GetAsync(unitId))!;
        await PublishAsync(after, before.Status, cancellationToken);
        return after;
    }

    /// <summary>Moves the unit along with its assignment; a resolved assignment frees the unit.</summary>
    public async Task FollowAssignmentAsync(Assignment assignment, CancellationToken cancellationToken)
    {
        var before = await units.GetAsync(assignment.UnitId);
        if (before is null || before.CurrentAssignmentId != assignment.AssignmentId)
        {
            return;
        }
        var target = AssignmentTransitions.UnitStatusFor(assignment.Status);
        if (target == UnitStatus.Available)
        {
            await units.ReleaseAssignmentAsync(assignment.UnitId, assignment.AssignmentId);
        }
        else
        {
            await units.SetStatusAsync(assignment.UnitId, target);
        }
        var after = (await units.GetAsync(assignment.UnitId))!;
        if (after.Status != before.Status)
        {
            await PublishAsync(after, before.Status, cancellationToken);
        }
    }

    /// <summary>Tells operators a unit was claimed for an incident (the claim itself is the unit store's atomic script).</summary>
    public async Task AnnounceClaimAsync(string unitId, CancellationToken cancellationToken)
    {
        if (await units.GetAsync(unitId) is { } state)
        {
            await PublishAsync(state, UnitStatus.Available, cancellationToken);
        }
    }

    private Task PublishAsync(UnitState state, UnitStatus previous, CancellationToken cancellationToken)
        => publisher.PublishAsync(Topics.Units, state.UnitId, new UnitStatusChanged
        {
            Metadata = publisher.NewMetadata(Timestamp.FromDateTimeOffset(clock.GetUtcNow())),
            Unit = state,
            PreviousStatus = previous,
        }, cancellationToken);
}
