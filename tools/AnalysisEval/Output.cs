using System.Text;
using System.Text.Json;
using AnalysisEval.Evaluation;
using AnalysisEval.Metrics;
using AnalysisEval.Scenario;
using Google.Protobuf;

namespace AnalysisEval;

internal static class Output
{
    /// <summary>Chain purity and completeness per arrival order, then their range.</summary>
    public static void Chains(LabelledScenario scenario, IReadOnlyList<ChainOrderResult> results)
    {
        var chains = scenario.TrueChains.Select(c => c.Count()).ToList();
        Console.WriteLine($"== {scenario.Settings.Name}, seed {scenario.Seed}: {scenario.Incidents.Count(i => i.Incident.Report.Category == Contracts.Common.V1.IncidentCategory.Fraud)} fraud reports, {chains.Count} planted chains ({string.Join(", ", chains)})");
        foreach (var r in results)
        {
            Console.WriteLine($"   {r.Order,-22} purity {r.Purity:F3}  completeness {r.Completeness:F3}  chains {r.Chains}"
                              + (r.AfterListing ? "" : $"  joins of known chains {r.Joins}, {r.JoinPrecision:P0} right"));
        }

        var orders = results.Where(r => !r.AfterListing).ToList();
        Console.WriteLine($"   range over {orders.Count} orders: purity {orders.Min(r => r.Purity):F3}-{orders.Max(r => r.Purity):F3}, completeness {orders.Min(r => r.Completeness):F3}-{orders.Max(r => r.Completeness):F3}, "
                          + $"joins right {orders.Min(r => r.JoinPrecision):P0}-{orders.Max(r => r.JoinPrecision):P0}");
    }

    public static void Summary(LabelledScenario scenario)
    {
        var roles = scenario.Incidents.GroupBy(i => i.Truth.Role).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"== {scenario.Settings.Name}, seed {scenario.Seed}: {scenario.Incidents.Count:N0} incidents from {scenario.Start:yyyy-MM-dd} over {scenario.Settings.Days} days ({string.Join(", ", roles)})");
        foreach (var series in scenario.TrueSeries)
        {
            var first = series.First().Incident.Report;
            var districts = series.Select(i => i.Incident.Report.District).Distinct().ToList();
            Console.WriteLine($"   {series.Key}: {series.Count()} {first.Category.ToString().ToLowerInvariant()} offences, '{first.ModusOperandi?.EntryMethod}', {districts.Count} district(s): {string.Join(", ", districts)}");
        }

        var chains = scenario.TrueChains.Select(c => $"{c.Key} {c.Count()}");
        Console.WriteLine($"   fraud chains: {string.Join(", ", chains)}; watchlist entries {scenario.Watchlist.Count}");
    }

    public static void Print(Scorecard s)
    {
        Console.WriteLine($"-- {s.Setting}, seed {s.Seed} ({s.Mode}; processed in {s.ProcessingTime.TotalSeconds:F1} s)");
        Console.WriteLine($"   pairwise links over all {s.AllPairs:N0} property-crime pairs ({s.LinkedPairs:N0} truly linked): ROC AUC {s.RocAuc:F3}, recall at 5 % FPR {s.RecallAt5PercentFpr:F3}");
        Console.WriteLine($"   over the {s.CandidatePairs:N0} candidate pairs (within radius and window; {s.LinkedCandidatePairs:N0} linked): ROC AUC {s.CandidateRocAuc:F3}, recall at 5 % FPR {s.CandidateRecallAt5PercentFpr:F3}");
        Console.WriteLine($"   series (pairwise co-membership): precision {s.Series.Precision:F3}, recall {s.Series.Recall:F3} ({s.Series.CorrectPairs:N0} correct of {s.Series.PredictedPairs:N0} predicted pairs, {s.Series.TruePairs:N0} true; {s.PredictedSeries} predicted series, {s.TrueSeries} planted)");
        Console.WriteLine($"   crews: {s.Crews.FlaggedCrews} of {s.Crews.PlantedCrews} flagged (the majority of a series of {s.Crews.MinSize}+ holding {s.Crews.MinSize}+ of their offences); "
            + $"{s.Crews.RaisedSeries} series of {s.Crews.MinSize}+ raised, {s.Crews.StraySeries} of them mostly not one crew's");
        var p = s.Patrol;
        Console.WriteLine($"   next area (movement model on the planted series, {p.Forecasts} forecasts): next offence inside the circle {p.InArea:P0} "
            + $"(mean radius {p.MeanRadiusKm:F1} km; the same circles around the last offence {p.AroundLastInArea:P0}), inside the time window {p.InWindow:P0}, both {p.InBoth:P0}; the next outing (6 h or more later) inside both {p.NextNightInBoth:P0}");
        Console.WriteLine($"   patrol plan (made when the last offence was reported): next offence inside one of its areas in its window {p.PlanInBoth:P0}, "
            + $"asking {p.MeanPlanHours:F1} h of patrol in {p.MeanPlanNights:F1} windows on average");
        if (s.Mode == "service")
        {
            Console.WriteLine($"   fraud chains: purity {s.ChainPurity:F3}, completeness {s.ChainCompleteness:F3} ({s.PredictedChains} predicted, {s.TrueChains} planted)");
            Console.WriteLine($"   disputes (pairwise): precision {s.Disputes.Precision:F3}, recall {s.Disputes.Recall:F3}; watchlist hits: precision {s.Watchlist.Precision:F3}, recall {s.Watchlist.Recall:F3}");
            Console.WriteLine($"   INTERCEPT (P1): {s.Intercepts.Raised} raised, {s.Intercepts.Precision:P1} right (the report belongs to the planted chain of most of the chain); {s.Intercepts.Splits} FRAUD_CHAIN_SPLIT");
        }
    }

    public static void Table(IReadOnlyList<Scorecard> scorecards)
    {
        if (scorecards.Count == 0)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| setting | seed | mode | AUC (all pairs) | recall@5%FPR (all) | AUC (candidates) | recall@5%FPR (candidates) | series P | series R | crews flagged | stray series | chain purity | chain completeness |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in scorecards)
        {
            var chains = s.Mode == "service" ? $"{s.ChainPurity:F3} | {s.ChainCompleteness:F3}" : "- | -";
            Console.WriteLine($"| {s.Setting} | {s.Seed} | {s.Mode} | {s.RocAuc:F3} | {s.RecallAt5PercentFpr:F3} | {s.CandidateRocAuc:F3} | {s.CandidateRecallAt5PercentFpr:F3} | {s.Series.Precision:F3} | {s.Series.Recall:F3} | {s.Crews.FlaggedCrews}/{s.Crews.PlantedCrews} | {s.Crews.StraySeries}/{s.Crews.RaisedSeries} | {chains} |");
        }
    }

    public static string PerRunPath(string path, string setting, int seed)
        => Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}-{setting}-{seed}{Path.GetExtension(path)}");

    /// <summary>One line per incident: {"truth": {...}, "incident": protobuf JSON}; then one per watchlist entry.</summary>
    public static void WriteJsonLines(LabelledScenario scenario, string path)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        var formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
        foreach (var labelled in scenario.Incidents)
        {
            writer.WriteLine($"{{\"truth\":{JsonSerializer.Serialize(labelled.Truth)},\"incident\":{formatter.Format(labelled.Incident)}}}");
        }

        foreach (var entry in scenario.Watchlist)
        {
            writer.WriteLine($"{{\"watchlist\":{formatter.Format(entry)}}}");
        }
    }
}
