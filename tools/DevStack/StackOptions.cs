using System.Globalization;

namespace DevStack;

/// <summary>Command line of the local stack. Parsed by hand: the tool must not need packages beyond the suite's own.</summary>
internal sealed record StackOptions(
    bool Demo,
    int GatewayPort,
    int IntakePort,
    int AnalysisPort,
    int DispatchPort,
    int RedisPort)
{
    public static readonly StackOptions Defaults = new(Demo: true, GatewayPort: 5100, IntakePort: 5101, AnalysisPort: 5102, DispatchPort: 5103, RedisPort: 6380);

    public const string Usage = """
        Runs the whole suite locally: embedded Kafka and embedded Redis in this process, Intake,
        Analysis, Dispatch and the gateway as child processes on 127.0.0.1. No Docker needed.

        Usage: dotnet run --project tools/DevStack [-- options]

        Options:
          --no-demo             only the stack: no demo units, feed or reports
          --gateway-port <n>    gateway (the address clients use)    default 5100
          --intake-port <n>     Intake service                       default 5101
          --analysis-port <n>   Analysis service                     default 5102
          --dispatch-port <n>   Dispatch service                     default 5103
          --redis-port <n>      embedded Redis (Garnet)              default 6380
          -h, --help            this text

        Ctrl+C stops everything.
        """;

    /// <summary>Every TCP port the stack listens on, with the flag that changes it.</summary>
    public IReadOnlyList<(string Owner, int Port, string Flag)> Ports =>
    [
        ("gateway", GatewayPort, "--gateway-port"),
        ("intake", IntakePort, "--intake-port"),
        ("analysis", AnalysisPort, "--analysis-port"),
        ("dispatch", DispatchPort, "--dispatch-port"),
        ("redis", RedisPort, "--redis-port"),
    ];

    /// <summary>Options, or why the command line is wrong, or a request for help.</summary>
    public sealed record ParseResult(StackOptions? Options, string? Error, bool ShowHelp);

    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        var options = Defaults;
        for (var i = 0; i < args.Count; i++)
        {
            // Both "--flag value" and "--flag=value".
            var (flag, inlineValue) = args[i].Split('=', 2) is [var f, var v] ? (f, v) : (args[i], null);
            switch (flag)
            {
                case "-h" or "--help" or "-?":
                    return new ParseResult(null, null, ShowHelp: true);
                case "--no-demo" when inlineValue is null:
                    options = options with { Demo = false };
                    continue;
            }

            if (!TryApplyPort(options, flag, out var apply))
            {
                return new ParseResult(null, $"Unknown option '{args[i]}'.", false);
            }
            var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
            if (value is null)
            {
                return new ParseResult(null, $"{flag} needs a port number.", false);
            }
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                return new ParseResult(null, $"{flag} '{value}' is not a port number (1-65535).", false);
            }
            options = apply(port);
        }
        return new ParseResult(options, null, false);
    }

    private static bool TryApplyPort(StackOptions options, string flag, out Func<int, StackOptions> apply)
    {
        apply = flag switch
        {
            "--gateway-port" => port => options with { GatewayPort = port },
            "--intake-port" => port => options with { IntakePort = port },
            "--analysis-port" => port => options with { AnalysisPort = port },
            "--dispatch-port" => port => options with { DispatchPort = port },
            "--redis-port" => port => options with { RedisPort = port },
            _ => null!,
        };
        return apply is not null;
    }
}
