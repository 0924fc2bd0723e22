using Contracts.Analysis.V1;

namespace Analysis.Domain.Hotspots;

/// <summary>A sliding window and what it takes to alert in it.</summary>
public sealed record HotspotWindowSpec(HotspotWindow Window, TimeSpan Length, int MinCount, string Name);

/// <summary>Counts of one cell and category at one moment.</summary>
/// <param name="InWindow">Incidents in the window ending now.</param>
/// <param name="BeforeWindow">Incidents in the baseline period before the window.</param>
public readonly record struct HotspotCounts(long InWindow, long BeforeWindow);

/// <param name="Baseline">Expected count in a window of this length, from the cell's own history (floored).</param>
public readonly record struct HotspotVerdict(long Count, double Baseline, double Ratio, bool Alerting);

/// <summary>
/// A cell is hot in a window when it holds at least the window's minimum count and at least
/// <see cref="HotspotOptions.Factor"/> times what its own history predicts for a window that long.
/// History is the <see cref="HotspotOptions.BaselineDays"/> before the window; a floor keeps a
/// quiet cell from alerting on a couple of incidents.
/// </summary>
public sealed class HotspotRule(HotspotOptions options)
{
    public TimeSpan BaselinePeriod { get; } = TimeSpan.FromDays(options.BaselineDays);

    public double Factor => options.Factor;

    public IReadOnlyList<HotspotWindowSpec> Windows { get; } =
    [
        new(HotspotWindow._1H, TimeSpan.FromHours(1), options.MinCount1h, "1 h"),
        new(HotspotWindow._24H, TimeSpan.FromHours(24), options.MinCount24h, "24 h"),
        new(HotspotWindow._7D, TimeSpan.FromDays(7), options.MinCount7d, "7 days"),
    ];

    public HotspotWindowSpec? Spec(HotspotWindow window) => Windows.FirstOrDefault(w => w.Window == window);

    public HotspotVerdict Judge(HotspotWindowSpec window, HotspotCounts counts)
    {
        var history = BaselinePeriod - window.Length;
        var expected = counts.BeforeWindow * (window.Length / history);
        var floor = options.MinBaselinePerDay * window.Length.TotalDays;
        var baseline = Math.Max(expected, floor);
        var ratio = counts.InWindow / baseline;
        return new HotspotVerdict(counts.InWindow, Math.Round(baseline, 3), Math.Round(ratio, 2), counts.InWindow >= window.MinCount && ratio >= options.Factor);
    }
}
