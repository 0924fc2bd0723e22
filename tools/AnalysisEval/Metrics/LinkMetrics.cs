namespace AnalysisEval.Metrics;

/// <summary>One incident pair: the service's link score (0 when it never scored the pair) and whether it is truly linked.</summary>
public readonly record struct ScoredPair(double Score, bool Linked);

/// <summary>Quality of pairwise link scores, as the crime-linkage literature reports it.</summary>
public static class LinkMetrics
{
    /// <summary>
    /// Area under the ROC curve: the chance that a random linked pair scores above a random unlinked one,
    /// ties counting half (Mann-Whitney U with mid-ranks). NaN without both kinds of pair.
    /// </summary>
    public static double RocAuc(IReadOnlyCollection<ScoredPair> pairs)
    {
        var positives = pairs.Count(p => p.Linked);
        var negatives = pairs.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        var sorted = pairs.OrderBy(p => p.Score).ToList();
        double positiveRankSum = 0;
        var i = 0;
        while (i < sorted.Count)
        {
            var j = i;
            while (j < sorted.Count && sorted[j].Score == sorted[i].Score)
            {
                j++;
            }

            // Ranks i+1..j share their mean.
            var midRank = (i + 1 + j) / 2.0;
            positiveRankSum += midRank * sorted.Skip(i).Take(j - i).Count(p => p.Linked);
            i = j;
        }

        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>
    /// Share of linked pairs found at the strictest threshold whose false-positive rate is at most <paramref name="maxFalsePositiveRate"/>:
    /// a pair counts as found when its score is above the threshold, never at it, so tied unlinked pairs cannot sneak in.
    /// </summary>
    public static double RecallAtFalsePositiveRate(IReadOnlyCollection<ScoredPair> pairs, double maxFalsePositiveRate)
    {
        var positives = pairs.Where(p => p.Linked).Select(p => p.Score).ToList();
        var negatives = pairs.Where(p => !p.Linked).Select(p => p.Score).OrderByDescending(s => s).ToList();
        if (positives.Count == 0)
        {
            return double.NaN;
        }

        var allowed = (int)Math.Floor(maxFalsePositiveRate * negatives.Count);
        if (allowed >= negatives.Count)
        {
            return 1;
        }

        // Above the (allowed+1)-th highest unlinked score at most `allowed` unlinked pairs remain.
        var threshold = negatives[allowed];
        return (double)positives.Count(s => s > threshold) / positives.Count;
    }
}
