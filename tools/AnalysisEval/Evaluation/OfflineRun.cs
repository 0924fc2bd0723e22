using System.Diagnostics;
using Analysis.Domain.Series;
using AnalysisEval.Metrics;
using AnalysisEval.Scenario;

namespace AnalysisEval.Evaluation;

/// <summary>
/// The series scorer alone, without the service, the way the pipeline uses it: incidents in order of reception, each
/// scored against the property crimes received before it within the candidate radius and window (nearest first, at
/// most MaxCandidates); series are the connected groups of linked pairs.
/// For tuning weights quickly; the numbers that count come from the real service (<see cref="ServiceRun"/>).
/// </summary>
public static class OfflineRun
{
    /// <summary>A property crime and the candidates the pipeline would score it against.</summary>
    public sealed record CandidateSet(SeriesFeatures Incident, IReadOnlyList<SeriesFeatures> Candidates);

    public static IEnumerable<CandidateSet> CandidateSets(LabelledScenario scenario, SeriesOptions options)
    {
        var radiusM = options.CandidateRadiusKm * 1000;
        var window = TimeSpan.FromDays(options.CandidateWindowDays);
        var seen = new List<SeriesFeatures>();
        foreach (var labelled in scenario.Incidents.Where(i => SeriesFeatures.IsSeriesCategory(i.Incident.Report.Category)))
        {
            var incident = SeriesFeatures.From(labelled.Incident);
            if (incident.Location is { } here && incident.OccurredAt is { } at)
            {
                var candidates = seen
                    .Select(c => (Candidate: c, DistanceM: Geo.DistanceM(here, c.Location!)))
                    .Where(c => c.DistanceM <= radiusM && (c.Candidate.OccurredAt!.Value - at).Duration() <= window)
                    .OrderBy(c => c.DistanceM)
                    .Take(options.MaxCandidates)
                    .Select(c => c.Candidate)
                    .ToList();
                yield return new CandidateSet(incident, candidates);
                seen.Add(incident);
            }
        }
    }

    public static Observations Observe(LabelledScenario scenario, SeriesOptions options, int explain = 0)
    {
        var stopwatch = Stopwatch.StartNew();
        var scorer = new SeriesScorer(options);
        var scores = new Dictionary<IncidentPair, double>();
        var links = new List<(string, string)>();
        var features = new List<SeriesFeatures>();
        foreach (var (incident, candidates) in CandidateSets(scenario, options))
        {
            features.Add(incident);
            var results = scorer.ScoreCandidates(incident, candidates);
            for (var i = 0; i < candidates.Count; i++)
            {
                scores[new IncidentPair(incident.IncidentId, candidates[i].IncidentId)] = results[i].Score;
                if (results[i].Linked)
                {
                    links.Add((incident.IncidentId, candidates[i].IncidentId));
                }
            }
        }

        // Linked incidents form series (connected groups); an incident linked to nothing is in none.
        var seriesOf = LinkedGroups.Of(links);
        if (explain > 0)
        {
            Explain(scenario, features, scorer, scores, explain);
        }

        return new Observations(scores, seriesOf, new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, string>(), stopwatch.Elapsed, []);
    }

    /// <summary>Prints the highest-scoring unlinked pairs and the lowest-scoring linked ones, with the scorer's evidence: where tuning should look.</summary>
    private static void Explain(
        LabelledScenario scenario, List<SeriesFeatures> features, SeriesScorer scorer, Dictionary<IncidentPair, double> scores, int count)
    {
        var truth = scenario.Incidents.ToDictionary(i => i.Id, i => i.Truth);
        var byId = features.ToDictionary(f => f.IncidentId);
        bool Linked(IncidentPair p) => truth[p.First].SeriesId is { } s && s == truth[p.Second].SeriesId;
        void Show(string title, IEnumerable<KeyValuePair<IncidentPair, double>> pairs)
        {
            Console.WriteLine($"   {title}:");
            foreach (var (pair, _) in pairs.Take(count))
            {
                var result = scorer.Score(byId[pair.First], byId[pair.Second]);
                var a = truth[pair.First];
                var b = truth[pair.Second];
                Console.WriteLine($"     {result.Score:F3} [{a.Role} {a.SeriesId} / {b.Role} {b.SeriesId}] {string.Join("; ", result.Evidence)}");
            }
        }

        Show("highest-scoring unlinked pairs", scores.Where(s => !Linked(s.Key)).OrderByDescending(s => s.Value));
        var linkedPairs = features.SelectMany((a, i) => features.Skip(i + 1).Select(b => new IncidentPair(a.IncidentId, b.IncidentId))).Where(Linked);
        Show("lowest-scoring linked pairs", linkedPairs.Select(p => KeyValuePair.Create(p, scores.GetValueOrDefault(p))).OrderBy(s => s.Value));
    }
}
