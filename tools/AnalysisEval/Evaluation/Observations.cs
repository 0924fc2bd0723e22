namespace AnalysisEval.Evaluation;

/// <summary>An unordered pair of incident ids (ordinal order), so (a, b) and (b, a) are one key.</summary>
public readonly record struct IncidentPair
{
    public IncidentPair(string a, string b)
    {
        (First, Second) = string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
    }

    public string First { get; }
    public string Second { get; }
}

/// <summary>What the service (or the scorer alone) said about a scenario: pair scores and the groups it formed.</summary>
/// <param name="PairScores">Series link score per scored pair (the highest when both directions were scored); unscored pairs are absent.</param>
/// <param name="SeriesOf">Incident id to series id, for incidents in a series.</param>
/// <param name="ChainOf">Incident id to fraud chain id.</param>
/// <param name="DisputeOf">Incident id to dispute group id.</param>
/// <param name="WatchlistHitOf">Incident id to the watchlist entry it hit.</param>
/// <param name="Alerts">Alerts published on alerts.v1 (service runs only).</param>
public sealed record Observations(
    IReadOnlyDictionary<IncidentPair, double> PairScores,
    IReadOnlyDictionary<string, string> SeriesOf,
    IReadOnlyDictionary<string, string> ChainOf,
    IReadOnlyDictionary<string, string> DisputeOf,
    IReadOnlyDictionary<string, string> WatchlistHitOf,
    TimeSpan ProcessingTime,
    IReadOnlyList<Contracts.Common.V1.Alert> Alerts);
