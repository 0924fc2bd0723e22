using System.Globalization;

namespace Bench;

/// <summary>
/// CPU time from /proc (Linux): of a process (utime + stime of /proc/pid/stat), of each of its
/// threads (by thread name), and of the whole machine (/proc/stat). Clock ticks are 1/100 s.
/// </summary>
internal static class ProcStat
{
    private const double TicksPerSecond = 100; // sysconf(_SC_CLK_TCK) on every Linux the SDK supports

    /// <summary>utime + stime of the process (all its threads, including exited ones), in seconds.</summary>
    public static double ProcessCpuSeconds(int pid) => ParseCpu(File.ReadAllText($"/proc/{pid}/stat")).Cpu;

    /// <summary>VmHWM of /proc/pid/status: the most memory the process has held resident.</summary>
    public static double PeakResidentMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>CPU seconds per thread name ("rdk:broker1", ".NET TP Worker", ...), summed over threads of the same name.</summary>
    public static Dictionary<string, double> ThreadCpuSeconds(int pid)
    {
        var byName = new Dictionary<string, double>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var (name, cpu) = ParseCpu(File.ReadAllText(Path.Combine(task, "stat")));
                byName[name] = byName.GetValueOrDefault(name) + cpu;
            }
            catch (IOException)
            {
                // The thread exited meanwhile.
            }
        }
        return byName;
    }

    /// <summary>Busy, total and interrupt (irq + softirq: loopback networking lands here) seconds of all cores together since boot (first line of /proc/stat).</summary>
    public static (double Busy, double Total, double Interrupts, double Steal) Machine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
        var total = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return ((total - idle) / TicksPerSecond, total / TicksPerSecond, (fields[5] + fields[6]) / TicksPerSecond, fields[7] / TicksPerSecond);
    }

    private static (string Name, double Cpu) ParseCpu(string stat)
    {
        // pid (comm) state ppid ... : comm may contain spaces and parentheses, so split after the last ')'.
        var open = stat.IndexOf('(');
        var close = stat.LastIndexOf(')');
        var name = stat[(open + 1)..close];
        var rest = stat[(close + 2)..].Split(' ');
        // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return (NormaliseThreadName(name), (utime + stime) / TicksPerSecond);
    }

    /// <summary>".NET TP Worker" threads are numbered by nobody, but librdkafka's carry ids; keep names as the kernel has them (15 chars).</summary>
    private static string NormaliseThreadName(string name) => name.Trim();
}

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
