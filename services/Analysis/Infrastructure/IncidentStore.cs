using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf;
using Redis;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Every incident consumed, under its own key as a plain string (tag = incident id), naming the batch that analyses it; the
/// batch's marker key exists until the batch's analysis has written all its links, so the incident reads as being analysed
/// until then. Its links, for the few incidents that have any, are fields of a hash under the incident's tag. A string costs
/// the server far less than a hash per incident (Garnet keeps a hash as a .NET object on its heap, a string in its log).
/// Both keys expire with the retention, counted from when Intake received the incident, so re-processing never extends
/// it. Writes overwrite, so a redelivered incident leaves the same state.
/// </summary>
public sealed class IncidentStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Stores the incidents as being analysed by a new batch, until their expiry (the caller skips incidents already past it):
    /// the batch's marker first, so that no incident names a batch whose marker is not there yet (in a cluster the marker
    /// lives on another node), then every incident, in one round trip. <see cref="MarkAnalysedAsync"/> removes the marker.
    /// The marker expires with the last of them, should the batch never end (a crash: the incidents are then analysed again
    /// under a new batch when redelivered).
    /// </summary>
    public async Task<AnalysisBatch> SaveAnalysingAsync(IReadOnlyCollection<(Incident Incident, DateTimeOffset ExpiresAt)> incidents)
    {
        var batch = new AnalysisBatch(Guid.NewGuid());
        var marker = keys.AnalysingBatch(batch.Id);
        if (incidents.Count == 0)
        {
            return batch;
        }
        await Db.StringSetAsync(marker, 1, TimeToLive(incidents.Max(i => i.ExpiresAt)));
        var writes = Db.CreateBatch();
        var saved = incidents.Select(i => writes.StringSetAsync(keys.Incident(i.Incident.IncidentId), Value(batch.Id, i.Incident), TimeToLive(i.ExpiresAt))).ToArray();
        writes.Execute();
        await Task.WhenAll(saved);
        return batch;
    }

    /// <summary>
    /// Marks the batch's incidents analysed (their own links are all written): one command for the batch, where marking each
    /// incident cost Analysis about 4 % of its throughput.
    /// </summary>
    public Task MarkAnalysedAsync(AnalysisBatch batch) => Db.KeyDeleteAsync(keys.AnalysingBatch(batch.Id));

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
        return AddLinksToScript.EvaluateAsync(Db, [keys.Incident(incidentId), keys.IncidentLinks(incidentId)],
            [until, .. entries.SelectMany(e => new[] { e.Name, e.Value })]);
    }

    private static readonly RedisScript AddLinksToScript = new("""
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
        """);

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

    /// <summary>
    /// The incident and its links of one kind so far, in no particular order, whether analysed or not (a series lists its
    /// members meanwhile); null when not stored (never consumed, or past retention). Every series alert reads each member
    /// so: the other kinds' links are left unparsed, and nothing is sorted.
    /// </summary>
    public async Task<(Incident Incident, IReadOnlyList<IncidentLink> Links)?> GetWithLinksAsync(string incidentId, LinkKind kind)
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
        RedisValue fieldPrefix = FieldPrefix(kind);
        var links = new List<IncidentLink>(entries.Length);
        foreach (var entry in entries)
        {
            if (entry.Name.StartsWith(fieldPrefix))
            {
                links.Add(IncidentLink.Parser.ParseFrom((byte[])entry.Value!));
            }
        }
        return (Parse((byte[])value!).Incident, links);
    }

    /// <summary>
    /// The incident with all its links once analysed; with no links while its batch is still analysing it; null when not
    /// stored. The links are read only after the batch is seen done, so they are never those of a moment before.
    /// </summary>
    public async Task<(Incident Incident, bool Analysed, IReadOnlyList<IncidentLink> Links)?> GetAnalysedWithLinksAsync(string incidentId)
    {
        var value = await Db.StringGetAsync(keys.Incident(incidentId));
        if (value.IsNull)
        {
            return null;
        }
        var (batchId, incident) = Parse((byte[])value!);
        if (await Db.KeyExistsAsync(keys.AnalysingBatch(batchId)))
        {
            return (incident, false, []);
        }
        return (incident, true, Links(await Db.HashGetAllAsync(keys.IncidentLinks(incidentId))));
    }

    private static IReadOnlyList<IncidentLink> Links(HashEntry[] entries) => Ordered(entries.Select(e => IncidentLink.Parser.ParseFrom((byte[])e.Value!)));

    /// <summary>By kind, then strongest first (ties by id): how GetIncidentLinks lists them.</summary>
    public static IReadOnlyList<IncidentLink> Ordered(IEnumerable<IncidentLink> links)
        => [.. links.OrderBy(l => l.Kind).ThenByDescending(l => l.Score).ThenBy(l => l.IncidentId, StringComparer.Ordinal)];

    /// <summary>The stored value: the format (one byte), the batch's id (16 bytes), then the incident.</summary>
    private static byte[] Value(Guid batchId, Incident incident)
    {
        var value = new byte[HeaderBytes + incident.CalculateSize()];
        value[0] = StoredFormat;
        batchId.TryWriteBytes(value.AsSpan(1, 16));
        incident.WriteTo(value.AsSpan(HeaderBytes));
        return value;
    }

    private static (Guid BatchId, Incident Incident) Parse(byte[] stored)
        => stored.Length >= HeaderBytes && stored[0] == StoredFormat
            ? (new Guid(stored.AsSpan(1, 16)), Incident.Parser.ParseFrom(stored, HeaderBytes, stored.Length - HeaderBytes))
            : throw new InvalidDataException($"stored incident in an unknown format (first byte {(stored.Length > 0 ? stored[0] : -1)}, {stored.Length} bytes)");

    /// <summary>Values written before the batch's id was stored (a state byte, 0 or 1) do not parse as this.</summary>
    private const byte StoredFormat = 2;

    private const int HeaderBytes = 17;

    /// <summary>The retention ends at an absolute time and Redis counts on its own clock, so the time left is measured on the real clock.</summary>
    private static TimeSpan TimeToLive(DateTimeOffset expiresAt)
        => expiresAt - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);

    /// <summary>One field per kind and other incident (or group, for a watchlist entry): writing a link again overwrites it.</summary>
    private static string FieldOf(IncidentLink link) => $"{FieldPrefix(link.Kind)}{(link.IncidentId.Length > 0 ? link.IncidentId : link.GroupId)}";

    private static string FieldPrefix(LinkKind kind) => $"{(int)kind}:";
}

/// <summary>Incidents saved as being analysed together; <see cref="IncidentStore.MarkAnalysedAsync"/> ends it.</summary>
public sealed record AnalysisBatch(Guid Id);
