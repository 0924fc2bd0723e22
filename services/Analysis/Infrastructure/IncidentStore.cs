using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Every incident consumed, under its own key as a plain string (tag = incident id), marked analysing until its analysis
/// has written all its own links, then analysed; and its links, for the few incidents that have any, as fields of a hash
/// under the same tag: GetIncidentLinks is one round trip. A string costs the server far less than a hash per incident
/// (Garnet keeps a hash as a .NET object on its heap, a string in its log). Both keys expire with the retention, counted
/// from when Intake received the incident, so re-processing never extends it. Writes overwrite, so a redelivered incident
/// leaves the same state.
/// </summary>
public sealed class IncidentStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Stores each incident, as being analysed, until its expiry (the caller skips incidents already past it), in one round
    /// trip. Returns what <see cref="MarkAnalysedAsync"/> rewrites.
    /// </summary>
    public async Task<SavedIncidents> SaveAnalysingAsync(IReadOnlyCollection<(Incident Incident, DateTimeOffset ExpiresAt)> incidents)
    {
        var saved = incidents.Select(i => (Key: keys.Incident(i.Incident.IncidentId), Value: Value(AnalysisState.Analysing, i.Incident), i.ExpiresAt)).ToList();
        var batch = Db.CreateBatch();
        var writes = saved.Select(s => batch.StringSetAsync(s.Key, s.Value, TimeToLive(s.ExpiresAt))).ToArray();
        batch.Execute();
        await Task.WhenAll(writes);
        return new SavedIncidents([.. saved.Select(s => (s.Key, s.Value))]);
    }

    /// <summary>
    /// Marks saved incidents analysed (their own links are all written), in one round trip: the saved values with their
    /// state byte turned, not serialised again. Not one that expired meanwhile (no key without a TTL).
    /// </summary>
    public Task MarkAnalysedAsync(SavedIncidents saved)
    {
        var batch = Db.CreateBatch();
        var writes = saved.Values.Select(s =>
        {
            // The save's writes completed before this is called: the client no longer reads these arrays.
            s.Value[0] = (byte)AnalysisState.Analysed;
            return batch.StringSetAsync(s.Key, s.Value, expiry: null, keepTtl: true, when: When.Exists);
        }).ToArray();
        batch.Execute();
        return Task.WhenAll(writes);
    }

    /// <summary>
    /// Records links on another incident (the caller writes each side of a link), expiring with it: with its stored
    /// incident while that is stored; before that, until <paramref name="storedUntil"/> when the caller knows it (an
    /// incident the index found ahead of its own analysis, which stores it moments later). Else, and after it expired,
    /// nothing.
    /// </summary>
    public Task AddLinksToAsync(string incidentId, IEnumerable<IncidentLink> links, DateTimeOffset? storedUntil = null)
    {
        var entries = links.Select(l => new HashEntry(FieldOf(l), l.ToByteArray())).ToArray();
        if (entries.Length == 0)
        {
            return Task.CompletedTask;
        }
        var until = storedUntil is { } at && at > DateTimeOffset.UtcNow ? at.ToUnixTimeMilliseconds() : 0;
        return Db.ScriptEvaluateAsync(AddLinksToScript, [keys.Incident(incidentId), keys.IncidentLinks(incidentId)],
            [until, .. entries.SelectMany(e => new[] { e.Name, e.Value })]);
    }

    private const string AddLinksToScript = """
        local ttl = redis.call('PTTL', KEYS[1])
        local stored_until = tonumber(ARGV[1])
        if ttl <= 0 and stored_until == 0 then return 0 end
        redis.call('HSET', KEYS[2], unpack(ARGV, 2))
        if ttl > 0 then
          redis.call('PEXPIRE', KEYS[2], ttl)
        else
          redis.call('PEXPIREAT', KEYS[2], stored_until)
        end
        return 1
        """;

    /// <summary>
    /// Records links on the incident being analysed, saved until <paramref name="storedUntil"/> a moment ago: two plain
    /// commands instead of the script of <see cref="AddLinksToAsync"/> (a script costs Garnet far more), expiring with it.
    /// </summary>
    public Task AddOwnLinksAsync(string incidentId, IEnumerable<IncidentLink> links, DateTimeOffset storedUntil)
    {
        var entries = links.Select(l => new HashEntry(FieldOf(l), l.ToByteArray())).ToArray();
        if (entries.Length == 0 || storedUntil <= DateTimeOffset.UtcNow)
        {
            return Task.CompletedTask;
        }
        var key = keys.IncidentLinks(incidentId);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key, entries);
        var expire = batch.KeyExpireAsync(key, storedUntil.UtcDateTime);
        batch.Execute();
        return Task.WhenAll(set, expire);
    }

    /// <summary>Null when the incident is not stored (never consumed, or past retention).</summary>
    public async Task<(Incident Incident, bool Analysed, IReadOnlyList<IncidentLink> Links)?> GetWithLinksAsync(string incidentId)
    {
        var batch = Db.CreateBatch();
        var incidentRead = batch.StringGetAsync(keys.Incident(incidentId));
        var linksRead = batch.HashGetAllAsync(keys.IncidentLinks(incidentId));
        batch.Execute();
        var (value, entries) = (await incidentRead, await linksRead);
        if (value.IsNull)
        {
            return null;
        }
        var stored = (byte[])value!;
        return (Incident.Parser.ParseFrom(stored, 1, stored.Length - 1), (AnalysisState)stored[0] == AnalysisState.Analysed,
            Ordered(entries.Select(e => IncidentLink.Parser.ParseFrom((byte[])e.Value!))));
    }

    /// <summary>By kind, then strongest first (ties by id): how GetIncidentLinks lists them.</summary>
    public static IReadOnlyList<IncidentLink> Ordered(IEnumerable<IncidentLink> links)
        => [.. links.OrderBy(l => l.Kind).ThenByDescending(l => l.Score).ThenBy(l => l.IncidentId, StringComparer.Ordinal)];

    /// <summary>The stored value: the state, one byte, then the incident.</summary>
    private static byte[] Value(AnalysisState state, Incident incident)
    {
        var value = new byte[1 + incident.CalculateSize()];
        value[0] = (byte)state;
        incident.WriteTo(value.AsSpan(1));
        return value;
    }

    private enum AnalysisState : byte
    {
        Analysing = 0,
        Analysed = 1,
    }

    /// <summary>The retention ends at an absolute time and Redis counts on its own clock, so the time left is measured on the real clock.</summary>
    private static TimeSpan TimeToLive(DateTimeOffset expiresAt)
        => expiresAt - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);

    /// <summary>One field per kind and other incident (or group, for a watchlist entry): writing a link again overwrites it.</summary>
    private static string FieldOf(IncidentLink link) => $"{(int)link.Kind}:{(link.IncidentId.Length > 0 ? link.IncidentId : link.GroupId)}";
}

/// <summary>Incidents saved as being analysed: their keys and stored values, which marking them analysed rewrites.</summary>
public sealed class SavedIncidents(IReadOnlyList<(RedisKey Key, byte[] Value)> values)
{
    internal IReadOnlyList<(RedisKey Key, byte[] Value)> Values { get; } = values;
}
