using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace AnalysisEval.Scenario;

/// <summary>What an incident really is, which the service must find out: at most one of the group ids is set.</summary>
/// <param name="Role">series | decoy | background | fraud-chain | fraud | dispute | sighting | other.</param>
public sealed record GroundTruth(string Role, string? SeriesId = null, string? ChainId = null, string? DisputeGroup = null, string? WatchlistEntryId = null);

public sealed record LabelledIncident(Incident Incident, GroundTruth Truth)
{
    public string Id => Incident.IncidentId;
}

/// <summary>A generated month of incidents with their ground truth, in occurred_at order.</summary>
public sealed record LabelledScenario(
    ScenarioSettings Settings,
    int Seed,
    DateTimeOffset Start,
    IReadOnlyList<LabelledIncident> Incidents,
    IReadOnlyList<WatchlistEntry> Watchlist)
{
    public IEnumerable<IGrouping<string, LabelledIncident>> TrueSeries
        => Incidents.Where(i => i.Truth.SeriesId is not null).GroupBy(i => i.Truth.SeriesId!);

    public IEnumerable<IGrouping<string, LabelledIncident>> TrueChains
        => Incidents.Where(i => i.Truth.ChainId is not null).GroupBy(i => i.Truth.ChainId!);
}
