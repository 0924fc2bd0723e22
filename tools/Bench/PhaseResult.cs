namespace Bench;

/// <summary>One measured phase: what was done, how fast, against which target, and what it cost in CPU.</summary>
internal sealed record PhaseResult(string Name, string Unit, long Count, double Seconds, double Target, CpuUse Cpu, string Detail)
{
    public double Rate => Seconds > 0 ? Count / Seconds : 0;
}
