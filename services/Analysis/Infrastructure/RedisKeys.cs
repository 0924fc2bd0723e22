using Analysis.Domain;
using Contracts.Common.V1;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Redis keys, all under <see cref="AnalysisOptions.StatePrefix"/>. Keys that a script or
/// multi-key command touches together share one hash tag ({...}), so the same code runs on Redis
/// Cluster; docs/ANALYSIS.md lists every key with its expiry and size.
/// </summary>
public sealed class RedisKeys(string prefix)
{
    private const string CategoryPrefix = "INCIDENT_CATEGORY_";

    private static readonly EnumDescriptor CategoryDescriptor
        = CommonReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(IncidentCategory));

    public RedisKeys(IOptions<AnalysisOptions> options) : this(options.Value.StatePrefix)
    {
    }

    public string Prefix => prefix;

    /// <summary>String: the batch that analyses the incident, then the incident (common.v1.Incident protobuf).</summary>
    public string Incident(string incidentId) => $"{prefix}:incident:{{{incidentId}}}";

    /// <summary>String that exists while a batch of incidents is being analysed (its own tag: only ever read or written alone).</summary>
    public string AnalysingBatch(Guid batchId) => $"{prefix}:analysing:{{{batchId:N}}}";

    /// <summary>Hash under the incident's tag: one field per link (analysis.v1.IncidentLink protobuf), for the incidents that have any.</summary>
    public string IncidentLinks(string incidentId) => $"{prefix}:links:{{{incidentId}}}";

    /// <summary>Who raised a cell's hotspot alert for one window instance (tagged by cell and category; the counts are in memory).</summary>
    public string HotspotAlerted(string cellId, IncidentCategory category, string window, long windowIndex)
        => $"{prefix}:hot:{{{cellId}:{CategoryTag(category)}}}:alerted:{window}:{windowIndex}";

    /// <summary>Sorted set of the dispute reports under one dispute key, scored by occurred time (Unix ms).</summary>
    public string Disputes(string disputeKey) => $"{prefix}:dispute:{{{disputeKey}}}";

    /// <summary>Per report under a dispute key, whether it raised an escalation ("1") or not ("0"); same tag as the key.</summary>
    public string DisputeDecisions(string disputeKey) => $"{prefix}:dispute:{{{disputeKey}}}:decided";

    /// <summary>The fraud graph: every key shares the tag {fraud}, so one script updates it atomically.</summary>
    public FraudGraphKeys Fraud { get; } = new(
        $"{prefix}:fraud:{{fraud}}:incidents",
        $"{prefix}:fraud:{{fraud}}:identifiers",
        $"{prefix}:fraud:{{fraud}}:chains",
        $"{prefix}:fraud:{{fraud}}:aliases",
        $"{prefix}:fraud:{{fraud}}:done",
        $"{prefix}:fraud:{{fraud}}:activity",
        $"{prefix}:fraud:{{fraud}}:public");

    /// <summary>The series graph (union of linked incidents), tag {series}.</summary>
    public SeriesGraphKeys Series { get; } = new(
        $"{prefix}:series:{{series}}:incidents",
        $"{prefix}:series:{{series}}:members",
        $"{prefix}:series:{{series}}:aliases",
        $"{prefix}:series:{{series}}:done",
        $"{prefix}:series:{{series}}:activity");

    /// <summary>Watchlist entries (entry id → protobuf) and the index (identifier key → entry ids), tag {watchlist}.</summary>
    public (string Entries, string Index) Watchlist { get; } = ($"{prefix}:watchlist:{{watchlist}}:entries", $"{prefix}:watchlist:{{watchlist}}:index");

    /// <summary>"robbery", "missing_person": the proto value name, stable across code renames; the number for a value this build does not know.</summary>
    public static string CategoryTag(IncidentCategory category)
        => CategoryDescriptor.FindValueByNumber((int)category)?.Name is { } name
            ? (name.StartsWith(CategoryPrefix, StringComparison.Ordinal) ? name[CategoryPrefix.Length..] : name).ToLowerInvariant()
            : ((int)category).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <param name="Public">Set of identifier keys an administrator listed as public at run time (SetIdentifierPublic).</param>
public sealed record FraudGraphKeys(string Incidents, string Identifiers, string Chains, string Aliases, string Done, string Activity, string Public)
{
    /// <summary>In the order the fraud scripts take them.</summary>
    public RedisKey[] ForScripts => [Incidents, Identifiers, Chains, Aliases, Done, Activity, Public];
}

public sealed record SeriesGraphKeys(string Incidents, string Members, string Aliases, string Done, string Activity);
