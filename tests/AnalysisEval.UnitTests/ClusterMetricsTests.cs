using AnalysisEval.Metrics;

namespace AnalysisEval.UnitTests;

public sealed class ClusterMetricsTests
{
    private static Dictionary<string, string> Groups(params (string Item, string Group)[] items) => items.ToDictionary(i => i.Item, i => i.Group);

    [Fact]
    public void Identical_groups_score_1()
    {
        var truth = Groups(("a", "S1"), ("b", "S1"), ("c", "S1"), ("d", "S2"), ("e", "S2"));
        var predicted = Groups(("a", "x"), ("b", "x"), ("c", "x"), ("d", "y"), ("e", "y"));

        var scores = ClusterMetrics.Pairwise(predicted, truth);

        Assert.Equal((1.0, 1.0, 4L, 4L, 4L), (scores.Precision, scores.Recall, scores.PredictedPairs, scores.TruePairs, scores.CorrectPairs));
        Assert.Equal(1, ClusterMetrics.Purity(predicted, truth));
        Assert.Equal(1, ClusterMetrics.Completeness(predicted, truth));
    }

    [Fact]
    public void Merging_two_series_and_a_stranger_costs_precision_not_recall()
    {
        // True: {a,b,c} and {d,e}; f belongs to nothing. Predicted: all six in one group.
        var truth = Groups(("a", "S1"), ("b", "S1"), ("c", "S1"), ("d", "S2"), ("e", "S2"));
        var predicted = Groups(("a", "x"), ("b", "x"), ("c", "x"), ("d", "x"), ("e", "x"), ("f", "x"));

        var scores = ClusterMetrics.Pairwise(predicted, truth);

        Assert.Equal(4.0 / 15, scores.Precision, 12); // 15 predicted pairs, 3 + 1 correct
        Assert.Equal(1, scores.Recall);
        Assert.Equal(3.0 / 6, ClusterMetrics.Purity(predicted, truth), 12); // majority S1 = 3 of 6
        Assert.Equal(1, ClusterMetrics.Completeness(predicted, truth));
    }

    [Fact]
    public void Splitting_a_series_costs_recall_and_completeness_not_precision()
    {
        // True: {a,b,c,d}. Predicted: {a,b} and {c,d}.
        var truth = Groups(("a", "S1"), ("b", "S1"), ("c", "S1"), ("d", "S1"));
        var predicted = Groups(("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"));

        var scores = ClusterMetrics.Pairwise(predicted, truth);

        Assert.Equal(1, scores.Precision);
        Assert.Equal(2.0 / 6, scores.Recall, 12);
        Assert.Equal(1, ClusterMetrics.Purity(predicted, truth));
        Assert.Equal(2.0 / 4, ClusterMetrics.Completeness(predicted, truth), 12);
    }

    [Fact]
    public void Ungrouped_items_are_groups_of_their_own()
    {
        var truth = Groups(("a", "C1"), ("b", "C1"), ("c", "C1"));
        var predicted = Groups(("a", "x"), ("b", "x")); // c found in no chain

        Assert.Equal(2.0 / 3, ClusterMetrics.Completeness(predicted, truth), 12);
        Assert.Equal(1, ClusterMetrics.Purity(predicted, truth));
        Assert.Equal(1.0 / 3, ClusterMetrics.Pairwise(predicted, truth).Recall, 12);
    }

    [Fact]
    public void Nothing_grouped_is_precise_but_recalls_nothing()
    {
        var scores = ClusterMetrics.Pairwise(new Dictionary<string, string>(), Groups(("a", "S1"), ("b", "S1")));

        Assert.Equal((1.0, 0.0), (scores.Precision, scores.Recall));
    }

    [Fact]
    public void A_crew_is_flagged_by_a_series_it_is_most_of_and_a_series_of_strangers_is_a_stray()
    {
        var truth = Groups(("a1", "A"), ("a2", "A"), ("a3", "A"), ("a4", "A"), ("b1", "B"), ("b2", "B"), ("b3", "B"), ("c1", "C"), ("c2", "C"), ("c3", "C"));
        var predicted = Groups(
            ("a1", "s1"), ("a2", "s1"), ("a3", "s1"), ("x1", "s1"),   // crew A with a decoy: flagged
            ("b1", "s2"), ("b2", "s2"), ("x2", "s2"), ("x3", "s2"),   // half crew B: no majority, a stray
            ("c1", "s3"), ("c2", "s3"),                               // two of crew C: not raised (under 3)
            ("x4", "s4"), ("x5", "s4"), ("x6", "s4"));                // background only: a stray

        var crews = ClusterMetrics.Crews(predicted, truth, minSize: 3);

        Assert.Equal(new CrewDetection(FlaggedCrews: 1, PlantedCrews: 3, RaisedSeries: 3, StraySeries: 2, MinSize: 3), crews);
    }

    [Fact]
    public void Links_make_groups_named_by_their_smallest_member_whatever_the_order()
    {
        var forward = LinkedGroups.Of([("c", "b"), ("d", "e"), ("b", "a")]);
        var backward = LinkedGroups.Of([("b", "a"), ("e", "d"), ("c", "b")]);

        Assert.Equal(Groups(("a", "a"), ("b", "a"), ("c", "a"), ("d", "d"), ("e", "d")), forward);
        Assert.Equal(forward, backward);
    }
}
