using Analysis.Domain.Series;
using AnalysisEval.Metrics;
using AnalysisEval.Scenario;

namespace AnalysisEval.Evaluation;

/// <summary>Every metric of one run, computed from the ground truth and the observations.</summary>
public sealed record Scorecard(
    string Setting,
    int Seed,
    string Mode,
    int Incidents,
    int PropertyCrimes,
    int TrueSeries,
    long AllPairs,
    long LinkedPairs,
    double RocAuc,
    double RecallAt5PercentFpr,
    long CandidatePairs,
    long LinkedCandidatePairs,
    double CandidateRocAuc,
    double CandidateRecallAt5PercentFpr,
    PairwiseScores Series,
    int PredictedSeries,
    CrewDetection Crews,
    PatrolForecastScores Patrol,
    double ChainPurity,
    double ChainCompleteness,
    int TrueChains,
    int PredictedChains,
    PairwiseScores Disputes,
    PairwiseScores Watchlist,
    TimeSpan ProcessingTime,
    InterceptScores Intercepts)
{
    /// <summary>
    /// Pairs: every unordered pair of property crimes (theft, burglary, robbery); a pair is linked when both belong to the
    /// same planted series; a pair the service never scored has score 0. "Candidate" pairs are those within the candidate
    /// radius and window (by reported position and time): the ones a scorer actually has to tell apart.
    /// </summary>
    public static Scorecard Compute(LabelledScenario scenario, Observations observed, string mode, SeriesOptions seriesOptions)
    {
        var property = scenario.Incidents.Where(i => SeriesFeatures.IsSeriesCategory(i.Incident.Report.Category)).ToList();
        var features = property.Select(i => SeriesFeatures.From(i.Incident)).ToList();
        var all = new List<ScoredPair>(property.Count * (property.Count - 1) / 2);
        var candidates = new List<ScoredPair>();
        var radiusM = seriesOptions.CandidateRadiusKm * 1000;
        var windowHours = seriesOptions.CandidateWindowDays * 24.0;
        for (var i = 0; i < property.Count; i++)
        {
            for (var j = i + 1; j < property.Count; j++)
            {
                var linked = property[i].Truth.SeriesId is { } s && s == property[j].Truth.SeriesId;
                var score = observed.PairScores.GetValueOrDefault(new IncidentPair(property[i].Id, property[j].Id));
                var pair = new ScoredPair(score, linked);
                all.Add(pair);
                if (IsCandidate(features[i], features[j], radiusM, windowHours))
                {
                    candidates.Add(pair);
                }
            }
        }

        var seriesTruth = Labels(scenario, t => t.SeriesId);
        var chainTruth = Labels(scenario, t => t.ChainId);
        var fraudIds = scenario.Incidents.Where(i => i.Incident.Report.Category == Contracts.Common.V1.IncidentCategory.Fraud).Select(i => i.Id).ToHashSet();
        var predictedChains = observed.ChainOf.Where(c => fraudIds.Contains(c.Key)).ToDictionary();
        var watchTruth = Labels(scenario, t => t.WatchlistEntryId);
        return new Scorecard(
            scenario.Settings.Name,
            scenario.Seed,
            mode,
            scenario.Incidents.Count,
            property.Count,
            scenario.TrueSeries.Count(),
            all.Count,
            all.Count(p => p.Linked),
            LinkMetrics.RocAuc(all),
            LinkMetrics.RecallAtFalsePositiveRate(all, 0.05),
            candidates.Count,
            candidates.Count(p => p.Linked),
            LinkMetrics.RocAuc(candidates),
            LinkMetrics.RecallAtFalsePositiveRate(candidates, 0.05),
            ClusterMetrics.Pairwise(observed.SeriesOf, seriesTruth),
            observed.SeriesOf.Values.Distinct().Count(),
            ClusterMetrics.Crews(observed.SeriesOf, seriesTruth, seriesOptions.MinSeriesSize),
            PatrolForecast.Evaluate(scenario, seriesOptions),
            ClusterMetrics.Purity(predictedChains, chainTruth),
            ClusterMetrics.Completeness(predictedChains, chainTruth),
            scenario.TrueChains.Count(),
            predictedChains.Values.Distinct().Count(),
            ClusterMetrics.Pairwise(observed.DisputeOf, Labels(scenario, t => t.DisputeGroup)),
            // A watchlist hit is a pair (sighting, entry): precision over hits reported, recall over planted sightings.
            WatchlistScores(observed.WatchlistHitOf, watchTruth),
            observed.ProcessingTime,
            InterceptScores.Of(observed.Alerts, chainTruth));
    }

    private static bool IsCandidate(SeriesFeatures a, SeriesFeatures b, double radiusM, double windowHours)
        => a.Location is not null && b.Location is not null && Geo.DistanceM(a.Location, b.Location) <= radiusM
           && a.OccurredAt is { } ta && b.OccurredAt is { } tb && Math.Abs((ta - tb).TotalHours) <= windowHours;

    private static Dictionary<string, string> Labels(LabelledScenario scenario, Func<GroundTruth, string?> label)
        => scenario.Incidents.Where(i => label(i.Truth) is not null).ToDictionary(i => i.Id, i => label(i.Truth)!);

    private static PairwiseScores WatchlistScores(IReadOnlyDictionary<string, string> hits, IReadOnlyDictionary<string, string> truth)
    {
        var correct = hits.Count(h => truth.TryGetValue(h.Key, out var entry) && entry == h.Value);
        return new PairwiseScores(
            hits.Count == 0 ? 1 : (double)correct / hits.Count,
            truth.Count == 0 ? 1 : (double)correct / truth.Count,
            hits.Count, truth.Count, correct);
    }
}

/// <summary>
/// INTERCEPT is P1 and Dispatch acts on it, so each one should be right: the new report (incident_ids[0]) belongs to the
/// planted chain that most of the chain's other incidents (the rest of incident_ids) belong to.
/// </summary>
/// <param name="Raised">INTERCEPT alerts published.</param>
/// <param name="Precision">Share of them that were right (1 when none were raised).</param>
/// <param name="Splits">FRAUD_CHAIN_SPLIT alerts published (chains that came apart when an identifier was found common).</param>
public readonly record struct InterceptScores(int Raised, double Precision, int Splits)
{
    public static InterceptScores Of(IReadOnlyList<Contracts.Common.V1.Alert> alerts, IReadOnlyDictionary<string, string> chainTruth)
    {
        var intercepts = alerts.Where(a => a.Kind == Contracts.Common.V1.AlertKind.Intercept && a.IncidentIds.Count >= 2).ToList();
        var right = intercepts.Count(a => JoinsItsOwnChain(a.IncidentIds[0], a.IncidentIds.Skip(1), chainTruth));
        return new InterceptScores(intercepts.Count, intercepts.Count == 0 ? 1 : (double)right / intercepts.Count,
            alerts.Count(a => a.Kind == Contracts.Common.V1.AlertKind.FraudChainSplit));
    }

    /// <summary>Whether a report that joined a chain belongs to the planted chain most of the chain's other incidents belong to (a one-off never does).</summary>
    public static bool JoinsItsOwnChain(string reportId, IEnumerable<string> otherMembers, IReadOnlyDictionary<string, string> chainTruth)
        => chainTruth.TryGetValue(reportId, out var chain)
           && otherMembers.Select(id => chainTruth.GetValueOrDefault(id)).GroupBy(c => c).MaxBy(g => g.Count())?.Key == chain;
}
