using System.Diagnostics;
using Analysis.Domain.Series;
using AnalysisEval.Scenario;

namespace AnalysisEval.Evaluation;

/// <summary>
/// The series scorer alone, without the service: every property-crime pair within the candidate radius and window
/// is scored, and series are the connected groups of linked pairs. For tuning weights quickly; the numbers that count
/// come from the real service (<see cref="ServiceRun"/>), whose series merging may differ.
/// </summary>
public static class OfflineRun
{
    public static Observations Observe(LabelledScenario scenario, SeriesOptions options)
    {
        var stopwatch = Stopwatch.StartNew();
        var scorer = new SeriesScorer(options);
        var features = scenario.Incidents
            .Where(i => SeriesFeatures.IsSeriesCategory(i.Incident.Report.Category))
            .Select(i => SeriesFeatures.From(i.Incident))
            .ToList();
        var scores = new Dictionary<IncidentPair, double>();
        var parent = features.ToDictionary(f => f.IncidentId, f => f.IncidentId);
        string Root(string id)
        {
            while (parent[id] != id)
            {
                id = parent[id] = parent[parent[id]];
            }

            return id;
        }

        var radiusM = options.CandidateRadiusKm * 1000;
        var window = TimeSpan.FromDays(options.CandidateWindowDays);
        for (var i = 0; i < features.Count; i++)
        {
            for (var j = i + 1; j < features.Count; j++)
            {
                var (a, b) = (features[i], features[j]);
                if (a.Location is null || b.Location is null || Geo.DistanceM(a.Location, b.Location) > radiusM
                    || a.OccurredAt is not { } ta || b.OccurredAt is not { } tb || (ta - tb).Duration() > window)
                {
                    continue;
                }

                var score = scorer.Score(a, b);
                scores[new IncidentPair(a.IncidentId, b.IncidentId)] = score.Score;
                if (score.Linked)
                {
                    parent[Root(a.IncidentId)] = Root(b.IncidentId);
                }
            }
        }

        var seriesOf = features
            .GroupBy(f => Root(f.IncidentId))
            .Where(g => g.Count() >= 2)
            .SelectMany(g => g.Select(f => (f.IncidentId, Series: g.Key)))
            .ToDictionary(x => x.IncidentId, x => x.Series);
        return new Observations(scores, seriesOf, new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, string>(), stopwatch.Elapsed);
    }
}
