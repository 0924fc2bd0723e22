using System.Globalization;
using AnalysisEval;
using AnalysisEval.Evaluation;
using AnalysisEval.Scenario;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var (options, error) = EvalOptions.Parse(args);
if (options is null)
{
    if (!string.IsNullOrEmpty(error))
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(EvalOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// The scenario ends about a day before now: every incident is inside the service's 30-day retention and none arrives from the future.
var start = DateTimeOffset.UtcNow.AddDays(-(ScenarioSettings.Hard.Days + 1.5));

if (options.Command == "generate")
{
    foreach (var settings in options.Settings)
    {
        foreach (var seed in options.Seeds)
        {
            var scenario = ScenarioGenerator.Generate(settings, seed, start);
            Output.Summary(scenario);
            if (options.OutputPath is { } path)
            {
                var file = options.Settings.Count * options.Seeds.Count > 1 ? Output.PerRunPath(path, settings.Name, seed) : path;
                Output.WriteJsonLines(scenario, file);
                Console.WriteLine($"wrote {file}");
            }
        }
    }

    return 0;
}

if (options.Command == "chains")
{
    foreach (var settings in options.Settings)
    {
        foreach (var seed in options.Seeds)
        {
            var scenario = ScenarioGenerator.Generate(settings, seed, start);
            Output.Chains(scenario, await ChainOrders.RunAsync(scenario, options.FraudOptions(), options.Orders, options.ListPublic, cancel.Token));
        }
    }

    return 0;
}

var seriesOptions = options.SeriesOptions();
if (options.Command == "calibrate")
{
    var training = options.Settings.SelectMany(settings => options.Seeds.Select(seed => ScenarioGenerator.Generate(settings, seed, start)));
    Calibration.Print(Calibration.Fit(training, seriesOptions));
    return 0;
}

var scorecards = new List<Scorecard>();
foreach (var settings in options.Settings)
{
    foreach (var seed in options.Seeds)
    {
        var scenario = ScenarioGenerator.Generate(settings, seed, start);
        Output.Summary(scenario);
        var observations = options.Offline
            ? OfflineRun.Observe(scenario, seriesOptions, options.Explain)
            : await ServiceRun.ObserveAsync(scenario, options.ServiceSettings, options.Timeout, cancel.Token);
        var scorecard = Scorecard.Compute(scenario, observations, options.Offline ? "scorer only" : "service", seriesOptions);
        Output.Print(scorecard);
        scorecards.Add(scorecard);
    }
}

Output.Table(scorecards);
return 0;
