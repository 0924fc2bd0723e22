namespace Bench.Intake;

/// <summary>Command line of the benchmark: `intake [--seconds N] [--phases bulk,partner,unary] ...`.</summary>
internal sealed record IntakeBenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project tools/Bench -- intake [options]

          --seconds N          duration of the unary phase (default 20)
          --phases LIST        comma-separated subset of partner,bulk,unary (default all, in that order)
          --bulk-streams N     concurrent SubmitReports calls (default 8)
          --bulk-items N       reports per SubmitReports call (default 25000, at most 50000)
          --partner-count N    records pre-produced to partner.incidents.v1 (default 200000)
          --partner-warmup N   records before those, consumed before the clock starts (default 100000; 0 for none)
          --unary-callers N    concurrent SubmitReport callers (default 64)
          --unary-connections N  HTTP/2 connections the unary callers share (default 1)
          --threads            also print Intake's CPU time per thread name for each phase
          --intake-env K=V     extra environment variable for Intake (repeatable), e.g. Intake__PartnerMaxInFlight=5000
          --intake-dll PATH    run this Intake.dll instead of the one built with Bench (e.g. a scratch copy)
        """;

    public int Seconds { get; init; } = 20;
    public IReadOnlyList<string> Phases { get; init; } = ["partner", "bulk", "unary"];
    public int BulkStreams { get; init; } = 8;
    public int BulkItems { get; init; } = 25_000;
    public int PartnerCount { get; init; } = 200_000;
    public int PartnerWarmUp { get; init; } = 100_000;
    public int UnaryCallers { get; init; } = 64;
    public int UnaryConnections { get; init; } = 1;
    public bool Threads { get; init; }
    public IReadOnlyDictionary<string, string> IntakeEnvironment { get; init; } = new Dictionary<string, string>();
    public string? IntakeDll { get; init; }

    public static (IntakeBenchOptions? Options, string? Error) Parse(string[] args)
        => BenchCommandLine.Parse(args, "intake", new IntakeBenchOptions(), (options, flag) => flag.Name switch
        {
            "--seconds" => options with { Seconds = flag.Positive() },
            "--bulk-streams" => options with { BulkStreams = flag.Positive() },
            "--bulk-items" => options with { BulkItems = Math.Min(flag.Positive(), 50_000) },
            "--partner-count" => options with { PartnerCount = flag.Positive() },
            "--partner-warmup" => options with { PartnerWarmUp = flag.NonNegative() },
            "--unary-callers" => options with { UnaryCallers = flag.Positive() },
            "--unary-connections" => options with { UnaryConnections = flag.Positive() },
            "--threads" => options with { Threads = true },
            "--intake-dll" => options with { IntakeDll = flag.FullPath() },
            "--phases" => options with { Phases = ParsePhases(flag.Value()) },
            "--intake-env" => options with { IntakeEnvironment = flag.EnvironmentEntry(options.IntakeEnvironment) },
            _ => flag.Unknown<IntakeBenchOptions>(),
        });

    private static string[] ParsePhases(string list)
    {
        string[] known = ["partner", "bulk", "unary"];
        var phases = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (phases.Length == 0 || phases.Any(p => !known.Contains(p)))
        {
            throw new FormatException($"--phases takes a comma-separated subset of {string.Join(",", known)}.");
        }
        // Always in the canonical order: the partner backlog must exist before Intake starts.
        return known.Where(phases.Contains).ToArray();
    }
}
