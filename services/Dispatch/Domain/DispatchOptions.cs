using System.ComponentModel.DataAnnotations;

namespace Dispatch.Domain;

/// <summary>Section "Dispatch".</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    [Required]
    public string ConsumerGroup { get; set; } = "dispatch";

    /// <summary>How far from an incident units are looked for.</summary>
    [Range(100, 500_000)]
    public double SearchRadiusMeters { get; set; } = 20_000;

    /// <summary>Extra candidates kept per demand, to fall back on when a claim is lost to another incident.</summary>
    [Range(0, 100)]
    public int SpareCandidates { get; set; } = 8;

    /// <summary>Road distance over straight-line distance in a city grid.</summary>
    [Range(1.0, 3.0)]
    public double RoadFactor { get; set; } = 1.3;

    /// <summary>A unit whose last position is older than this is not recommended.</summary>
    [Range(10, 86_400)]
    public int PositionMaxAgeSeconds { get; set; } = 300;

    /// <summary>A unit that has not acknowledged an assignment within this time is withdrawn and the next best unit assigned.</summary>
    [Range(1, 3_600)]
    public int AckTimeoutSeconds { get; set; } = 30;

    /// <summary>A tier is reported at risk when this share of its target time has passed without a unit on scene.</summary>
    [Range(0.1, 0.99)]
    public double SlaAtRiskFraction { get; set; } = 0.8;

    /// <summary>How often each replica looks for due deadlines (acknowledgements, tier targets).</summary>
    [Range(20, 10_000)]
    public int DeadlinePollMilliseconds { get; set; } = 200;

    /// <summary>A due deadline claimed by a replica that then crashed is taken up by another one after this time.</summary>
    [Range(1, 600)]
    public int DeadlineLeaseSeconds { get; set; } = 30;

    /// <summary>A new report of the same category this close to an open incident ...</summary>
    [Range(0, 5_000)]
    public double MergeRadiusMeters { get; set; } = 150;

    /// <summary>... and received within this time of it is the same event: it joins that incident and sends no units.</summary>
    [Range(0, 86_400)]
    public int MergeWindowSeconds { get; set; } = 600;

    /// <summary>Incidents handled at once per replica (offsets are still stored in order).</summary>
    [Range(1, 256)]
    public int IncidentConcurrency { get; set; } = 8;

    /// <summary>How long a watchlist hit or intercept alert waits for its incident to reach Dispatch before it is dispatched on its own.</summary>
    [Range(0, 3_600)]
    public int AlertIncidentWaitSeconds { get; set; } = 30;

    /// <summary>Withdrawals are re-sent to a reconnecting terminal for this long.</summary>
    [Range(1, 1_440)]
    public int WithdrawalMemoryMinutes { get; set; } = 60;

    /// <summary>Recent feed events kept per replica so an operator can resume after a reconnect.</summary>
    [Range(100, 1_000_000)]
    public int FeedReplayCapacity { get; set; } = 10_000;

    /// <summary>Events queued for one operator before that operator is cut off as too slow.</summary>
    [Range(16, 100_000)]
    public int FeedSubscriberQueue { get; set; } = 1_024;

    /// <summary>Messages queued for one terminal before it is cut off as too slow.</summary>
    [Range(16, 10_000)]
    public int TerminalQueue { get; set; } = 256;
}
