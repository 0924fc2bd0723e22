using Analysis.Domain;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>What the spatial index holds near an incident: its near-duplicates, and its series candidates (nearest first).</summary>
/// <param name="SeriesCandidates">
/// The nearest <see cref="SeriesOptions.MaxCandidates"/> other property crimes the caller's selector kept, nearest first; empty
/// unless the incident is a property crime that duplicates no earlier report.
/// </param>
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

    /// <param name="candidates">Which series candidates to hand back: the analyser's are those that could link.</param>
    public NearbyFinding Find<TSelector>(string incidentId, IncidentCategory category, GeoPoint location, IndexedIncident indexed, TSelector candidates)
        where TSelector : struct, INearbySelector
    {
        var occurredAt = indexed.IndexedAt;
        if (indexed.Features is null)
        {
            return new NearbyFinding(SearchDuplicates(incidentId, category, location, occurredAt), []);
        }
        // The series candidates are the nearest, so when they reach past the duplicate radius (or are all there is) they
        // hold every near-duplicate too, and the second search is saved.
        var radius = _series.CandidateRadiusKm * 1000;
        var window = TimeSpan.FromDays(_series.CandidateWindowDays);
        var covers = radius >= _duplicates.RadiusMeters && window >= _duplicates.Window;
        var nearby = spatial.Search(category, location, radius, occurredAt, window, _series.MaxCandidates, excludedId: incidentId,
            withinMeters: covers ? _duplicates.RadiusMeters : -1, candidates);
        var finding = covers && (nearby.Count < _series.MaxCandidates || nearby.ReachesBeyond)
            ? _duplicates.Find(incidentId, category, occurredAt, nearby.Within)
            : SearchDuplicates(incidentId, category, location, occurredAt);
        if (finding.Earlier is not null)
        {
            return new NearbyFinding(finding, []);
        }
        if (finding.Later.Count == 0)
        {
            return new NearbyFinding(finding, nearby.Kept);
        }
        var sameEvent = finding.Later.Select(l => l.IncidentId).ToHashSet(StringComparer.Ordinal);
        return new NearbyFinding(finding, [.. nearby.Kept.Where(n => !sameEvent.Contains(n.IncidentId))]);
    }

    private DuplicateFinding SearchDuplicates(string incidentId, IncidentCategory category, GeoPoint location, DateTimeOffset occurredAt)
        => _duplicates.Find(incidentId, category, occurredAt, spatial.Search(category, location, _duplicates.RadiusMeters, occurredAt, _duplicates.Window, 64));
}
