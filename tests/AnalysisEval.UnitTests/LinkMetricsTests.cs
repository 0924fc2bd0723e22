using AnalysisEval.Metrics;

namespace AnalysisEval.UnitTests;

public sealed class LinkMetricsTests
{
    private static ScoredPair[] Pairs(params (double Score, bool Linked)[] pairs) => [.. pairs.Select(p => new ScoredPair(p.Score, p.Linked))];

    [Fact]
    public void Perfect_separation_has_auc_1_and_random_inversion_auc_0()
    {
        Assert.Equal(1, LinkMetrics.RocAuc(Pairs((0.9, true), (0.8, true), (0.2, false), (0.1, false))));
        Assert.Equal(0, LinkMetrics.RocAuc(Pairs((0.1, true), (0.9, false))));
    }

    [Fact]
    public void Auc_counts_ties_as_half()
    {
        // Linked 0.5 vs unlinked 0.5 (tie: 1/2) and vs unlinked 0.1 (win: 1): (1 + 0.5) / 2.
        Assert.Equal(0.75, LinkMetrics.RocAuc(Pairs((0.5, true), (0.5, false), (0.1, false))));
        // Unscored pairs all score 0: a linked pair never scored ties with every unscored unlinked one.
        Assert.Equal(0.5, LinkMetrics.RocAuc(Pairs((0, true), (0, false), (0, false))));
    }

    [Fact]
    public void Auc_matches_counting_every_linked_unlinked_comparison()
    {
        var pairs = Pairs((0.9, true), (0.7, false), (0.6, true), (0.6, false), (0.3, true), (0.2, false), (0.1, false));
        var linked = pairs.Where(p => p.Linked).ToList();
        var unlinked = pairs.Where(p => !p.Linked).ToList();
        var expected = linked.Sum(l => unlinked.Sum(u => l.Score > u.Score ? 1.0 : l.Score == u.Score ? 0.5 : 0)) / (linked.Count * unlinked.Count);

        Assert.Equal(expected, LinkMetrics.RocAuc(pairs), 12);
    }

    [Fact]
    public void Auc_is_undefined_without_both_kinds() => Assert.True(double.IsNaN(LinkMetrics.RocAuc(Pairs((0.5, true)))));

    [Fact]
    public void Recall_at_fpr_uses_the_strictest_threshold_within_the_rate()
    {
        // 20 unlinked: 5 % allows 1 false positive. Unlinked top scores 0.95 then 0.6: threshold 0.6 (strictly above).
        var unlinked = Enumerable.Range(0, 18).Select(i => (Score: i / 100.0, Linked: false)).Append((0.95, false)).Append((0.6, false));
        var linked = new[] { (0.99, true), (0.7, true), (0.6, true), (0.3, true) };

        Assert.Equal(0.5, LinkMetrics.RecallAtFalsePositiveRate(Pairs([.. unlinked, .. linked]), 0.05));
    }

    [Fact]
    public void Recall_at_fpr_never_counts_ties_at_the_threshold()
    {
        // Unscored pairs: everything at 0; nothing is above the threshold.
        Assert.Equal(0, LinkMetrics.RecallAtFalsePositiveRate(Pairs((0, true), (0, false), (0, false)), 0.05));
    }
}
