using ServiceProcesses;

namespace Bench;

/// <summary>A point in time to measure a phase's CPU use from.</summary>
internal sealed class CpuSnapshot
{
    private CpuSnapshot(int servicePid, double service, double bench, (double Busy, double Total, double Interrupts, double Steal) machine, Dictionary<string, double>? threads, Dictionary<string, double>? benchThreads)
    {
        BenchThreads = benchThreads;
        At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        ServicePid = servicePid;
        Service = service;
        Bench = bench;
        Machine = machine;
        Threads = threads;
    }

    /// <summary>Unix time in ms, to line the phase up with other recordings (perf, logs).</summary>
    public long At { get; }

    public int ServicePid { get; }
    public double Service { get; }
    public double Bench { get; }
    public (double Busy, double Total, double Interrupts, double Steal) Machine { get; }
    public Dictionary<string, double>? Threads { get; }
    public Dictionary<string, double>? BenchThreads { get; }

    public static CpuSnapshot Take(int servicePid, bool threads) => new(
        servicePid,
        ProcStat.ProcessCpuSeconds(servicePid),
        ProcStat.ProcessCpuSeconds(Environment.ProcessId),
        ProcStat.Machine(),
        threads ? ProcStat.ThreadCpuSeconds(servicePid) : null,
        threads ? ProcStat.ThreadCpuSeconds(Environment.ProcessId) : null);

    public CpuUse Since(CpuSnapshot start, double wallSeconds)
    {
        var threads = Delta(Threads, start.Threads);
        var benchThreads = Delta(BenchThreads, start.BenchThreads);
        var machineTotal = Machine.Total - start.Machine.Total;
        return new CpuUse(
            start.At,
            At,
            wallSeconds,
            Service - start.Service,
            Bench - start.Bench,
            machineTotal > 0 ? (Machine.Busy - start.Machine.Busy) / machineTotal : 0,
            Machine.Interrupts - start.Machine.Interrupts,
            Machine.Steal - start.Machine.Steal,
            Math.Max(0, Machine.Busy - start.Machine.Busy - (Machine.Interrupts - start.Machine.Interrupts) - (Machine.Steal - start.Machine.Steal)
                - (Service - start.Service) - (Bench - start.Bench)),
            threads,
            benchThreads);
    }

    private static List<(string Name, double Seconds)>? Delta(Dictionary<string, double>? end, Dictionary<string, double>? start)
        => end is null || start is null
            ? null
            : end.Select(t => (t.Key, Seconds: t.Value - start.GetValueOrDefault(t.Key)))
                .Where(t => t.Seconds > 0).OrderByDescending(t => t.Seconds).ToList();
}

/// <param name="ServiceSeconds">CPU seconds the service under test used.</param>
/// <param name="BenchSeconds">CPU seconds this process used: embedded Kafka, embedded Redis and the load generator.</param>
/// <param name="MachineBusy">Share of all cores busy (0..1).</param>
/// <param name="OtherSeconds">CPU seconds used by everything else on the machine (other programs, kernel threads): should be near 0 for a clean measurement.</param>
/// <param name="InterruptSeconds">irq + softirq time of the machine (TCP over loopback is mostly softirq), not charged to any process.</param>
/// <param name="StealSeconds">time the hypervisor gave this VM's cores to someone else.</param>
internal sealed record CpuUse(long FromUnixMs, long ToUnixMs, double WallSeconds, double ServiceSeconds, double BenchSeconds, double MachineBusy, double InterruptSeconds, double StealSeconds, double OtherSeconds, IReadOnlyList<(string Name, double Seconds)>? Threads, IReadOnlyList<(string Name, double Seconds)>? BenchThreads);

internal static class Idle
{
    /// <summary>Share of all cores busy over <paramref name="window"/> (0..1), measured before anything of the benchmark runs.</summary>
    public static double Measure(TimeSpan window)
    {
        var start = ProcStat.Machine();
        Thread.Sleep(window);
        var end = ProcStat.Machine();
        var total = end.Total - start.Total;
        return total > 0 ? (end.Busy - start.Busy) / total : 0;
    }
}
