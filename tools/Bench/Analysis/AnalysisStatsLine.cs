using System.Globalization;
using System.Text.RegularExpressions;

namespace Bench.Analysis;

/// <summary>
/// One summary line of Analysis (services/Analysis/Application/AnalysisStats.cs, AnalysisStatsReporter): the incidents
/// analysed in one interval, their duration percentiles, the total since start, and how long the collector paused the
/// process and how much it allocated in the interval (null from builds before session 13, for comparing with them);
/// with when the bench read it.
/// </summary>
internal sealed partial record AnalysisStatsLine(long Count, double Seconds, long Total, double P50Ms, double P99Ms, double MaxMs, double? GcPauseMs, double? AllocatedMiB)
{
    public required CpuSnapshot Cpu { get; init; }
    public required TimeSpan ReadAt { get; init; }

    public static bool TryParse(string line, out (long Count, double Seconds, long Total, double P50Ms, double P99Ms, double MaxMs, double? GcPauseMs, double? AllocatedMiB) parsed)
    {
        var match = Pattern().Match(line);
        if (!match.Success)
        {
            parsed = default;
            return false;
        }
        double D(int group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        double? Optional(int group) => match.Groups[group].Success ? D(group) : null;
        long L(int group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
        parsed = (L(1), D(2), L(3), D(4), D(5), D(6), Optional(7), Optional(8));
        return true;
    }

    [GeneratedRegex(@"Analysed (\d+) incidents in ([\d.]+) s \(\d+/s\), (\d+) since start; duration p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms(?:; GC paused ([\d.]+) ms, ([\d.]+) MiB allocated)?")]
    private static partial Regex Pattern();
}
