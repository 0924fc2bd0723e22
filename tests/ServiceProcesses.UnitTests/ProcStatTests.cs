using ServiceProcesses;

namespace ServiceProcesses.UnitTests;

public sealed class ProcStatTests
{
    /// <summary>The tools run on Linux: /proc.</summary>
    [Fact]
    public void This_process_has_used_cpu_and_memory_and_has_named_threads()
    {
        var pid = Environment.ProcessId;

        Assert.True(ProcStat.ProcessCpuSeconds(pid) > 0);
        Assert.True(ProcStat.PeakResidentMiB(pid) > 1);
        Assert.NotEmpty(ProcStat.ThreadCpuSeconds(pid));
        var machine = ProcStat.Machine();
        Assert.True(machine.Total > machine.Busy && machine.Busy > 0);
    }
}
