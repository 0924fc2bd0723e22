using Analysis.Domain;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>What the spatial index holds near an incident: its near-duplicates, and its series candidates (nearest first).</summary>
/// <param name="SeriesCandidates">Empty unless the incident is a property crime that duplicates no earlier report.</param>
public sealed record NearbyFinding(DuplicateFinding Duplicates, IReadOnlyList<NearbyIncident> SeriesCandidates);

/// <summary>
/// The search the analyser makes for an incident, and GetIncidentLinks repeats for its near misses: one search serves
/// both the near-duplicate check and the series candidates. A report that duplicates an earlier one is that offence, not
/// a new one, so it has no series candidates; later reports of the same event are none either.
/// </summary>
public sealed class NearbySearch(SpatialIndex spatial, IOptions<SeriesOptions> seriesOptions, IOptions<DuplicateOptions> duplicateOptions)
{
    private readonly SeriesOptions _series = seriesOptions.Value;
    private readonly DuplicateRule _duplicates = new(duplicateOptions.Value);

    public NearbyFinding Find(string incidentId, IncidentCategory category, GeoPoint location, IndexedIncident indexed)
    {
        var occurredAt = indexed.IndexedAt;
        if (indexed.Features is null)
        {
            return new NearbyFinding(SearchDuplicates(incidentId, category, location, occurredAt), []);
        }
        // The series candidates are the nearest first, so when they reach past the duplicate radius (or are all there is)
        // they hold every near-duplicate too, and the second search is saved.
        var radius = _series.CandidateRadiusKm * 1000;
        var window = TimeSpan.FromDays(_series.CandidateWindowDays);
        var limit = _series.MaxCandidates + 1;
        var nearby = spatial.Search(category, location, radius, occurredAt, window, limit);
        var coversDuplicates = radius >= _duplicates.RadiusMeters && window >= _duplicates.Window
                               && (nearby.Count < limit || nearby[^1].DistanceMeters > _duplicates.RadiusMeters);
        var finding = coversDuplicates
            ? _duplicates.Find(incidentId, category, occurredAt, nearby)
            : SearchDuplicates(incidentId, category, location, occurredAt);
        if (finding.Earlier is not null)
        {
            return new NearbyFinding(finding, []);
        }
        if (finding.Later.Count == 0)
        {
            return new NearbyFinding(finding, CandidateScoring.CandidatesOf(nearby, incidentId, _series.MaxCandidates));
        }
        var sameEvent = finding.Later.Select(l => l.IncidentId).ToHashSet(StringComparer.Ordinal);
        return new NearbyFinding(finding, CandidateScoring.CandidatesOf(new ArraySegment<NearbyIncident>([.. nearby.Where(n => !sameEvent.Contains(n.IncidentId))]), incidentId, _series.MaxCandidates));
    }

    private DuplicateFinding SearchDuplicates(string incidentId, IncidentCategory category, GeoPoint location, DateTimeOffset occurredAt)
        => _duplicates.Find(incidentId, category, occurredAt, spatial.Search(category, location, _duplicates.RadiusMeters, occurredAt, _duplicates.Window, 64));
}
