using System.Globalization;
using Analysis.Domain;
using Analysis.Domain.Series;
using AnalysisEval.Scenario;
using Microsoft.Extensions.Configuration;

namespace AnalysisEval;

/// <summary>Command line of the tool.</summary>
internal sealed record EvalOptions(
    string Command,
    IReadOnlyList<ScenarioSettings> Settings,
    IReadOnlyList<int> Seeds,
    string? OutputPath,
    bool Offline,
    IReadOnlyDictionary<string, string> ServiceSettings,
    TimeSpan Timeout,
    int Explain,
    int Orders,
    IReadOnlyList<string> ListPublic)
{
    public const string Usage = """
        usage:
          AnalysisEval generate [--setting easy|hard|both] [--seed N[,N...]] [--out scenario.jsonl]
              prints what was planted; --out writes one JSON line per incident ({"truth":...,"incident":...}) and per watchlist entry
          AnalysisEval evaluate [--setting easy|hard|both] [--seed N[,N...]] [--offline [--explain N]] [--set Section:Key=Value ...] [--scenario Key=Value ...] [--timeout-seconds N]
              runs the scenario through the real Analysis service (embedded Kafka and Redis, Analysis.dll as a child process)
              and prints pairwise-link ROC AUC, recall at 5 % false-positive rate, series precision and recall,
              chain purity and completeness. --offline: the series scorer alone, no service (for tuning).
              --explain N (with --offline): the N highest-scoring unlinked and lowest-scoring linked pairs with their evidence.
              --set: a service setting, e.g. --set Analysis:Series:LinkThreshold=0.6 (also applied to --offline).
              --scenario: a generator setting changed for a what-if, e.g. --scenario PlateRead=0.8 (property names of
              ScenarioSettings; the setting's name says what was changed).
          AnalysisEval chains [--setting easy|hard|both] [--seed N[,N...]] [--orders N] [--set Analysis:Fraud:Key=Value ...] [--list-public KEY ...]
              the scenario's fraud reports through the service's fraud graph script alone (in-process Garnet), in time
              order and in N orders a consumer of six partitions can see (default 10): chain purity and completeness
              per order, to show how much the chains depend on arrival order. --list-public type:value (e.g.
              pay:alipay:customer-service): listed as public at run time after the time-order run (SetIdentifierPublic), one more row
          AnalysisEval calibrate [--setting easy|hard|both] [--seed N[,N...]] [--set ...]
              fits the series weights by logistic regression on the candidate pairs of generated scenarios
              (use other seeds than the evaluation's) and prints them as --set arguments
        defaults: --setting both --seed 1
        """;

    public static (EvalOptions? Options, string? Error) Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("generate" or "evaluate" or "calibrate" or "chains"))
        {
            return (null, args.Length == 0 ? null : $"unknown command '{args[0]}'");
        }

        var settings = new List<ScenarioSettings> { ScenarioSettings.Easy, ScenarioSettings.Hard };
        var seeds = new List<int> { 1 };
        string? output = null;
        var offline = false;
        var service = new Dictionary<string, string>();
        var timeout = TimeSpan.FromMinutes(15);
        var explain = 0;
        var orders = 10;
        var listPublic = new List<string>();
        var scenario = new List<(string Key, string Value)>();
        for (var i = 1; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--setting":
                        var name = Value();
                        settings = name == "both" ? [ScenarioSettings.Easy, ScenarioSettings.Hard] : [ScenarioSettings.ByName(name)];
                        break;
                    case "--seed":
                        seeds = [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
                        break;
                    case "--out":
                        output = Value();
                        break;
                    case "--offline":
                        offline = true;
                        break;
                    case "--set":
                        var pair = Value().Split('=', 2);
                        if (pair.Length != 2 || pair[0].Length == 0)
                        {
                            return (null, $"--set needs Key=Value, got '{args[i]}'");
                        }

                        service[pair[0]] = pair[1];
                        break;
                    case "--scenario":
                        var change = Value().Split('=', 2);
                        if (change.Length != 2 || change[0].Length == 0)
                        {
                            return (null, $"--scenario needs Key=Value, got '{args[i]}'");
                        }

                        scenario.Add((change[0], change[1]));
                        break;
                    case "--explain":
                        explain = int.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--orders":
                        orders = int.Parse(Value(), CultureInfo.InvariantCulture);
                        if (orders < 0)
                        {
                            return (null, "--orders needs a count of 0 or more");
                        }

                        break;
                    case "--list-public":
                        listPublic.Add(Value());
                        break;
                    case "--timeout-seconds":
                        timeout = TimeSpan.FromSeconds(int.Parse(Value(), CultureInfo.InvariantCulture));
                        break;
                    default:
                        return (null, $"unknown option '{args[i]}'");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                return (null, e.Message);
            }
        }

        if (args[0] != "chains" && (listPublic.Count > 0 || args.Contains("--orders")))
        {
            return (null, "--orders and --list-public apply to the chains command only");
        }

        try
        {
            settings = [.. settings.Select(s => WithChanges(s, scenario))];
        }
        catch (ArgumentException e)
        {
            return (null, e.Message);
        }

        return (new EvalOptions(args[0], settings, seeds, output, offline, service, timeout, explain, orders, listPublic), null);
    }

    /// <summary>A copy of <paramref name="settings"/> with the named properties set, named after its changes ("hard PlateRead=0.8").</summary>
    private static ScenarioSettings WithChanges(ScenarioSettings settings, IReadOnlyList<(string Key, string Value)> changes)
    {
        if (changes.Count == 0)
        {
            return settings;
        }

        var copy = settings with { Name = $"{settings.Name} {string.Join(' ', changes.Select(c => $"{c.Key}={c.Value}"))}" };
        foreach (var (key, value) in changes)
        {
            var property = typeof(ScenarioSettings).GetProperty(key);
            if (property is null || key == nameof(ScenarioSettings.Name) || property.PropertyType == typeof(string))
            {
                throw new ArgumentException($"--scenario: no numeric generator setting '{key}' (see tools/AnalysisEval/Scenario/ScenarioSettings.cs)");
            }

            try
            {
                property.SetValue(copy, Convert.ChangeType(value, property.PropertyType, CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new ArgumentException($"--scenario {key}: '{value}' is not a {(property.PropertyType == typeof(int) ? "whole number" : "number")}", e);
            }
        }

        return copy;
    }

    /// <summary>The fraud options the service will use: its defaults, then every --set under Analysis:Fraud.</summary>
    public FraudOptions FraudOptions()
    {
        var options = new FraudOptions();
        new ConfigurationBuilder().AddInMemoryCollection(ServiceSettings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build()
            .GetSection(Analysis.Domain.FraudOptions.Section).Bind(options);
        return options;
    }

    /// <summary>The series options the service will use: its defaults, the evaluation city's time zone, then every --set under Analysis:Series.</summary>
    public SeriesOptions SeriesOptions()
    {
        var values = new Dictionary<string, string?> { ["Analysis:Series:TimeZoneId"] = City.TimeZoneId };
        foreach (var (key, value) in ServiceSettings)
        {
            values[key] = value;
        }

        var options = new SeriesOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(Analysis.Domain.Series.SeriesOptions.Section).Bind(options);
        return options;
    }
}
