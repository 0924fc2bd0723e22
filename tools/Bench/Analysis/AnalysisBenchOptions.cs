using System.Globalization;

namespace Bench.Analysis;

/// <summary>Command line of the benchmark: `analysis [--incidents N] [--warmup N] ...`.</summary>
internal sealed record AnalysisBenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project tools/Bench -- analysis [options]

          --incidents N        incidents published to incidents.v1, a month of one megacity (default 300000)
          --warmup N           of those, analysed before the clock starts (default 100000)
          --seed N             scenario seed (default 1)
          --threads            also print Analysis's CPU time per thread name
          --analysis-env K=V   extra environment variable for Analysis (repeatable), e.g. Analysis__MaxInFlight=512
          --analysis-dll PATH  run this Analysis.dll instead of the one built with Bench (e.g. a scratch copy)
        """;

    public int Incidents { get; init; } = 300_000;
    public int WarmUp { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    public bool Threads { get; init; }
    public IReadOnlyDictionary<string, string> AnalysisEnvironment { get; init; } = new Dictionary<string, string>();
    public string? AnalysisDll { get; init; }

    public static (AnalysisBenchOptions? Options, string? Error) Parse(string[] args)
    {
        if (args.Length == 0 || args[0] != "analysis")
        {
            return (null, "The first argument must be the benchmark to run: analysis.");
        }
        var options = new AnalysisBenchOptions();
        var env = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i++)
        {
            var flag = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{flag} needs a value.");
            int Positive() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new FormatException($"{flag} needs a positive whole number.");
            int NonNegative() => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n : throw new FormatException($"{flag} needs a whole number.");
            try
            {
                options = flag switch
                {
                    "--incidents" => options with { Incidents = Positive() },
                    "--warmup" => options with { WarmUp = NonNegative() },
                    "--seed" => options with { Seed = NonNegative() },
                    "--threads" => options with { Threads = true },
                    "--analysis-dll" => options with { AnalysisDll = Path.GetFullPath(Next()) },
                    "--analysis-env" => AddEnv(options, env, Next()),
                    "--help" or "-h" => throw new FormatException(""),
                    _ => throw new FormatException($"Unknown option {flag}."),
                };
            }
            catch (FormatException e)
            {
                return (null, e.Message);
            }
        }
        if (options.WarmUp >= options.Incidents)
        {
            return (null, "--warmup must be smaller than --incidents: the measured incidents come after the warm-up.");
        }
        return (options with { AnalysisEnvironment = env }, null);
    }

    private static AnalysisBenchOptions AddEnv(AnalysisBenchOptions options, Dictionary<string, string> env, string pair)
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0)
        {
            throw new FormatException("--analysis-env needs KEY=VALUE.");
        }
        env[pair[..eq]] = pair[(eq + 1)..];
        return options;
    }
}
