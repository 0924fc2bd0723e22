namespace Analysis.Domain.Series;

/// <summary>A candidate scored exactly: its place in the candidate list (nearest first), its features and its score.</summary>
public sealed record ScoredCandidate(int Index, SeriesFeatures Features, SeriesLinkScore Score);

/// <summary>
/// Scores a new incident's series candidates the way the pipeline keeps them: every candidate that links, and the
/// <c>storedMisses</c> best of the rest, exactly as <see cref="SeriesScorer.ScoreCandidates"/> would; nothing else is
/// needed. Candidates are taken in order of their upper bound (<see cref="SeriesScorer.UpperBound"/>, from the index
/// entry alone): first all that could link and the most promising others, then, round by round, those whose bound still
/// reaches the weakest near miss kept so far. The rest are never read. In a busy district that is a few dozen of ~300.
/// </summary>
public sealed class CandidateScoring(SeriesScorer scorer)
{
    /// <summary>An incident's series candidates among what the index found near it: nearest first, itself and other categories left out.</summary>
    public static List<(string IncidentId, CandidateSketch Sketch)> CandidatesOf(IReadOnlyList<NearbyIncident> nearby, string incidentId, int max)
    {
        // A loop, not LINQ: the sketch is a large struct, copied at every step of an iterator chain (7 % of a search).
        var candidates = new List<(string, CandidateSketch)>(Math.Min(max, nearby.Count));
        for (var i = 0; i < nearby.Count && candidates.Count < max; i++)
        {
            var near = nearby[i];
            if (near.IncidentId != incidentId && SeriesFeatures.IsSeriesCategory(near.Category))
            {
                candidates.Add((near.IncidentId, near.Sketch));
            }
        }
        return candidates;
    }

    /// <param name="read">Reads candidates' features by incident id; one no longer stored is left out.</param>
    /// <returns>The candidates scored, in candidate order.</returns>
    public async Task<IReadOnlyList<ScoredCandidate>> ScoreAsync(
        SeriesFeatures incident,
        CandidateSketch sketch,
        IReadOnlyList<(string IncidentId, CandidateSketch Sketch)> candidates,
        int storedMisses,
        Func<IReadOnlyList<string>, Task<IReadOnlyList<SeriesFeatures>>> read)
    {
        var bounds = new double[candidates.Count];
        for (var i = 0; i < bounds.Length; i++)
        {
            bounds[i] = scorer.UpperBound(sketch, candidates[i].Sketch);
        }
        // Most promising first; equal bounds in candidate order.
        var order = Enumerable.Range(0, candidates.Count).OrderByDescending(i => bounds[i]).ThenBy(i => i).ToArray();
        var threshold = scorer.Options.LinkThreshold;
        var scored = new List<ScoredCandidate>();
        var scoredIds = new HashSet<string>(StringComparer.Ordinal);
        var next = 0;
        var take = order.TakeWhile(i => bounds[i] >= threshold).Count() + storedMisses;
        while (take > 0 && next < order.Length)
        {
            var batch = order.Skip(next).Take(take).ToList();
            next += batch.Count;
            // An incident indexed twice (re-sent with other details) is one candidate: its nearest entry.
            var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var i in batch.Where(i => !scoredIds.Contains(candidates[i].IncidentId)))
            {
                indexOf.TryAdd(candidates[i].IncidentId, i);
            }
            var features = await read([.. indexOf.Keys]);
            var scores = scorer.ScoreCandidates(incident, features);
            for (var f = 0; f < features.Count; f++)
            {
                if (indexOf.Remove(features[f].IncidentId, out var index) && scoredIds.Add(features[f].IncidentId))
                {
                    scored.Add(new ScoredCandidate(index, features[f], scores[f]));
                }
            }
            // Every candidate that could link was in the first batch; a later one must still be able to reach the
            // weakest of the near misses that would be kept.
            var bar = WeakestKeptMiss(scored, storedMisses);
            take = order.Skip(next).TakeWhile(i => bounds[i] >= bar).Count();
        }
        scored.Sort((x, y) => x.Index.CompareTo(y.Index));
        return scored;
    }

    /// <summary>The score a candidate must reach to be among the kept near misses; -∞ while fewer are known, +∞ when none are kept.</summary>
    private static double WeakestKeptMiss(List<ScoredCandidate> scored, int storedMisses)
    {
        if (storedMisses == 0)
        {
            return double.PositiveInfinity;
        }
        var misses = scored.Where(s => !s.Score.Linked).Select(s => s.Score.Score).OrderDescending().Take(storedMisses).ToList();
        return misses.Count < storedMisses ? double.NegativeInfinity : misses[^1];
    }
}
