namespace Analysis.Domain.Series;

/// <summary>A candidate scored exactly: its place in the candidate list (nearest first), its features and its score.</summary>
public sealed record ScoredCandidate(int Index, SeriesFeatures Features, SeriesLinkScore Score);

/// <summary>
/// Scores an incident's series candidates as far as the caller keeps them: every candidate that links, and the
/// <c>nearMisses</c> best of the rest (none for the analyser; GetIncidentLinks' near misses when asked), exactly as
/// <see cref="SeriesScorer.ScoreCandidates"/> would; nothing else is needed. Candidates are taken in order of their upper
/// bound (<see cref="SeriesScorer.UpperBound"/>, from the index entry alone): first all that could link and the most
/// promising others, then, round by round, those whose bound still reaches the weakest near miss kept so far. The rest
/// are never read. The analyser's search already hands over only the candidates that could link (<see cref="Linkable"/>;
/// about one of ~300 in the bench month).
/// </summary>
public sealed class CandidateScoring(SeriesScorer scorer)
{
    /// <summary>What the analyser searches with: the candidates whose bound reaches the link threshold, the only ones it scores.</summary>
    public LinkableCandidates Linkable(in CandidateSketch incident) => new(scorer, incident);

    /// <param name="candidates">As the index found them around the incident: their distance is from its location.</param>
    /// <param name="read">Reads candidates' features by incident id; one no longer stored is left out.</param>
    /// <returns>The candidates scored, in candidate order.</returns>
    public async Task<IReadOnlyList<ScoredCandidate>> ScoreAsync(
        SeriesFeatures incident,
        CandidateSketch sketch,
        IReadOnlyList<NearbyIncident> candidates,
        int nearMisses,
        Func<IReadOnlyList<string>, Task<IReadOnlyList<SeriesFeatures>>> read)
    {
        var threshold = scorer.Options.LinkThreshold;
        var (bounds, order, couldLink) = Bounds(sketch, candidates, nearMisses, threshold);
        var scored = new List<ScoredCandidate>();
        var scoredIds = new HashSet<string>(StringComparer.Ordinal);
        var next = 0;
        var take = couldLink + nearMisses;
        while (take > 0 && next < order.Length)
        {
            var batch = order.AsSpan(next, Math.Min(take, order.Length - next));
            next += batch.Length;
            // An incident indexed twice (re-sent with other details) is one candidate: its nearest entry.
            var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var i in batch)
            {
                if (!scoredIds.Contains(candidates[i].IncidentId))
                {
                    indexOf.TryAdd(candidates[i].IncidentId, i);
                }
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
            take = 0;
            if (bounds is not null)
            {
                var bar = WeakestKeptMiss(scored, nearMisses);
                while (next + take < order.Length && bounds[order[next + take]] >= bar)
                {
                    take++;
                }
            }
        }
        scored.Sort((x, y) => x.Index.CompareTo(y.Index));
        return scored;
    }

    /// <summary>
    /// The candidates in the order to score them: for links only (no misses kept), just those that could link, in
    /// candidate order, and no bounds (the analyser's case: its candidates passed the same test in the search, and the
    /// few are tested again so that any list is scored right); else all, most promising first (equal bounds in
    /// candidate order), with every candidate's bound.
    /// </summary>
    private (double[]? Bounds, int[] Order, int CouldLink) Bounds(in CandidateSketch sketch, IReadOnlyList<NearbyIncident> candidates, int nearMisses, double threshold)
    {
        if (nearMisses == 0)
        {
            // Compared as logits: no exponential per candidate.
            var bar = scorer.LinkThresholdLogit;
            List<int>? linkable = null;
            for (var i = 0; i < candidates.Count; i++)
            {
                var candidate = candidates[i];
                if (scorer.CouldLink(sketch, candidate.Sketch, candidate.DistanceMeters, bar))
                {
                    (linkable ??= []).Add(i);
                }
            }
            return (null, linkable is null ? [] : [.. linkable], linkable?.Count ?? 0);
        }
        var bounds = new double[candidates.Count];
        var order = new int[candidates.Count];
        var couldLink = 0;
        for (var i = 0; i < bounds.Length; i++)
        {
            var candidate = candidates[i];
            bounds[i] = scorer.UpperBound(sketch, candidate.Sketch, candidate.DistanceMeters);
            order[i] = i;
            couldLink += bounds[i] >= threshold ? 1 : 0;
        }
        Array.Sort(order, (x, y) => bounds[x] != bounds[y] ? bounds[y].CompareTo(bounds[x]) : x.CompareTo(y));
        return (bounds, order, couldLink);
    }

    /// <summary>The score a candidate must reach to be among the kept near misses; -∞ while fewer are known, +∞ when none are kept.</summary>
    private static double WeakestKeptMiss(List<ScoredCandidate> scored, int nearMisses)
    {
        if (nearMisses == 0)
        {
            return double.PositiveInfinity;
        }
        var misses = scored.Where(s => !s.Score.Linked).Select(s => s.Score.Score).OrderDescending().Take(nearMisses).ToList();
        return misses.Count < nearMisses ? double.NegativeInfinity : misses[^1];
    }
}

/// <summary>
/// Keeps the series candidates whose bound (<see cref="SeriesScorer.CouldLink"/>) reaches the link threshold; most fail
/// on their features alone, before their distance is measured.
/// </summary>
public readonly struct LinkableCandidates(SeriesScorer scorer, CandidateSketch incident) : INearbySelector
{
    private readonly double _bar = scorer.LinkThresholdLogit;

    public bool JudgesSketches => true;

    public bool MayKeep(in CandidateSketch sketch) => scorer.CouldLinkSomewhere(incident, sketch, _bar);

    public bool Keeps(in CandidateSketch sketch, double distanceMeters) => scorer.CouldLink(incident, sketch, distanceMeters, _bar);
}
