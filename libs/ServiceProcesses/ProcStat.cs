using System.Globalization;

namespace ServiceProcesses;

/// <summary>
/// CPU time from /proc (Linux): of a process (utime + stime of /proc/pid/stat), of each of its
/// threads (by thread name), and of the whole machine (/proc/stat). Clock ticks are 1/100 s.
/// </summary>
public static class ProcStat
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
