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

    /// <summary>Nearest units read per search; the best available among them is chosen.</summary>
    [Range(1, 10_000)]
    public int MaxCandidates { get; set; } = 64;

    /// <summary>Road distance over straight-line distance in a city grid.</summary>
    [Range(1.0, 3.0)]
    public double RoadFactor { get; set; } = 1.3;

    /// <summary>A unit whose last position is older than this is not recommended.</summary>
    [Range(10, 86_400)]
    public int PositionMaxAgeSeconds { get; set; } = 300;

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
