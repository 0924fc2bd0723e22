using System.Globalization;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>What Dispatch holds about an incident besides its timeline and assignments.</summary>
public sealed record IncidentMeta(Incident? Incident, IncidentState State, string MergedInto, string? MergeDecision, bool Dispatched, string PlanId);

/// <summary>Incidents, their timelines and their assignments, in Redis. Every script touches keys of one incident or one assignment.</summary>
public sealed class IncidentStore(IConnectionMultiplexer redis)
{
    private const string AssignmentFieldPrefix = "asg:";
    private const string TierFieldPrefix = "tier:";
    private const string TierOnSceneFieldPrefix = "tierOnScene:";
    private const string TierOutcomeFieldPrefix = "tierOutcome:";
    private const string Open = "open";
    private const string Closed = "closed";
    private const string Merged = "merged";

    /// <summary>Tier numbers from here on are added by alerts and support requests, after a plan's own tiers.</summary>
    public const int FirstExtraTier = 11;

    // A timeline entry is appended once per entry id, however often the step that writes it is retried.
    private static readonly LuaScript AppendScript = LuaScript.Prepare("""
        if redis.call('SADD', @ids, @id) == 1 then
          redis.call('RPUSH', @timeline, @entry)
          return 1
        end
        return 0
        """);

    // The unit a slot is about to claim: the first writer decides, so concurrent or retried attempts converge on one unit.
    private static readonly LuaScript ReserveSlotScript = LuaScript.Prepare("""
        local unit = redis.call('HGET', @assignment, 'unit')
        if unit and unit ~= '' then return unit end
        redis.call('HSET', @assignment, 'unit', @candidate)
        return @candidate
        """);

    private static readonly LuaScript ReleaseSlotScript = LuaScript.Prepare("""
        if redis.call('HGET', @assignment, 'unit') == @candidate and redis.call('HEXISTS', @assignment, 'data') == 0 then
          redis.call('HDEL', @assignment, 'unit')
          return 1
        end
        return 0
        """);

    // Compare-and-set on the assignment's version: an acknowledgement, a status update and a timeout
    // racing each other cannot overwrite one another. Expected version 0 creates it.
    private static readonly LuaScript ReplaceAssignmentScript = LuaScript.Prepare("""
        local version = tonumber(redis.call('HGET', @assignment, 'ver') or '0')
        if version ~= tonumber(@expected) then return 0 end
        redis.call('HSET', @assignment, 'data', @data, 'ver', version + 1)
        if @demand ~= '' then redis.call('HSET', @assignment, 'demand', @demand) end
        return version + 1
        """);

    // Keeps the smallest value (first-response times may be reported out of order by different replicas).
    private static readonly LuaScript SetMinScript = LuaScript.Prepare("""
        local current = redis.call('HGET', @incident, @field)
        if not current or tonumber(current) > tonumber(@value) then
          redis.call('HSET', @incident, @field, @value)
          return 1
        end
        return 0
        """);

    // Open -> closed or merged, once.
    private static readonly LuaScript EndScript = LuaScript.Prepare("""
        local state = redis.call('HGET', @incident, 'state')
        if state == @closed or state == @merged then return 0 end
        redis.call('HSET', @incident, 'state', @to)
        if @into ~= '' then redis.call('HSET', @incident, 'mergedInto', @into) end
        return 1
        """);

    // An extra tier number for an alert or support request, the same one however often it is asked for.
    private static readonly LuaScript AllocateTierScript = LuaScript.Prepare("""
        local tier = redis.call('HGET', @incident, @field)
        if tier then return tonumber(tier) end
        tier = redis.call('HINCRBY', @incident, 'extraTiers', 1) + tonumber(@first) - 1
        redis.call('HSET', @incident, @field, tier)
        return tier
        """);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Stores the incident once (the first copy wins) and reads what is known about it.</summary>
    public async Task<(bool IsNew, IncidentMeta Meta)> RecordAsync(Incident incident)
    {
        var key = RedisKeys.Incident(incident.IncidentId);
        var batch = Db.CreateBatch();
        var added = batch.HashSetAsync(key, "incident", incident.ToByteArray(), When.NotExists);
        var state = batch.HashSetAsync(key, "state", Open, When.NotExists);
        var byReceived = batch.SortedSetAddAsync(RedisKeys.IncidentsByReceived, incident.IncidentId, incident.ReceivedAt.ToDateTimeOffset().ToUnixTimeMilliseconds());
        batch.Execute();
        await Task.WhenAll(added, state, byReceived);
        return (await added, (await GetMetaAsync(incident.IncidentId))!);
    }

    public async Task<IncidentMeta?> GetMetaAsync(string incidentId)
    {
        var fields = await Db.HashGetAsync(RedisKeys.Incident(incidentId), ["incident", "state", "mergedInto", "mergeCheck", "dispatched", "plan"]);
        if (fields[0].IsNull && fields[3].IsNull)
        {
            return null;
        }
        return new IncidentMeta(
            fields[0].IsNull ? null : Incident.Parser.ParseFrom((byte[])fields[0]!),
            fields[1].ToString() switch { Closed => IncidentState.Closed, Merged => IncidentState.Merged, _ => IncidentState.Open },
            fields[2].ToString(),
            fields[3].IsNull ? null : fields[3].ToString(),
            !fields[4].IsNull,
            fields[5].ToString());
    }

    public Task MarkDispatchedAsync(string incidentId)
        => Db.HashSetAsync(RedisKeys.Incident(incidentId), "dispatched", 1);

    /// <summary>The plan chosen for the incident: the first decision stands.</summary>
    public async Task<string> DecidePlanAsync(string incidentId, string planId)
    {
        var key = RedisKeys.Incident(incidentId);
        await Db.HashSetAsync(key, "plan", planId, When.NotExists);
        return (await Db.HashGetAsync(key, "plan")).ToString();
    }

    /// <summary>Whether this report duplicates another incident ("" = no): the first decision stands, whoever made it.</summary>
    public async Task<string> DecideMergeAsync(string incidentId, string mergeInto)
    {
        var key = RedisKeys.Incident(incidentId);
        await Db.HashSetAsync(key, "mergeCheck", mergeInto, When.NotExists);
        return (await Db.HashGetAsync(key, "mergeCheck")).ToString();
    }

    /// <summary>Closes or merges an open incident; false when it had already ended.</summary>
    public async Task<bool> EndAsync(string incidentId, IncidentState state, string mergedInto = "")
    {
        var ended = (long)await Db.ScriptEvaluateAsync(EndScript, new
        {
            incident = (RedisKey)RedisKeys.Incident(incidentId),
            closed = Closed,
            merged = Merged,
            to = state == IncidentState.Merged ? Merged : Closed,
            into = mergedInto,
        }) == 1;
        if (ended)
        {
            await Db.GeoRemoveAsync(RedisKeys.OpenIncidents, incidentId);
        }
        return ended;
    }

    public Task AddOpenAsync(string incidentId, GeoPoint location)
        => Db.GeoAddAsync(RedisKeys.OpenIncidents, location.Longitude, location.Latitude, incidentId);

    public async Task<IReadOnlyList<string>> FindOpenNearAsync(GeoPoint location, double radiusMeters)
        => radiusMeters <= 0
            ? []
            : (await Db.GeoSearchAsync(RedisKeys.OpenIncidents, location.Longitude, location.Latitude, new GeoSearchCircle(radiusMeters, GeoUnit.Meters),
                count: 20, demandClosest: true, order: Order.Ascending, options: GeoRadiusOptions.None)).Select(r => r.Member.ToString()).ToList();

    public async Task<int> AllocateTierAsync(string incidentId, string reason)
        => (int)(long)await Db.ScriptEvaluateAsync(AllocateTierScript, new
        {
            incident = (RedisKey)RedisKeys.Incident(incidentId),
            field = "extra:" + reason,
            first = FirstExtraTier,
        });

    /// <summary>Appends entries whose ids are not on the timeline yet; a retry appends nothing twice.</summary>
    public async Task AppendTimelineAsync(string incidentId, params TimelineEntry[] entries)
    {
        var batch = Db.CreateBatch();
        var writes = entries.Select(e => batch.ScriptEvaluateAsync(AppendScript, new
        {
            ids = (RedisKey)RedisKeys.TimelineIds(incidentId),
            timeline = (RedisKey)RedisKeys.Timeline(incidentId),
            id = e.EntryId,
            entry = e.ToByteArray(),
        })).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    public async Task<string> ReserveSlotAsync(string assignmentId, string unitId)
        => (await Db.ScriptEvaluateAsync(ReserveSlotScript, new { assignment = (RedisKey)RedisKeys.Assignment(assignmentId), candidate = unitId })).ToString()!;

    public Task ReleaseSlotAsync(string assignmentId, string unitId)
        => Db.ScriptEvaluateAsync(ReleaseSlotScript, new { assignment = (RedisKey)RedisKeys.Assignment(assignmentId), candidate = unitId });

    /// <summary>Stores a new assignment; false when one with this id exists already (another attempt made it).</summary>
    public async Task<bool> CreateAssignmentAsync(Assignment assignment, UnitDemand demand)
    {
        var created = await ReplaceAsync(assignment, 0, demand.ToByteArray());
        if (created)
        {
            var batch = Db.CreateBatch();
            var link = batch.HashSetAsync(RedisKeys.Incident(assignment.IncidentId), AssignmentFieldPrefix + assignment.AssignmentId, assignment.UnitId);
            var first = batch.ScriptEvaluateAsync(SetMinScript, new
            {
                incident = (RedisKey)RedisKeys.Incident(assignment.IncidentId),
                field = "firstAssigned",
                value = assignment.AssignedAt.ToDateTimeOffset().ToUnixTimeMilliseconds(),
            });
            batch.Execute();
            await Task.WhenAll(link, first);
        }
        return created;
    }

    /// <summary>Replaces the assignment if nobody changed it since <paramref name="expectedVersion"/> was read.</summary>
    public Task<bool> TryUpdateAssignmentAsync(Assignment assignment, long expectedVersion)
        => ReplaceAsync(assignment, expectedVersion, []);

    private async Task<bool> ReplaceAsync(Assignment assignment, long expectedVersion, byte[] demand)
        => (long)await Db.ScriptEvaluateAsync(ReplaceAssignmentScript, new
        {
            assignment = (RedisKey)RedisKeys.Assignment(assignment.AssignmentId),
            expected = expectedVersion,
            data = assignment.ToByteArray(),
            demand,
        }) > 0;

    public async Task<(Assignment Assignment, long Version, UnitDemand? Demand)?> GetAssignmentAsync(string assignmentId)
    {
        var fields = await Db.HashGetAsync(RedisKeys.Assignment(assignmentId), ["data", "ver", "demand"]);
        if (fields[0].IsNull)
        {
            return null;
        }
        return (Assignment.Parser.ParseFrom((byte[])fields[0]!), (long)fields[1],
            fields[2].IsNullOrEmpty ? null : UnitDemand.Parser.ParseFrom((byte[])fields[2]!));
    }

    /// <summary>True the first time an assignment is pushed to a terminal; false for every re-delivery.</summary>
    public Task<bool> MarkPushedAsync(string assignmentId)
        => Db.HashSetAsync(RedisKeys.Assignment(assignmentId), "pushed", 1, When.NotExists);

    /// <summary>Records the time of a first response step (firstEnRoute, firstOnScene) if it is the earliest yet.</summary>
    public Task SetFirstAsync(string incidentId, string field, DateTimeOffset at)
        => Db.ScriptEvaluateAsync(SetMinScript, new { incident = (RedisKey)RedisKeys.Incident(incidentId), field, value = at.ToUnixTimeMilliseconds() });

    public Task DeclineAsync(string incidentId, string unitId) => Db.SetAddAsync(RedisKeys.Declined(incidentId), unitId);

    public async Task<IReadOnlyList<string>> DeclinedAsync(string incidentId)
        => (await Db.SetMembersAsync(RedisKeys.Declined(incidentId))).Select(v => v.ToString()).ToList();

    /// <summary>A tier as planned (target, units asked for and assigned, shortfall); the first record stands.</summary>
    public Task SaveTierAsync(string incidentId, TierStatus tier)
        => Db.HashSetAsync(RedisKeys.Incident(incidentId), TierFieldPrefix + tier.Tier.ToString(CultureInfo.InvariantCulture), tier.ToByteArray(), When.NotExists);

    /// <summary>A unit of the tier reached the scene; returns the tier's first on-scene time and its outcome as decided now or before.</summary>
    public async Task<(TierStatus? Tier, DateTimeOffset? FirstOnScene, TierOutcome Outcome)> TierOnSceneAsync(string incidentId, int tier, DateTimeOffset at, TierOutcome outcome)
    {
        var key = RedisKeys.Incident(incidentId);
        var name = tier.ToString(CultureInfo.InvariantCulture);
        await SetFirstAsync(incidentId, TierOnSceneFieldPrefix + name, at);
        if (outcome != TierOutcome.Pending)
        {
            await Db.HashSetAsync(key, TierOutcomeFieldPrefix + name, (int)outcome, When.NotExists);
        }
        return await GetTierAsync(incidentId, tier);
    }

    /// <summary>Decides a tier's outcome if not decided yet; returns the outcome that stands.</summary>
    public async Task<TierOutcome> DecideTierOutcomeAsync(string incidentId, int tier, TierOutcome outcome)
    {
        var field = TierOutcomeFieldPrefix + tier.ToString(CultureInfo.InvariantCulture);
        var key = RedisKeys.Incident(incidentId);
        await Db.HashSetAsync(key, field, (int)outcome, When.NotExists);
        return (TierOutcome)(int)await Db.HashGetAsync(key, field);
    }

    public async Task<(TierStatus? Tier, DateTimeOffset? FirstOnScene, TierOutcome Outcome)> GetTierAsync(string incidentId, int tier)
    {
        var name = tier.ToString(CultureInfo.InvariantCulture);
        var fields = await Db.HashGetAsync(RedisKeys.Incident(incidentId), [TierFieldPrefix + name, TierOnSceneFieldPrefix + name, TierOutcomeFieldPrefix + name]);
        return (fields[0].IsNull ? null : TierStatus.Parser.ParseFrom((byte[])fields[0]!),
            fields[1].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)fields[1]),
            fields[2].IsNull ? TierOutcome.Pending : (TierOutcome)(int)fields[2]);
    }

    /// <summary>The assignment ids of an incident.</summary>
    public async Task<IReadOnlyList<string>> AssignmentIdsAsync(string incidentId)
        => (await Db.HashKeysAsync(RedisKeys.Incident(incidentId)))
            .Select(k => k.ToString()).Where(k => k.StartsWith(AssignmentFieldPrefix, StringComparison.Ordinal))
            .Select(k => k[AssignmentFieldPrefix.Length..]).ToList();

    public async Task<IReadOnlyList<Assignment>> AssignmentsAsync(string incidentId)
    {
        var ids = await AssignmentIdsAsync(incidentId);
        var batch = Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync(RedisKeys.Assignment(id), "data")).ToList();
        batch.Execute();
        return (await Task.WhenAll(reads)).Where(v => !v.IsNull).Select(v => Assignment.Parser.ParseFrom((byte[])v!))
            .OrderBy(a => a.AssignedAt).ThenBy(a => a.Tier).ThenBy(a => a.SlotId, StringComparer.Ordinal).ThenBy(a => a.AssignmentId, StringComparer.Ordinal).ToList();
    }

    public async Task<IncidentRecord?> GetRecordAsync(string incidentId, DateTimeOffset now)
    {
        var batch = Db.CreateBatch();
        var hash = batch.HashGetAllAsync(RedisKeys.Incident(incidentId));
        var timeline = batch.ListRangeAsync(RedisKeys.Timeline(incidentId));
        batch.Execute();
        var fields = (await hash).ToDictionary(f => f.Name.ToString(), f => f.Value, StringComparer.Ordinal);
        if (!fields.TryGetValue("incident", out var incident))
        {
            return null;
        }

        var record = new IncidentRecord
        {
            Incident = Incident.Parser.ParseFrom((byte[])incident!),
            State = fields.GetValueOrDefault("state").ToString() switch { Closed => IncidentState.Closed, Merged => IncidentState.Merged, _ => IncidentState.Open },
            MergedInto = fields.GetValueOrDefault("mergedInto").ToString(),
            PlanId = fields.GetValueOrDefault("plan").ToString(),
        };
        record.Assignments.AddRange(await AssignmentsAsync(incidentId));
        record.Timeline.AddRange((await timeline).Select(v => TimelineEntry.Parser.ParseFrom((byte[])v!)));
        record.ResponseTimes = Domain.ResponseFigures.Compute(record.Incident.ReceivedAt, record.Assignments);
        record.Tiers.AddRange(Tiers(fields, now));
        return record;
    }

    private static IEnumerable<TierStatus> Tiers(Dictionary<string, RedisValue> fields, DateTimeOffset now)
    {
        foreach (var (name, value) in fields.Where(f => f.Key.StartsWith(TierFieldPrefix, StringComparison.Ordinal)))
        {
            var tier = TierStatus.Parser.ParseFrom((byte[])value!);
            var number = name[TierFieldPrefix.Length..];
            DateTimeOffset? onScene = fields.TryGetValue(TierOnSceneFieldPrefix + number, out var at) ? DateTimeOffset.FromUnixTimeMilliseconds((long)at) : null;
            tier.FirstOnSceneAt = onScene is { } o ? Timestamp.FromDateTimeOffset(o) : null;
            tier.Outcome = fields.TryGetValue(TierOutcomeFieldPrefix + number, out var decided)
                ? (TierOutcome)(int)decided
                : Domain.ResponseFigures.Outcome(tier.ArriveBy.ToDateTimeOffset(), onScene, now);
            yield return tier;
        }
    }

    /// <summary>Figures of every incident received in [from, to), for the statistics (at most <paramref name="limit"/>).</summary>
    public async Task<IReadOnlyList<(Incident Incident, Domain.ResponseFigures.IncidentFigures Figures)>> FiguresAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, int limit)
    {
        var ids = await Db.SortedSetRangeByScoreAsync(RedisKeys.IncidentsByReceived, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), Exclude.Stop, take: limit);
        var batch = Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAllAsync(RedisKeys.Incident(id.ToString()))).ToList();
        batch.Execute();
        var result = new List<(Incident, Domain.ResponseFigures.IncidentFigures)>();
        foreach (var read in reads)
        {
            var fields = (await read).ToDictionary(f => f.Name.ToString(), f => f.Value, StringComparer.Ordinal);
            if (!fields.TryGetValue("incident", out var data) || fields.GetValueOrDefault("state") == Merged)
            {
                continue; // a merged report is part of another incident's response
            }
            var incident = Incident.Parser.ParseFrom((byte[])data!);
            Timestamp? At(string field) => fields.TryGetValue(field, out var ms) ? Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds((long)ms)) : null;
            var times = Domain.ResponseFigures.Compute(incident.ReceivedAt,
            [
                new Assignment { AssignedAt = At("firstAssigned"), EnRouteAt = At("firstEnRoute"), OnSceneAt = At("firstOnScene") },
            ]);
            result.Add((incident, new Domain.ResponseFigures.IncidentFigures(times, Tiers(fields, now).ToList())));
        }
        return result;
    }
}
