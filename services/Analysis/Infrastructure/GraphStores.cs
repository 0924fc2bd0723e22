using System.Globalization;
using Analysis.Domain.Fraud;
using Redis;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>A group (series or chain) as it was before an incident joined, by name and size.</summary>
public sealed record GroupBefore(string Name, int Size);

/// <summary>What joining one incident did to its group; stored with the incident, so a redelivery returns the same.</summary>
/// <param name="Name">The group the incident is now in; empty when it links to nothing.</param>
public sealed record UnionOutcome(string Name, int Size, IReadOnlyList<GroupBefore> Before)
{
    /// <summary>Largest group the incident's group was made from (its own included).</summary>
    public int LargestBefore => Before.Count == 0 ? 0 : Before.Max(b => b.Size);

    public bool Grew => Name.Length > 0 && Size > LargestBefore;

    internal static UnionOutcome Parse(string[] fields) => new(
        fields[0],
        int.Parse(fields[1], CultureInfo.InvariantCulture),
        [.. fields[2].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries).Select(g =>
        {
            var equals = g.LastIndexOf('=');
            return new GroupBefore(g[..equals], int.Parse(g[(equals + 1)..], CultureInfo.InvariantCulture));
        })]);
}

/// <summary>Linked series-category incidents merged into series (connected components of the links), under the tag {series}.</summary>
public sealed class SeriesGraph(IConnectionMultiplexer redis, RedisKeys keys)
{
    private static readonly RedisScript SeriesUnionScript = new(GraphScripts.SeriesUnion);

    private IDatabase Db => redis.GetDatabase();

    public async Task<UnionOutcome> JoinAsync(string incidentId, IReadOnlyCollection<string> linkedIncidentIds, DateTimeOffset activity, DateTimeOffset pruneBefore)
    {
        var k = keys.Series;
        var result = (string)(await SeriesUnionScript.EvaluateAsync(Db,
            [k.Incidents, k.Members, k.Aliases, k.Done, k.Activity],
            [incidentId, activity.ToUnixTimeMilliseconds(), pruneBefore.ToUnixTimeMilliseconds(), .. linkedIncidentIds.Select(i => (RedisValue)i)]))!;
        return UnionOutcome.Parse(result.Split(GraphScripts.FieldSeparator));
    }

    /// <summary>The series an incident belongs to; null when it is in none.</summary>
    public async Task<string?> SeriesOfAsync(string incidentId)
    {
        var name = await Db.HashGetAsync(keys.Series.Incidents, incidentId);
        return name.IsNullOrEmpty ? null : (string)name!;
    }

    /// <summary>The members of a series, following renames (a merged series keeps answering under its old name); null when unknown.</summary>
    public async Task<(string Name, IReadOnlyList<string> Members)?> MembersAsync(string seriesId)
    {
        var k = keys.Series;
        var name = seriesId;
        for (var hop = 0; hop < 16; hop++)
        {
            var members = await Db.HashGetAsync(k.Members, name);
            if (!members.IsNullOrEmpty)
            {
                return (name, ((string)members!).Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries));
            }
            var alias = await Db.HashGetAsync(k.Aliases, name);
            if (alias.IsNullOrEmpty)
            {
                return null;
            }
            name = alias!;
        }
        return null;
    }
}

/// <summary>What listing or unlisting an identifier did.</summary>
/// <param name="Reports">Reports that carry it.</param>
/// <param name="Chains">The chains its reports are in now.</param>
/// <param name="Splits">The parts of chains that came apart.</param>
public sealed record FraudListingOutcome(int Reports, IReadOnlyList<string> Chains, IReadOnlyList<FraudSplit> Splits);

/// <summary>One part of a chain that came apart: "old>part=size" as the fraud script reports it.</summary>
public sealed record FraudSplit(string Chain, string Part, int Size)
{
    internal static FraudSplit Parse(string entry)
    {
        var arrow = entry.IndexOf('>', StringComparison.Ordinal);
        var equals = entry.LastIndexOf('=');
        return new FraudSplit(entry[..arrow], entry[(arrow + 1)..equals], int.Parse(entry[(equals + 1)..], CultureInfo.InvariantCulture));
    }
}

/// <param name="NewlyCommon">Identifier keys this incident made common (over the degree cap, a bridge, or listed as public), with why.</param>
/// <param name="Splits">The parts of chains that came apart because an identifier became common.</param>
public sealed record FraudLinkOutcome(UnionOutcome Union, IReadOnlyDictionary<string, CommonReason> NewlyCommon, IReadOnlyList<FraudSplit> Splits);

/// <summary>A chain as stored: its incidents with loss and linking identifiers, and its incidents' common identifiers with why they are common.</summary>
public sealed record FraudChainState(string ChainId, IReadOnlyList<ChainIncident> Incidents, string Currency, IReadOnlyDictionary<string, CommonReason> CommonIdentifiers);

/// <summary>
/// The fraud graph: incidents joined through shared identifiers into chains, under the one tag
/// {fraud}, so one script updates counts, chains and renames atomically whichever replica runs it.
/// </summary>
public sealed class FraudGraph(IConnectionMultiplexer redis, RedisKeys keys)
{
    private static readonly RedisScript FraudLinkScript = new(GraphScripts.FraudLink);
    private static readonly RedisScript FraudSetListedScript = new(GraphScripts.FraudSetListed);

    private IDatabase Db => redis.GetDatabase();

    public async Task<FraudLinkOutcome> LinkAsync(string incidentId, long lossMinor, string currency, IReadOnlyCollection<string> identifierKeys,
        CommonIdentifierRule rule, DateTimeOffset activity, DateTimeOffset pruneBefore)
    {
        var k = keys.Fraud;
        // Only this report's listed keys travel: the script needs to know them, not the whole list.
        var listed = identifierKeys.Where(rule.IsListedPublic).ToList();
        var result = (string)(await FraudLinkScript.EvaluateAsync(Db, k.ForScripts,
            [incidentId, lossMinor, currency, rule.MaxDegree, activity.ToUnixTimeMilliseconds(), pruneBefore.ToUnixTimeMilliseconds(),
             rule.BridgeMinGroups, rule.BridgeShare.ToString("R", CultureInfo.InvariantCulture), rule.BridgeDecisiveGroups, rule.MaxNeighbourhoodReports, listed.Count,
             .. listed.Select(i => (RedisValue)i), .. identifierKeys.Select(i => (RedisValue)i)]))!;
        var fields = result.Split(GraphScripts.FieldSeparator);
        var newlyCommon = new Dictionary<string, CommonReason>(StringComparer.Ordinal);
        foreach (var entry in fields[3].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.LastIndexOf('=');
            if (CommonIdentifierRule.ParseState(entry[(equals + 1)..]) is { } reason)
            {
                newlyCommon[entry[..equals]] = reason;
            }
        }
        return new FraudLinkOutcome(UnionOutcome.Parse(fields), newlyCommon,
            [.. fields[4].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries).Select(FraudSplit.Parse)]);
    }

    /// <summary>
    /// Lists an identifier as public (it never links) or unlists it (the rule judges it again), and rebuilds at once the
    /// chains its reports are in. An identifier listed in configuration stays listed.
    /// </summary>
    public async Task<FraudListingOutcome> SetListedAsync(string identifierKey, bool listed, CommonIdentifierRule rule, DateTimeOffset now)
    {
        var result = (string)(await FraudSetListedScript.EvaluateAsync(Db, keys.Fraud.ForScripts,
            [identifierKey, listed ? "1" : "0", now.ToUnixTimeMilliseconds(), rule.MaxNeighbourhoodReports, rule.BridgeMinGroups,
             rule.BridgeShare.ToString("R", CultureInfo.InvariantCulture), rule.BridgeDecisiveGroups, rule.MaxDegree, rule.IsListedPublic(identifierKey) ? "1" : "0"]))!;
        var fields = result.Split(GraphScripts.FieldSeparator);
        return new FraudListingOutcome(
            int.Parse(fields[0], CultureInfo.InvariantCulture),
            [.. fields[1].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries).Select(c => c[..c.LastIndexOf('=')])],
            [.. fields[2].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries).Select(FraudSplit.Parse)]);
    }

    /// <summary>The chain an incident is in; null when it links to nothing (or is unknown).</summary>
    public async Task<string?> ChainOfIncidentAsync(string incidentId)
    {
        var record = await Db.HashGetAsync(keys.Fraud.Incidents, incidentId);
        if (record.IsNullOrEmpty)
        {
            return null;
        }
        var chain = ((string)record!).Split(GraphScripts.FieldSeparator)[0];
        return chain.Length == 0 ? null : chain;
    }

    /// <summary>The chain an identifier links (null when it links none, or is common: a common identifier belongs to no chain).</summary>
    public async Task<string?> ChainOfIdentifierAsync(string identifierKey)
    {
        var entry = await Db.HashGetAsync(keys.Fraud.Identifiers, identifierKey);
        if (entry.IsNullOrEmpty)
        {
            return null;
        }
        var fields = ((string)entry!).Split(GraphScripts.FieldSeparator);
        var first = fields[2].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return fields[1] == "0" && first is not null ? await ChainOfIncidentAsync(first) : null;
    }

    /// <summary>A chain with its incidents' losses and identifiers, following renames; null when unknown.</summary>
    public async Task<FraudChainState?> ReadChainAsync(string chainId)
    {
        var k = keys.Fraud;
        var name = chainId;
        string[]? members = null;
        for (var hop = 0; hop < 16 && members is null; hop++)
        {
            var value = await Db.HashGetAsync(k.Chains, name);
            if (!value.IsNullOrEmpty)
            {
                members = ((string)value!).Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries);
                break;
            }
            var alias = await Db.HashGetAsync(k.Aliases, name);
            if (alias.IsNullOrEmpty)
            {
                return null;
            }
            name = alias!;
        }
        if (members is null)
        {
            return null;
        }

        var records = await Db.HashGetAsync(k.Incidents, [.. members.Select(m => (RedisValue)m)]);
        var incidents = new List<(string Id, long Loss, string Currency, string[] Keys)>();
        for (var i = 0; i < members.Length; i++)
        {
            if (records[i].IsNullOrEmpty)
            {
                continue;
            }
            var f = ((string)records[i]!).Split(GraphScripts.FieldSeparator);
            incidents.Add((members[i], long.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3].Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries)));
        }
        var identifierKeys = incidents.SelectMany(i => i.Keys).Distinct(StringComparer.Ordinal).ToArray();
        var entries = identifierKeys.Length == 0 ? [] : await Db.HashGetAsync(k.Identifiers, [.. identifierKeys.Select(i => (RedisValue)i)]);
        var common = new Dictionary<string, CommonReason>(StringComparer.Ordinal);
        for (var i = 0; i < identifierKeys.Length; i++)
        {
            if (!entries[i].IsNullOrEmpty && CommonIdentifierRule.ParseState(((string)entries[i]!).Split(GraphScripts.FieldSeparator)[1]) is { } reason)
            {
                common[identifierKeys[i]] = reason;
            }
        }
        var currency = incidents.Select(i => i.Currency).FirstOrDefault(c => c.Length > 0) ?? "";
        return new FraudChainState(name,
            [.. incidents.OrderBy(i => i.Id, StringComparer.Ordinal).Select(i => new ChainIncident(i.Id, i.Loss, [.. i.Keys.Where(key => !common.ContainsKey(key))]))],
            currency, common);
    }

    /// <summary>All identifier keys of the chain's incidents, common ones included (ReadChainAsync keeps only linking ones per incident).</summary>
    public static IReadOnlyList<string> LinkingIdentifiers(FraudChainState chain)
        => [.. chain.Incidents.SelectMany(i => i.IdentifierKeys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
