namespace AnalysisEval.Metrics;

/// <summary>Pairwise precision and recall of co-membership: of the pairs put together, how many belong together, and of those that do, how many were.</summary>
public readonly record struct PairwiseScores(double Precision, double Recall, long PredictedPairs, long TruePairs, long CorrectPairs);

/// <summary>What operators get from the series alerts: the crews flagged, and the series raised that are mostly other offences.</summary>
/// <param name="FlaggedCrews">Planted series that are the majority of some predicted series of the minimum size and hold at least that many of its members.</param>
/// <param name="RaisedSeries">Predicted series of the minimum size (each one raised SERIES_DETECTED).</param>
/// <param name="StraySeries">Raised series whose members are mostly not one crew's (decoys, background, or several crews without a majority).</param>
public readonly record struct CrewDetection(int FlaggedCrews, int PlantedCrews, int RaisedSeries, int StraySeries, int MinSize);

/// <summary>
/// Comparing groups the service formed (series, chains) with the planted ones. Items are incident ids;
/// an item in no predicted group is a group of its own, an item in no true group belongs with nothing.
/// </summary>
public static class ClusterMetrics
{
    /// <summary>
    /// Series precision = correct pairs / pairs in the same predicted group; recall = correct pairs / pairs in the same true group.
    /// Precision is 1 when nothing was grouped, recall 1 when nothing should have been.
    /// </summary>
    public static PairwiseScores Pairwise(IReadOnlyDictionary<string, string> predicted, IReadOnlyDictionary<string, string> truth)
    {
        long Pairs(long n) => n * (n - 1) / 2;

        var predictedPairs = predicted.GroupBy(p => p.Value).Sum(g => Pairs(g.Count()));
        var truePairs = truth.GroupBy(t => t.Value).Sum(g => Pairs(g.Count()));
        var correctPairs = predicted
            .Where(p => truth.ContainsKey(p.Key))
            .GroupBy(p => (Predicted: p.Value, True: truth[p.Key]))
            .Sum(g => Pairs(g.Count()));
        return new PairwiseScores(
            predictedPairs == 0 ? 1 : (double)correctPairs / predictedPairs,
            truePairs == 0 ? 1 : (double)correctPairs / truePairs,
            predictedPairs, truePairs, correctPairs);
    }

    /// <summary>
    /// Crew-level view of series (alongside the pairwise scores, which weigh big series most): a predicted group of at
    /// least <paramref name="minSize"/> members is a raised series; a planted series is flagged when it holds more than
    /// half of a raised series and at least <paramref name="minSize"/> of its members; a raised series that no crew holds
    /// more than half of is a stray.
    /// </summary>
    public static CrewDetection Crews(IReadOnlyDictionary<string, string> predicted, IReadOnlyDictionary<string, string> truth, int minSize)
    {
        var raised = predicted.GroupBy(p => p.Value).Where(g => g.Count() >= minSize).ToList();
        var flagged = new HashSet<string>(StringComparer.Ordinal);
        var strays = 0;
        foreach (var series in raised)
        {
            var majority = series.Where(p => truth.ContainsKey(p.Key)).GroupBy(p => truth[p.Key]).MaxBy(g => g.Count());
            if (majority is not null && majority.Count() * 2 > series.Count() && majority.Count() >= minSize)
            {
                flagged.Add(majority.Key);
            }
            else if (majority is null || majority.Count() * 2 <= series.Count())
            {
                strays++;
            }
        }
        return new CrewDetection(flagged.Count, truth.Values.Distinct().Count(), raised.Count, strays, minSize);
    }

    /// <summary>
    /// Purity: over items in predicted groups of two or more, the share that belongs to its group's majority true group
    /// (an item with no true group is a majority of one). 1 when nothing was grouped.
    /// </summary>
    public static double Purity(IReadOnlyDictionary<string, string> predicted, IReadOnlyDictionary<string, string> truth)
    {
        var groups = predicted.GroupBy(p => p.Value).Where(g => g.Count() >= 2).ToList();
        var items = groups.Sum(g => g.Count());
        if (items == 0)
        {
            return 1;
        }

        var majority = groups.Sum(g => g.GroupBy(p => truth.TryGetValue(p.Key, out var t) ? t : "\0" + p.Key).Max(t => t.Count()));
        return (double)majority / items;
    }

    /// <summary>
    /// Completeness: over items of true groups, the share found in the predicted group holding most of their true group
    /// (an ungrouped item is a predicted group of one). 1 when there are no true groups.
    /// </summary>
    public static double Completeness(IReadOnlyDictionary<string, string> predicted, IReadOnlyDictionary<string, string> truth)
    {
        var groups = truth.GroupBy(t => t.Value).ToList();
        var items = groups.Sum(g => g.Count());
        if (items == 0)
        {
            return 1;
        }

        var together = groups.Sum(g => g.GroupBy(t => predicted.TryGetValue(t.Key, out var p) ? p : "\0" + t.Key).Max(p => p.Count()));
        return (double)together / items;
    }
}
