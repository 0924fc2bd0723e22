using System.ComponentModel.DataAnnotations;

namespace Analysis.Domain;

/// <summary>Section "Analysis"; e.g. Analysis__IncidentRetentionDays=30.</summary>
public sealed class AnalysisOptions
{
    public const string Section = "Analysis";

    /// <summary>Consumer group of the incident analyser on incidents.v1, shared by every Analysis replica.</summary>
    [Required]
    public string ConsumerGroup { get; set; } = "analysis";

    /// <summary>
    /// First part of every Redis key. A replay into a fresh prefix (with a fresh consumer group)
    /// rebuilds the whole state next to the live one: docs/ANALYSIS.md, "Rebuilding the state".
    /// </summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9-]*$")]
    public string StatePrefix { get; set; } = "analysis";

    /// <summary>False while rebuilding state by replay: the alerts were raised the first time round.</summary>
    public bool PublishAlerts { get; set; } = true;

    /// <summary>How long an incident stays indexed, counted from when Intake received it.</summary>
    [Range(1, 365)]
    public int IncidentRetentionDays { get; set; } = 30;

    /// <summary>
    /// Incidents analysed concurrently per consumer (offsets are still stored in order). Only a backlog fills it: then a
    /// wider window gives fuller batches and keeps both cores busy (docs/PERFORMANCE.md, finding 17), and each incident
    /// waits longer in it.
    /// </summary>
    [Range(1, 4096)]
    public int MaxInFlight { get; set; } = 1024;

    /// <summary>
    /// Incidents analysed as one batch, of those already fetched (never waiting for more): one store round trip, one wait
    /// for the index feed and one retry scope per batch instead of per incident; the batch's searches run in turn.
    /// </summary>
    [Range(1, 4096)]
    public int MaxBatch { get; set; } = 64;

    /// <summary>
    /// Side of a spatial index cell (the index is in memory, per category group and cell). A search reads every entry of
    /// the cells its circle touches: small cells waste less around a busy circle, large ones cost fewer lookups for a
    /// wide one (docs/PERFORMANCE.md).
    /// </summary>
    [Range(100, 20_000)]
    public double GeoCellMeters { get; set; } = 500;

    /// <summary>
    /// How many series candidates that are not links (the highest-scoring) GetIncidentLinks(include_candidates) lists:
    /// the near misses an analyst may want to check, worked out when asked for (until session 8 stored per incident as
    /// <c>StoredCandidates</c>).
    /// </summary>
    [Range(0, 10_000)]
    public int NearMisses { get; set; } = 20;

    /// <summary>Seconds between summary log lines (incidents analysed, rate, duration p50/p99/max); 0 for none.</summary>
    [Range(0, 3600)]
    public int StatsIntervalSeconds { get; set; } = 60;
}

/// <summary>Section "Analysis:Duplicates": near-duplicate reports of one event.</summary>
public sealed class DuplicateOptions
{
    public const string Section = "Analysis:Duplicates";

    [Range(1, 5000)]
    public double RadiusMeters { get; set; } = 150;

    [Range(1, 24 * 60)]
    public int WindowMinutes { get; set; } = 10;
}

/// <summary>Section "Analysis:Disputes": escalating disputes at one address or between the same parties.</summary>
public sealed class DisputeOptions
{
    public const string Section = "Analysis:Disputes";

    /// <summary>ESCALATION_RISK from this many dispute reports ...</summary>
    [Range(2, 100)]
    public int Threshold { get; set; } = 3;

    /// <summary>... within this many days.</summary>
    [Range(1, 365)]
    public int WindowDays { get; set; } = 30;
}

/// <summary>Section "Analysis:Hotspots".</summary>
public sealed class HotspotOptions
{
    public const string Section = "Analysis:Hotspots";

    /// <summary>Side of a grid cell.</summary>
    [Range(100, 10_000)]
    public double CellMeters { get; set; } = 600;

    /// <summary>HOTSPOT when the count in a window is at least this many times the cell's baseline for that window.</summary>
    [Range(1.1, 100)]
    public double Factor { get; set; } = 3;

    /// <summary>The baseline is the cell's own rate over this many days before the window.</summary>
    [Range(8, 365)]
    public int BaselineDays { get; set; } = 28;

    /// <summary>Floor of the baseline rate, per day: a cell with no history still needs a real cluster to alert.</summary>
    [Range(0.01, 100)]
    public double MinBaselinePerDay { get; set; } = 0.25;

    /// <summary>Fewest incidents in the window before it can alert, per window.</summary>
    [Range(1, 1000)]
    public int MinCount1h { get; set; } = 3;

    [Range(1, 1000)]
    public int MinCount24h { get; set; } = 6;

    [Range(1, 10_000)]
    public int MinCount7d { get; set; } = 15;

    /// <summary>GetHotspots answers at most this many cells when the caller sets no limit.</summary>
    [Range(1, 10_000)]
    public int DefaultLimit { get; set; } = 50;
}

/// <summary>Section "Analysis:Fraud".</summary>
public sealed class FraudOptions : IValidatableObject
{
    public const string Section = "Analysis:Fraud";

    /// <summary>
    /// An identifier carried by more incidents than this is common whatever its structure: it stops linking, and
    /// chains it had welded are split again. A backstop and a bound on the work one identifier costs; public numbers
    /// and sites are found long before by the bridge rule.
    /// </summary>
    [Range(2, 100_000)]
    public int CommonIdentifierDegree { get; set; } = 100;

    /// <summary>
    /// An identifier is a bridge (common: a bank's hotline, a popular app's URL) when the reports carrying it fall
    /// into at least this many groups through the linking identifiers carried by fewer reports (reports with no such
    /// identifier count in no group) ...
    /// </summary>
    [Range(2, 1000)]
    public int BridgeMinGroups { get; set; } = 4;

    /// <summary>... and those groups are at least this share of the reports carrying it ...</summary>
    [Range(0.0, 1.0)]
    public double BridgeShare { get; set; } = 0.7;

    /// <summary>
    /// ... or there are at least this many groups, whatever the share. The share protects a busy account whose victims
    /// partly know the operation's other numbers (4 groups among 7 reports); no operation's account showed more than 4
    /// groups in the generated months, while a public number named by several victims of each of many operations has
    /// many groups and a share under the threshold (repeat victims of one operation are one group).
    /// </summary>
    [Range(2, 1000)]
    public int BridgeDecisiveGroups { get; set; } = 6;

    /// <summary>
    /// After a report, the fraud script reads its chain, the chains it joins and, through bridges, the chains around
    /// them, to judge those bridges again; it stops crossing bridges once it has read this many reports. Bridges beyond
    /// keep their standing until a report near them arrives, so where public identifiers under the cap join more reports
    /// than this into one neighbourhood, the chains can depend on arrival order again. Bounds one script's work.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxNeighbourhoodReports { get; set; } = 5000;

    /// <summary>
    /// Identifiers known to be public, which never link: "phone:95588", "url:example.com" (a host covers its
    /// subdomains and every address on it). Types: phone, bank, pay, device, simgw, ip, social, url.
    /// </summary>
    public string[] PublicIdentifiers { get; set; } = [];

    /// <summary>FRAUD_CHAIN_DETECTED when a chain reaches this many incidents.</summary>
    [Range(2, 100)]
    public int MinChainIncidents { get; set; } = 2;

    /// <summary>INTERCEPT when a report joins a known chain within this many hours of the offence: money may still be stopped.</summary>
    [Range(1, 24 * 30)]
    public int InterceptWindowHours { get; set; } = 72;

    /// <summary>A chain with no new incident for this many days leaves the graph.</summary>
    [Range(1, 3650)]
    public int ChainRetentionDays { get; set; } = 180;

    /// <summary>Choke points listed per chain.</summary>
    [Range(1, 100)]
    public int MaxChokePoints { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BridgeDecisiveGroups < BridgeMinGroups)
        {
            yield return new ValidationResult("BridgeDecisiveGroups must be at least BridgeMinGroups", [nameof(BridgeDecisiveGroups)]);
        }
        foreach (var entry in PublicIdentifiers.Where(e => Fraud.CommonIdentifierRule.ParsePublic(e) is null))
        {
            yield return new ValidationResult(
                $"Public identifier '{entry}' is not 'type:value' with a fraud identifier type (phone, bank, pay, device, simgw, ip, social, url)",
                [nameof(PublicIdentifiers)]);
        }
    }
}
