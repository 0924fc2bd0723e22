using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Application;

/// <summary>Unit lifecycle changes: stored in Redis, applied to this replica's index at once, and published so every other replica and every operator follows.</summary>
public sealed class UnitService(UnitStore units, UnitIndex index, DispatchEvents events, DispatchMetrics metrics, TimeProvider clock)
{
    public async Task<UnitState> ConnectAsync(Hello hello, string sessionId, CancellationToken cancellationToken)
    {
        var previous = (await units.GetAsync(hello.UnitId))?.Status ?? UnitStatus.Unspecified;
        var state = await units.RegisterAsync(hello, sessionId, clock.GetUtcNow());
        index.Apply(state);
        await events.UnitChangedAsync(state, previous, cancellationToken);
        return state;
    }

    public async Task DisconnectAsync(string unitId, string sessionId, CancellationToken cancellationToken)
    {
        if (await units.ReleaseSessionAsync(unitId, sessionId))
        {
            await PublishCurrentAsync(unitId, null, cancellationToken);
        }
    }

    /// <summary>A position fix from the unit's terminal; a fix stamped in the future (clock skew) counts as now.</summary>
    public async Task UpdatePositionAsync(string unitId, GeoPoint position, Timestamp? at, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var fix = at is null ? now : at.ToDateTimeOffset() > now ? now : at.ToDateTimeOffset();
        metrics.Position();
        await units.UpdatePositionAsync(unitId, position, fix);
        index.Move(unitId, position.Latitude, position.Longitude, fix);
        await events.UnitMovedAsync(unitId, position, fix, cancellationToken);
    }

    /// <summary>A status the unit reports itself (available, busy, off duty). Null: refused because the unit is on an assignment.</summary>
    public async Task<UnitState?> SetOwnStatusAsync(string unitId, UnitStatus status, CancellationToken cancellationToken)
    {
        var before = await units.GetAsync(unitId);
        if (before is null || before.Status == status)
        {
            return before;
        }
        if (await units.SetOwnStatusAsync(unitId, status) <= 0)
        {
            return null;
        }
        return await PublishCurrentAsync(unitId, before.Status, cancellationToken);
    }

    /// <summary>Reads the unit as stored now, applies it to the index and publishes it.</summary>
    public async Task<UnitState?> PublishCurrentAsync(string unitId, UnitStatus? previous, CancellationToken cancellationToken)
    {
        if (await units.GetAsync(unitId) is not { } state)
        {
            return null;
        }
        index.Apply(state);
        await events.UnitChangedAsync(state, previous ?? state.Status, cancellationToken);
        return state;
    }
}
