using System.Globalization;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>Where every unit is and what it is doing, in Redis.</summary>
public sealed class UnitStore(IConnectionMultiplexer redis, TimeProvider clock)
{
    private static readonly RedisValue[] StateFields = ["profile", "status", "session", "lat", "lon", "posAt", "assignment"];

    // Claim only an available unit with an open stream; re-claiming with the same assignment id succeeds (idempotent retry).
    private static readonly LuaScript ClaimScript = LuaScript.Prepare("""
        local current = redis.call('HGET', @unit, 'assignment')
        if current == @assignment then return 1 end
        if redis.call('HGET', @unit, 'status') ~= @available then return 0 end
        local session = redis.call('HGET', @unit, 'session')
        if not session or session == '' then return 0 end
        redis.call('HSET', @unit, 'status', @assigned, 'assignment', @assignment)
        return 1
        """);

    // Only the session that owns the unit may end it: a newer connection may have replaced it already.
    private static readonly LuaScript ReleaseSessionScript = LuaScript.Prepare("""
        if redis.call('HGET', @unit, 'session') == @session then
          redis.call('HDEL', @unit, 'session')
          return 1
        end
        return 0
        """);

    // Frees the unit only from this assignment (it may already have been reassigned).
    private static readonly LuaScript ReleaseAssignmentScript = LuaScript.Prepare("""
        if redis.call('HGET', @unit, 'assignment') == @assignment then
          redis.call('HDEL', @unit, 'assignment')
          redis.call('HSET', @unit, 'status', @available)
          return 1
        end
        return 0
        """);

    private IDatabase Db => redis.GetDatabase();

    public async Task<UnitState> RegisterAsync(Hello hello, string sessionId)
    {
        var profile = new UnitState
        {
            UnitId = hello.UnitId,
            CallSign = hello.CallSign,
            Kind = hello.Kind,
            HomeArea = hello.HomeArea,
            Capabilities = { hello.Capabilities },
            Languages = { hello.Languages },
        };
        var key = RedisKeys.Unit(hello.UnitId);
        var existing = await Db.HashGetAsync(key, "assignment");
        // A unit that reconnects while on an assignment keeps it; otherwise it takes the status it reports.
        var status = !existing.IsNullOrEmpty ? (UnitStatus?)null : hello.Status == UnitStatus.Unspecified ? UnitStatus.Available : hello.Status;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var fields = new List<HashEntry>
        {
            new("profile", profile.ToByteArray()),
            new("session", sessionId),
            new("lat", hello.Position.Latitude.ToString("R", CultureInfo.InvariantCulture)),
            new("lon", hello.Position.Longitude.ToString("R", CultureInfo.InvariantCulture)),
            new("posAt", now),
        };
        if (status is { } s)
        {
            fields.Add(new("status", (int)s));
        }
        var batch = Db.CreateBatch();
        var write = batch.HashSetAsync(key, fields.ToArray());
        var geo = batch.GeoAddAsync(RedisKeys.UnitPositions, hello.Position.Longitude, hello.Position.Latitude, hello.UnitId);
        var index = batch.SetAddAsync(RedisKeys.UnitIndex, hello.UnitId);
        batch.Execute();
        await Task.WhenAll(write, geo, index);
        return (await GetAsync(hello.UnitId))!;
    }

    public async Task UpdatePositionAsync(string unitId, GeoPoint position, DateTimeOffset at)
    {
        var batch = Db.CreateBatch();
        var write = batch.HashSetAsync(RedisKeys.Unit(unitId),
        [
            new("lat", position.Latitude.ToString("R", CultureInfo.InvariantCulture)),
            new("lon", position.Longitude.ToString("R", CultureInfo.InvariantCulture)),
            new("posAt", at.ToUnixTimeMilliseconds()),
        ]);
        var geo = batch.GeoAddAsync(RedisKeys.UnitPositions, position.Longitude, position.Latitude, unitId);
        batch.Execute();
        await Task.WhenAll(write, geo);
    }

    public Task SetStatusAsync(string unitId, UnitStatus status)
        => Db.HashSetAsync(RedisKeys.Unit(unitId), "status", (int)status);

    public async Task<bool> ReleaseSessionAsync(string unitId, string sessionId)
        => (int)await Db.ScriptEvaluateAsync(ReleaseSessionScript, new { unit = (RedisKey)RedisKeys.Unit(unitId), session = sessionId }) == 1;

    public async Task<bool> TryClaimAsync(string unitId, string assignmentId)
        => (int)await Db.ScriptEvaluateAsync(ClaimScript, new
        {
            unit = (RedisKey)RedisKeys.Unit(unitId),
            assignment = assignmentId,
            available = ((int)UnitStatus.Available).ToString(CultureInfo.InvariantCulture),
            assigned = (int)UnitStatus.Assigned,
        }) == 1;

    public async Task<bool> ReleaseAssignmentAsync(string unitId, string assignmentId)
        => (int)await Db.ScriptEvaluateAsync(ReleaseAssignmentScript, new
        {
            unit = (RedisKey)RedisKeys.Unit(unitId),
            assignment = assignmentId,
            available = (int)UnitStatus.Available,
        }) == 1;

    /// <summary>Units nearest to <paramref name="location"/>, nearest first.</summary>
    public async Task<IReadOnlyList<UnitCandidate>> FindNearAsync(GeoPoint location, double radiusMeters, int count)
    {
        var hits = await Db.GeoSearchAsync(RedisKeys.UnitPositions, location.Longitude, location.Latitude,
            new GeoSearchCircle(radiusMeters, GeoUnit.Meters), count, demandClosest: true, order: Order.Ascending,
            options: GeoRadiusOptions.None);
        var states = await ReadManyAsync(hits.Select(h => h.Member.ToString()).ToList());
        return states.Select(ToCandidate).ToList();
    }

    public async Task<UnitState?> GetAsync(string unitId)
        => (await ReadManyAsync([unitId])).FirstOrDefault();

    public async Task<IReadOnlyList<UnitState>> ListAsync()
    {
        var ids = await Db.SetMembersAsync(RedisKeys.UnitIndex);
        var states = await ReadManyAsync(ids.Select(id => id.ToString()).ToList());
        return states.OrderBy(s => s.UnitId, StringComparer.Ordinal).ToList();
    }

    private async Task<IReadOnlyList<UnitState>> ReadManyAsync(IReadOnlyList<string> unitIds)
    {
        var batch = Db.CreateBatch();
        var reads = unitIds.Select(id => batch.HashGetAsync(RedisKeys.Unit(id), StateFields)).ToList();
        batch.Execute();
        var values = await Task.WhenAll(reads);
        var states = new List<UnitState>(values.Length);
        foreach (var fields in values)
        {
            if (fields[0].IsNull)
            {
                continue; // removed between the index read and this one
            }
            var state = UnitState.Parser.ParseFrom((byte[])fields[0]!);
            state.Status = fields[1].IsNull ? UnitStatus.Unspecified : (UnitStatus)(int)fields[1];
            state.Connected = !fields[2].IsNullOrEmpty;
            state.Position = new GeoPoint
            {
                Latitude = double.Parse(fields[3].ToString(), CultureInfo.InvariantCulture),
                Longitude = double.Parse(fields[4].ToString(), CultureInfo.InvariantCulture),
            };
            state.PositionAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds((long)fields[5]));
            state.CurrentAssignmentId = fields[6].IsNull ? "" : fields[6].ToString();
            states.Add(state);
        }
        return states;
    }

    private static UnitCandidate ToCandidate(UnitState state) => new(
        state.UnitId, state.Kind, state.Status, state.Connected, state.Position, state.PositionAt.ToDateTimeOffset());
}
