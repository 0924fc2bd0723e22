using Analysis.Domain;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>
/// Analysis durations of the current interval, for the periodic summary line: a log-scale histogram
/// (buckets 2 % wide, so a percentile is within 2 % of the true value) that is read and reset at once.
/// The OpenTelemetry histogram <c>analysis.incident.duration</c> carries the same measurements to a
/// collector; this summary is for operators without one (and for tools/Bench, which reads it).
/// </summary>
public sealed class AnalysisStats
{
    private const double Growth = 1.02;
    private const int Buckets = 1200; // 1 µs * 1.02^1200 ≈ 5.4 h: every plausible duration fits

    private static readonly double LogGrowth = Math.Log(Growth);

    private readonly Lock _gate = new();
    private long[] _counts = new long[Buckets];
    private long _count;
    private double _maxMs;
    private long _total;

    public void Record(double milliseconds)
    {
        var bucket = BucketOf(milliseconds);
        lock (_gate)
        {
            _counts[bucket]++;
            _count++;
            _total++;
            if (milliseconds > _maxMs)
            {
                _maxMs = milliseconds;
            }
        }
    }

    /// <summary>The interval's figures since the previous call; the histogram starts empty again.</summary>
    public IntervalStats TakeInterval()
    {
        long[] counts;
        long count, total;
        double max;
        lock (_gate)
        {
            counts = _counts;
            count = _count;
            total = _total;
            max = _maxMs;
            _counts = new long[Buckets];
            _count = 0;
            _maxMs = 0;
        }
        return new IntervalStats(count, total, Percentile(counts, count, 0.50, max), Percentile(counts, count, 0.99, max), max);
    }

    private static int BucketOf(double milliseconds)
    {
        var micros = milliseconds * 1000;
        return micros <= 1 ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(micros) / LogGrowth) + 1);
    }

    /// <summary>The geometric middle of the bucket holding the percentile (never above the exact maximum).</summary>
    private static double Percentile(long[] counts, long count, double quantile, double max)
    {
        if (count == 0)
        {
            return 0;
        }
        var rank = (long)Math.Ceiling(quantile * count);
        long seen = 0;
        for (var bucket = 0; bucket < counts.Length; bucket++)
        {
            seen += counts[bucket];
            if (seen >= rank)
            {
                var middleMicros = bucket == 0 ? 1 : Math.Pow(Growth, bucket - 0.5);
                return Math.Min(max, middleMicros / 1000);
            }
        }
        return max;
    }
}

/// <param name="Count">Incidents analysed in the interval.</param>
/// <param name="Total">Incidents analysed since the process started.</param>
public sealed record IntervalStats(long Count, long Total, double P50Ms, double P99Ms, double MaxMs);

/// <summary>
/// Every <see cref="AnalysisOptions.StatsIntervalSeconds"/>, one Information line with the incidents analysed in the
/// interval, the rate, the duration percentiles, and how long the collector paused the process and how much it
/// allocated meanwhile; nothing for an idle interval. 0 turns it off.
/// </summary>
public sealed partial class AnalysisStatsReporter(AnalysisStats stats, IOptions<AnalysisOptions> options, TimeProvider clock, ILogger<AnalysisStatsReporter> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.StatsIntervalSeconds;
        if (seconds <= 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds), clock);
        var last = clock.GetTimestamp();
        var (lastPause, lastAllocated) = (GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var interval = stats.TakeInterval();
                var now = clock.GetTimestamp();
                var elapsed = clock.GetElapsedTime(last, now).TotalSeconds;
                var (pause, allocated) = (GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());
                last = now;
                if (interval.Count > 0)
                {
                    Summary(interval.Count, elapsed, interval.Count / elapsed, interval.Total, interval.P50Ms, interval.P99Ms, interval.MaxMs,
                        (pause - lastPause).TotalMilliseconds, (allocated - lastAllocated) / 1048576.0);
                }
                (lastPause, lastAllocated) = (pause, allocated);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // tools/Bench parses this line (Analysis/AnalysisStatsLine.cs): keep the two in step. The collector's pauses and the
    // bytes allocated in the interval are what the machine's speed does not move (docs/PERFORMANCE.md, finding 26).
    [LoggerMessage(Level = LogLevel.Information, Message = "Analysed {Count} incidents in {Seconds:0.000} s ({Rate:0}/s), {Total} since start; duration p50 {P50Ms:0.00} ms, p99 {P99Ms:0.00} ms, max {MaxMs:0.00} ms; GC paused {GcPauseMs:0.0} ms, {AllocatedMiB:0.0} MiB allocated")]
    private partial void Summary(long count, double seconds, double rate, long total, double p50Ms, double p99Ms, double maxMs, double gcPauseMs, double allocatedMiB);
}
