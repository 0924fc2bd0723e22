using Analysis.Domain;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Every analysed incident under its own key (tag = incident id), with its links as fields of the
/// same hash: GetIncidentLinks is one read. The key expires with the retention, counted from when
/// Intake received the incident, so re-processing never extends it. Writes overwrite fields, so a
/// redelivered incident leaves the same state.
/// </summary>
public sealed class IncidentStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    private const string IncidentField = "incident";
    private const string LinkPrefix = "link:";

    private IDatabase Db => redis.GetDatabase();

    public Task SaveAsync(Incident incident, DateTimeOffset expiresAt)
    {
        var key = keys.Incident(incident.IncidentId);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key, IncidentField, incident.ToByteArray());
        var expire = batch.KeyExpireAsync(key, expiresAt.UtcDateTime);
        batch.Execute();
        return Task.WhenAll(set, expire);
    }

    public async Task<Incident?> GetAsync(string incidentId)
    {
        var value = await Db.HashGetAsync(keys.Incident(incidentId), IncidentField);
        return value.IsNull ? null : Incident.Parser.ParseFrom((byte[])value!);
    }

    /// <summary>The incidents still stored, in the order asked (missing ones left out).</summary>
    public async Task<IReadOnlyList<Incident>> GetManyAsync(IReadOnlyCollection<string> incidentIds)
    {
        var batch = Db.CreateBatch();
        var reads = incidentIds.Select(id => batch.HashGetAsync(keys.Incident(id), IncidentField)).ToList();
        batch.Execute();
        var values = await Task.WhenAll(reads);
        return [.. values.Where(v => !v.IsNull).Select(v => Incident.Parser.ParseFrom((byte[])v!))];
    }

    /// <summary>Records links on the incident (the caller writes each side of a link).</summary>
    public Task AddLinksAsync(string incidentId, IEnumerable<IncidentLink> links)
    {
        var entries = links.Select(l => new HashEntry(FieldOf(l), l.ToByteArray())).ToArray();
        // Only to an incident still stored: a link must not recreate an expired key without its expiry.
        return entries.Length == 0 ? Task.CompletedTask : Db.ScriptEvaluateAsync(AddLinksScript,
            [keys.Incident(incidentId)], [.. entries.SelectMany(e => new[] { e.Name, e.Value })]);
    }

    private const string AddLinksScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], unpack(ARGV))
        return 1
        """;

    /// <summary>
    /// Records links on the incident being analysed, saved with <paramref name="expiresAt"/> a moment ago: two plain
    /// commands instead of the guarded script (a script costs Garnet far more), the expiry set again so that a key which
    /// expired meanwhile is not left without one.
    /// </summary>
    public Task AddOwnLinksAsync(string incidentId, IEnumerable<IncidentLink> links, DateTimeOffset expiresAt)
    {
        var entries = links.Select(l => new HashEntry(FieldOf(l), l.ToByteArray())).ToArray();
        if (entries.Length == 0)
        {
            return Task.CompletedTask;
        }
        var key = keys.Incident(incidentId);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key, entries);
        var expire = batch.KeyExpireAsync(key, expiresAt.UtcDateTime);
        batch.Execute();
        return Task.WhenAll(set, expire);
    }

    /// <summary>Null when the incident is not stored (never analysed, or past retention).</summary>
    public async Task<(Incident Incident, IReadOnlyList<IncidentLink> Links)?> GetWithLinksAsync(string incidentId)
    {
        var entries = await Db.HashGetAllAsync(keys.Incident(incidentId));
        Incident? incident = null;
        var links = new List<IncidentLink>();
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            if (name == IncidentField)
            {
                incident = Incident.Parser.ParseFrom((byte[])entry.Value!);
            }
            else if (name.StartsWith(LinkPrefix, StringComparison.Ordinal))
            {
                links.Add(IncidentLink.Parser.ParseFrom((byte[])entry.Value!));
            }
        }
        return incident is null ? null : (incident, Ordered(links));
    }

    /// <summary>By kind, then strongest first (ties by id): how GetIncidentLinks lists them.</summary>
    public static IReadOnlyList<IncidentLink> Ordered(IEnumerable<IncidentLink> links)
        => [.. links.OrderBy(l => l.Kind).ThenByDescending(l => l.Score).ThenBy(l => l.IncidentId, StringComparer.Ordinal)];

    private static string FieldOf(IncidentLink link) => $"{LinkPrefix}{(int)link.Kind}:{(link.IncidentId.Length > 0 ? link.IncidentId : link.GroupId)}";
}
