namespace Bench.Analysis;

/// <summary>Command line of the benchmark: `analysis [--incidents N] [--warmup N] ...`.</summary>
internal sealed record AnalysisBenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project tools/Bench -- analysis [options]

          --incidents N        incidents published to incidents.v1, a month of one megacity (default 150000; the
                               embedded broker keeps about 5 MB per partition, about 160,000 incidents)
          --warmup N           of those, analysed before the clock starts (default 100000)
          --seed N             scenario seed (default 1)
          --rate N             publish at N incidents/s while Analysis consumes (an offered load below capacity, for the
                               processing latency of one incident); default: all at once, a backlog (for throughput)
          --arrival-rate N     the warm-up as a backlog, then, once it is analysed, the rest at N incidents/s, measured
                               while they arrive: with N above capacity, the throughput when incidents keep arriving, so
                               that indexing them (which a backlog lets the index feed finish before the clock starts)
                               is in the figures
          --floor              no Analysis: what the broker and Garnet cost per incident for the least work (consume,
                               parse, store offset; then also store the incident and index it in Redis)
          --in-process         no broker, no Redis: what each Analysis replica holds in memory per incident (spatial
                               index, series features, hotspot counts), and the in-memory series search and scoring
                               per property crime on one thread
          --threads            also print Analysis's CPU time per thread name
          --analysis-env K=V   extra environment variable for Analysis (repeatable), e.g. Analysis__MaxInFlight=512
          --analysis-dll PATH  run this Analysis.dll instead of the one built with Bench (e.g. a scratch copy)
        """;

    public int Incidents { get; init; } = 150_000;
    public int WarmUp { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    public int Rate { get; init; }
    public int ArrivalRate { get; init; }
    public bool Threads { get; init; }
    public bool Floor { get; init; }
    public bool InProcess { get; init; }
    public IReadOnlyDictionary<string, string> AnalysisEnvironment { get; init; } = new Dictionary<string, string>();
    public string? AnalysisDll { get; init; }

    public static (AnalysisBenchOptions? Options, string? Error) Parse(string[] args)
    {
        var (options, error) = BenchCommandLine.Parse(args, "analysis", new AnalysisBenchOptions(), (options, flag) => flag.Name switch
        {
            "--incidents" => options with { Incidents = flag.Positive() },
            "--warmup" => options with { WarmUp = flag.NonNegative() },
            "--seed" => options with { Seed = flag.NonNegative() },
            "--rate" => options with { Rate = flag.Positive() },
            "--arrival-rate" => options with { ArrivalRate = flag.Positive() },
            "--threads" => options with { Threads = true },
            "--floor" => options with { Floor = true },
            "--in-process" => options with { InProcess = true },
            "--analysis-dll" => options with { AnalysisDll = flag.FullPath() },
            "--analysis-env" => options with { AnalysisEnvironment = flag.EnvironmentEntry(options.AnalysisEnvironment) },
            _ => flag.Unknown<AnalysisBenchOptions>(),
        });
        return options switch
        {
            { } parsed when parsed.WarmUp >= parsed.Incidents => (null, "--warmup must be smaller than --incidents: the measured incidents come after the warm-up."),
            { Rate: > 0, ArrivalRate: > 0 } => (null, "--rate and --arrival-rate are two ways of publishing: choose one."),
            _ => (options, error),
        };
    }
}
