using AnalysisEval.Evaluation;
using Contracts.Common.V1;

namespace AnalysisEval.UnitTests;

public sealed class InterceptScoresTests
{
    private static readonly Dictionary<string, string> Truth = new()
    {
        ["a1"] = "chain-a", ["a2"] = "chain-a", ["a3"] = "chain-a",
        ["b1"] = "chain-b", ["b2"] = "chain-b",
    };

    private static Alert Intercept(params string[] ids) => new() { Kind = AlertKind.Intercept, IncidentIds = { ids } };

    [Fact]
    public void An_intercept_is_right_when_the_report_belongs_to_the_planted_chain_of_most_of_the_chain()
    {
        Alert[] alerts =
        [
            Intercept("a3", "a1", "a2", "b1"),       // right: most of the chain is chain-a
            Intercept("b2", "a1", "a2", "b1"),       // wrong: a chain-b report touching a mostly chain-a chain (a weld)
            Intercept("x9", "a1", "a2"),             // wrong: a one-off report
            new Alert { Kind = AlertKind.FraudChainSplit, IncidentIds = { "b2" } },
        ];

        var scores = InterceptScores.Of(alerts, Truth);

        Assert.Equal(3, scores.Raised);
        Assert.Equal(1.0 / 3, scores.Precision, 6);
        Assert.Equal(1, scores.Splits);
    }

    [Fact]
    public void No_intercept_is_a_precision_of_one()
        => Assert.Equal(new InterceptScores(0, 1, 0), InterceptScores.Of([], Truth));
}
