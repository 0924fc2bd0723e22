using System.Globalization;

namespace Bench;

/// <summary>Console output of the results.</summary>
internal static class Output
{
    public static void Phase(PhaseResult r)
    {
        Console.WriteLine($"{r.Name}: {r.Rate:N0} {r.Unit} ({r.Count:N0} in {r.Seconds:F2} s, unix ms {r.Cpu.FromUnixMs}..{r.Cpu.ToUnixMs}); {r.Detail}");
        Console.WriteLine($"  CPU: intake {r.Cpu.ServiceSeconds:F1} s ({r.Cpu.ServiceSeconds / r.Cpu.WallSeconds * 100:F0}% of one core, " +
            $"{r.Cpu.ServiceSeconds * 1e6 / Math.Max(1, r.Count):F0} us/item), bench process (broker+redis+client) {r.Cpu.BenchSeconds:F1} s " +
            $"({r.Cpu.BenchSeconds / r.Cpu.WallSeconds * 100:F0}%), machine {r.Cpu.MachineBusy * 100:F0}% busy of {Environment.ProcessorCount} cores, " +
            $"irq/softirq {r.Cpu.InterruptSeconds:F1} s, steal {r.Cpu.StealSeconds:F1} s, other processes {r.Cpu.OtherSeconds:F1} s");
        if (r.Cpu.OtherSeconds > 0.1 * r.Cpu.WallSeconds)
        {
            Console.WriteLine($"  WARNING: other processes used {r.Cpu.OtherSeconds / r.Cpu.WallSeconds * 100:F0}% of a core during this phase; the numbers are not clean.");
        }
        if (r.Cpu.Threads is { } threads)
        {
            Console.WriteLine("  intake CPU by thread name:");
            foreach (var (name, seconds) in threads.Take(12))
            {
                Console.WriteLine($"    {name,-18} {seconds,7:F2} s  {seconds / r.Cpu.ServiceSeconds * 100,5:F1}%");
            }
        }
        if (r.Cpu.BenchThreads is { } benchThreads)
        {
            Console.WriteLine("  bench process CPU by thread name (rdk:mock* = embedded broker, Garnet/.NET TP Worker = embedded Redis and the load generator):");
            foreach (var (name, seconds) in benchThreads.Take(8))
            {
                Console.WriteLine($"    {name,-18} {seconds,7:F2} s  {seconds / r.Cpu.BenchSeconds * 100,5:F1}%");
            }
        }
    }

    public static void Table(IReadOnlyList<PhaseResult> results, double intakeCpuTotal, double intakePeakRssMiB)
    {
        string[] header = ["phase", "count", "wall s", "rate", "target", "met", "intake CPU s", "intake cores", "intake us/item", "bench CPU s", "softirq s", "other CPU s", "machine busy"];
        var rows = results.Select(r => new[]
        {
            r.Name,
            r.Count.ToString("N0", CultureInfo.InvariantCulture),
            r.Seconds.ToString("F2", CultureInfo.InvariantCulture),
            $"{r.Rate:N0} {r.Unit}",
            $">= {r.Target:N0}",
            r.Rate >= r.Target ? "yes" : "NO",
            r.Cpu.ServiceSeconds.ToString("F1", CultureInfo.InvariantCulture),
            (r.Cpu.ServiceSeconds / r.Cpu.WallSeconds).ToString("F2", CultureInfo.InvariantCulture),
            (r.Cpu.ServiceSeconds * 1e6 / Math.Max(1, r.Count)).ToString("F0", CultureInfo.InvariantCulture),
            r.Cpu.BenchSeconds.ToString("F1", CultureInfo.InvariantCulture),
            r.Cpu.InterruptSeconds.ToString("F1", CultureInfo.InvariantCulture),
            r.Cpu.OtherSeconds.ToString("F1", CultureInfo.InvariantCulture),
            $"{r.Cpu.MachineBusy * 100:F0}%",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |";
        Console.WriteLine();
        Console.WriteLine(Line(header));
        Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row));
        }
        foreach (var r in results)
        {
            Console.WriteLine($"  {r.Name}: {r.Detail}");
        }
        Console.WriteLine($"Intake process CPU time in total (from /proc, start-up included): {intakeCpuTotal:F1} s; peak resident memory {intakePeakRssMiB:F0} MiB");
    }
}

internal static class Hardware
{
    public static string CpuModel()
        => File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";

    public static double MemoryGiB()
        => File.Exists("/proc/meminfo")
            ? long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0
            : 0;
}
