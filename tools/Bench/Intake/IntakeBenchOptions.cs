using System.Globalization;

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
    {
        if (args.Length == 0 || args[0] != "intake")
        {
            return (null, "The first argument must be the benchmark to run: intake.");
        }
        var options = new IntakeBenchOptions();
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
                    "--seconds" => options with { Seconds = Positive() },
                    "--bulk-streams" => options with { BulkStreams = Positive() },
                    "--bulk-items" => options with { BulkItems = Math.Min(Positive(), 50_000) },
                    "--partner-count" => options with { PartnerCount = Positive() },
                    "--partner-warmup" => options with { PartnerWarmUp = NonNegative() },
                    "--unary-callers" => options with { UnaryCallers = Positive() },
                    "--unary-connections" => options with { UnaryConnections = Positive() },
                    "--threads" => options with { Threads = true },
                    "--intake-dll" => options with { IntakeDll = Path.GetFullPath(Next()) },
                    "--phases" => options with { Phases = ParsePhases(Next()) },
                    "--intake-env" => AddEnv(options, env, Next()),
                    "--help" or "-h" => throw new FormatException(""),
                    _ => throw new FormatException($"Unknown option {flag}."),
                };
            }
            catch (FormatException e)
            {
                return (null, e.Message);
            }
        }
        return (options with { IntakeEnvironment = env }, null);
    }

    private static IntakeBenchOptions AddEnv(IntakeBenchOptions options, Dictionary<string, string> env, string pair)
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0)
        {
            throw new FormatException("--intake-env needs KEY=VALUE.");
        }
        env[pair[..eq]] = pair[(eq + 1)..];
        return options;
    }

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
