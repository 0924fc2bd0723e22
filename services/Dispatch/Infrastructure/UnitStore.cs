using System.Globalization;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Where every unit is and what it is doing, in Redis: the truth every replica's index follows.
/// Every change of status, session or profile goes through a script on the unit's own hash that
/// also increments its version, so copies of the state can be ordered.
/// </summary>
public sealed class UnitStore(IConnectionMultiplexer redis)
{
    private static readonly RedisValue[] StateFields = ["profile", "status", "session", "lat", "lon", "posAt", "assignment", "ver"];

    // A unit that reconnects while on an assignment keeps it (and its status); otherwise it takes the status it reports.
    private static readonly LuaScript RegisterScript = LuaScript.Prepare("""
        if redis.call('HEXISTS', @unit, 'assignment') == 0 then
          redis.call('HSET', @unit, 'status', @status)
        end
        redis.call('HSET', @unit, 'profile', @profile, 'session', @session, 'lat', @lat, 'lon', @lon, 'posAt', @posAt)
        return redis.call('HINCRBY', @unit, 'ver', 1)
        """);

    // Claims only an available unit with an open stream and no assignment. Claiming again with the
    // same assignment id succeeds (a retried dispatch). Returns the new version, or 0 when refused.
    private static readonly LuaScript ClaimScript = LuaScript.Prepare("""
        local current = redis.call('HGET', @unit, 'assignment')
        if current == @assignment then return tonumber(redis.call('HGET', @unit, 'ver')) end
        if current then return 0 end
        if redis.call('HGET', @unit, 'status') ~= @available then return 0 end
        local session = redis.call('HGET', @unit, 'session')
        if not session or session == '' then return 0 end
        redis.call('HSET', @unit, 'status', @assigned, 'assignment', @assignment)
        return redis.call('HINCRBY', @unit, 'ver', 1)
        """);

    // Frees the unit only from this assignment (it may be on another one by now).
    private static readonly LuaScript ReleaseScript = LuaScript.Prepare("""
        if redis.call('HGET', @unit, 'assignment') == @assignment then
          redis.call('HDEL', @unit, 'assignment')
          redis.call('HSET', @unit, 'status', @available)
          return redis.call('HINCRBY', @unit, 'ver', 1)
        end
        return 0
        """);

    // The unit's status follows its assignment (en route, on scene), only while it is on that assignment.
    private static readonly LuaScript FollowScript = LuaScript.Prepare("""
        if redis.call('HGET', @unit, 'assignment') == @assignment then
          redis.call('HSET', @unit, 'status', @status)
          return redis.call('HINCRBY', @unit, 'ver', 1)
        end
        return 0
        """);

    // A status the unit sets itself (available, busy, off duty): refused while it has an assignment,
    // because "available" then would let a second incident claim it. -1: unknown unit.
    private static readonly LuaScript SelfStatusScript = LuaScript.Prepare("""
        if redis.call('HEXISTS', @unit, 'profile') == 0 then return -1 end
        if redis.call('HEXISTS', @unit, 'assignment') == 1 then return 0 end
        redis.call('HSET', @unit, 'status', @status)
        return redis.call('HINCRBY', @unit, 'ver', 1)
        """);

    // Only the session that owns the unit may end it: a newer connection may have replaced it already.
    private static readonly LuaScript ReleaseSessionScript = LuaScript.Prepare("""
        if redis.call('HGET', @unit, 'session') == @session then
          redis.call('HDEL', @unit, 'session')
          return redis.call('HINCRBY', @unit, 'ver', 1)
        end
        return 0
        """);

    private IDatabase Db => redis.GetDatabase();

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Status(UnitStatus status) => ((int)status).ToString(CultureInfo.InvariantCulture);

    public async Task<UnitState> RegisterAsync(Hello hello, string sessionId, DateTimeOffset now)
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
        var status = hello.Status == UnitStatus.Unspecified ? UnitStatus.Available : hello.Status;
        var batch = Db.CreateBatch();
        var write = batch.ScriptEvaluateAsync(RegisterScript, new
        {
            unit = (RedisKey)RedisKeys.Unit(hello.UnitId),
            status = Status(status),
            profile = profile.ToByteArray(),
            session = sessionId,
            lat = Number(hello.Position.Latitude),
            lon = Number(hello.Position.Longitude),
            posAt = now.ToUnixTimeMilliseconds(),
        });
        var index = batch.SetAddAsync(RedisKeys.UnitIndex, hello.UnitId);
        batch.Execute();
        await Task.WhenAll(write, index);
        return (await GetAsync(hello.UnitId))!;
    }

    public Task UpdatePositionAsync(string unitId, GeoPoint position, DateTimeOffset at)
        => Db.HashSetAsync(RedisKeys.Unit(unitId),
        [
            new("lat", Number(position.Latitude)),
            new("lon", Number(position.Longitude)),
            new("posAt", at.ToUnixTimeMilliseconds()),
        ]);

    /// <summary>New version, 0 when the unit has an assignment, -1 when it is unknown.</summary>
    public async Task<long> SetOwnStatusAsync(string unitId, UnitStatus status)
        => (long)await Db.ScriptEvaluateAsync(SelfStatusScript, new { unit = (RedisKey)RedisKeys.Unit(unitId), status = Status(status) });

    public async Task<bool> ReleaseSessionAsync(string unitId, string sessionId)
        => (long)await Db.ScriptEvaluateAsync(ReleaseSessionScript, new { unit = (RedisKey)RedisKeys.Unit(unitId), session = sessionId }) > 0;

    /// <summary>The unit's new version when claimed for the assignment (or already was), 0 when it cannot be.</summary>
    public async Task<long> TryClaimAsync(string unitId, string assignmentId)
        => (long)await Db.ScriptEvaluateAsync(ClaimScript, new
        {
            unit = (RedisKey)RedisKeys.Unit(unitId),
            assignment = assignmentId,
            available = Status(UnitStatus.Available),
            assigned = Status(UnitStatus.Assigned),
        });

    /// <summary>The unit's new version when freed from the assignment, 0 when it was not on it.</summary>
    public async Task<long> ReleaseAsync(string unitId, string assignmentId)
        => (long)await Db.ScriptEvaluateAsync(ReleaseScript, new
        {
            unit = (RedisKey)RedisKeys.Unit(unitId),
            assignment = assignmentId,
            available = Status(UnitStatus.Available),
        });

    public async Task<long> FollowAssignmentAsync(string unitId, string assignmentId, UnitStatus status)
        => (long)await Db.ScriptEvaluateAsync(FollowScript, new
        {
            unit = (RedisKey)RedisKeys.Unit(unitId),
            assignment = assignmentId,
            status = Status(status),
        });

    /// <summary>Remembers a withdrawal so a terminal that was away when it happened is told on reconnect.</summary>
    public async Task RememberWithdrawalAsync(string unitId, string assignmentId, DateTimeOffset at, TimeSpan memory)
    {
        var key = RedisKeys.UnitWithdrawals(unitId);
        var batch = Db.CreateBatch();
        var add = batch.SortedSetAddAsync(key, assignmentId, at.ToUnixTimeMilliseconds());
        var trim = batch.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, (at - memory).ToUnixTimeMilliseconds());
        batch.Execute();
        await Task.WhenAll(add, trim);
    }

    public async Task<IReadOnlyList<string>> RecentWithdrawalsAsync(string unitId, DateTimeOffset since)
        => (await Db.SortedSetRangeByScoreAsync(RedisKeys.UnitWithdrawals(unitId), since.ToUnixTimeMilliseconds())).Select(v => v.ToString()).ToList();

    public async Task<UnitState?> GetAsync(string unitId)
        => (await ReadManyAsync([unitId])).FirstOrDefault();

    public async Task<IReadOnlyList<UnitState>> ListAsync()
    {
        var ids = (await Db.SetMembersAsync(RedisKeys.UnitIndex)).Select(id => id.ToString()).ToList();
        var states = new List<UnitState>(ids.Count);
        foreach (var chunk in ids.Chunk(2_000))
        {
            states.AddRange(await ReadManyAsync(chunk));
        }
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
            state.Version = fields[7].IsNull ? 0 : (long)fields[7];
            states.Add(state);
        }
        return states;
    }
}
