namespace Analysis.Domain.Series;

/// <summary>A candidate as the series step sees it: its features, its pair score with the new incident, and its series (empty when in none).</summary>
public sealed record ScoredCandidate(SeriesFeatures Features, SeriesLinkScore Pair, string Series);

/// <summary>What a new incident does to the series.</summary>
/// <param name="Series">The series joined, by the name seen when deciding (empty when seeding or doing nothing).</param>
/// <param name="Anchor">The member (join) or unassigned candidate (seed) the incident is linked to.</param>
/// <param name="Score">Series score (join) or pair score (seed).</param>
public sealed record SeriesDecision(SeriesDecisionKind Kind, string Series, string Anchor, double Score, IReadOnlyList<string> Evidence)
{
    public static readonly SeriesDecision None = new(SeriesDecisionKind.None, "", "", 0, []);
}

public enum SeriesDecisionKind
{
    /// <summary>Links nothing strongly enough: its best pairs stay candidate links.</summary>
    None,

    /// <summary>Joins an existing series whose profile it fits.</summary>
    Join,

    /// <summary>Starts a group with one unassigned candidate it links to (a series once a third incident joins).</summary>
    Seed,
}

/// <summary>
/// The guarded series rule. A new incident joins one existing series: of those whose profile it fits
/// (<see cref="SeriesProfile"/>, score at or above <see cref="SeriesOptions.SeriesThreshold"/>) or a member of which it links to
/// (pair score at or above <see cref="SeriesOptions.LinkThreshold"/>), the one whose profile it fits best; failing that it starts a group
/// with the unassigned candidate it links to best (pair score at or above <see cref="SeriesOptions.LinkThreshold"/>). It never
/// welds two series together: under single linkage one decoy linked to two crews merged them, and at the base rate of
/// serial links among candidates (about 1 in 3,000) such false links are the majority. Pairs that do not decide anything
/// stay candidate links for analysts.
/// </summary>
public sealed class SeriesAssignment(SeriesProfile profile)
{
    public SeriesOptions Options => profile.Scorer.Options;

    /// <param name="members">Members of every series a candidate belongs to, by series name.</param>
    public SeriesDecision Decide(SeriesFeatures incident, IReadOnlyList<ScoredCandidate> candidates, IReadOnlyDictionary<string, IReadOnlyList<SeriesFeatures>> members, LabelRarity rarity)
    {
        // Eligible: a series whose profile it fits, or one a member of which it links to pair-wise (as single linkage would).
        // Of those, the best-fitting profile wins, and only that one is joined.
        var linkedTo = candidates.Where(c => c.Series.Length > 0 && c.Pair.Linked).Select(c => c.Series).ToHashSet(StringComparer.Ordinal);
        var best = candidates.Where(c => c.Series.Length > 0).Select(c => c.Series).Distinct(StringComparer.Ordinal)
            .Where(series => members.TryGetValue(series, out var known) && known.Count > 0)
            .Select(series => (Series: series, Score: profile.Score(incident, members[series], rarity)))
            .Where(s => s.Score.Linked || linkedTo.Contains(s.Series))
            .OrderByDescending(s => s.Score.Score).ThenBy(s => s.Series, StringComparer.Ordinal)
            .FirstOrDefault();
        if (best.Score is { } joined)
        {
            var anchor = members[best.Series].MinBy(m => Closeness(incident, m))!.IncidentId;
            return new SeriesDecision(SeriesDecisionKind.Join, best.Series, anchor, joined.Score, joined.Evidence);
        }

        var seed = candidates.Where(c => c.Series.Length == 0 && c.Pair.Linked)
            .OrderByDescending(c => c.Pair.Score).ThenBy(c => c.Features.IncidentId, StringComparer.Ordinal)
            .FirstOrDefault();
        return seed is null
            ? SeriesDecision.None
            : new SeriesDecision(SeriesDecisionKind.Seed, "", seed.Features.IncidentId, seed.Pair.Score, seed.Pair.Evidence);
    }

    /// <summary>Pair model's space-time distance (lower is closer); unknowns count as far.</summary>
    private double Closeness(SeriesFeatures a, SeriesFeatures b)
    {
        var km = a.Location is not null && b.Location is not null ? Geo.DistanceM(a.Location, b.Location) / 1000 : Options.CandidateRadiusKm;
        var days = a.OccurredAt is { } ta && b.OccurredAt is { } tb ? Math.Abs((ta - tb).TotalDays) : Options.CandidateWindowDays;
        return Options.Weights.Distance * Math.Log(1 + km) + Options.Weights.DaysApart * Math.Log(1 + days);
    }
}
