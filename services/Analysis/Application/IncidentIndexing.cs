using Analysis.Domain;
using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>What the spatial index holds about one incident.</summary>
/// <param name="StoredUntil">The end of its retention, when its stored incident expires.</param>
public sealed record IndexedIncident(CandidateSketch Sketch, SeriesFeatures? Features, DateTimeOffset IndexedAt, DateTimeOffset StoredUntil);

/// <summary>
/// Puts an incident into the spatial index and the hotspot counts: the analyser the incidents of the partitions it owns,
/// the index feed (<see cref="Messaging.IncidentIndexFeed"/>) those of the others.
/// </summary>
public sealed class IncidentIndexing(SpatialIndex index, HotspotCounter hotspots, IOptions<AnalysisOptions> options, IOptions<SeriesOptions> seriesOptions,
    IOptions<DuplicateOptions> duplicateOptions, IOptions<HotspotOptions> hotspotOptions)
{
    private readonly TimeSpan _retention = TimeSpan.FromDays(options.Value.IncidentRetentionDays);
    private readonly TimeSpan _seriesWindow = TimeSpan.FromDays(seriesOptions.Value.CandidateWindowDays);
    private readonly TimeSpan _duplicateWindow = TimeSpan.FromMinutes(duplicateOptions.Value.WindowMinutes);
    private readonly TimeZoneInfo _timeZone = seriesOptions.Value.TimeZone;

    /// <summary>How far back the index can be searched (the retention plus the widest search window), or counted for hotspots.</summary>
    public TimeSpan Horizon => TimeSpan.FromTicks(Math.Max(
        (_retention + (_seriesWindow > _duplicateWindow ? _seriesWindow : _duplicateWindow)).Ticks,
        TimeSpan.FromDays(hotspotOptions.Value.BaselineDays).Ticks));

    /// <summary>Indexes the incident; null when it has no usable location or is past retention at <paramref name="now"/>.</summary>
    public IndexedIncident? Add(Incident incident, DateTimeOffset now)
    {
        if (EntryOf(incident, now) is not { } entry)
        {
            return null;
        }
        var report = incident.Report;
        // Any incident still in retention may search its window: entries older than that can never be found again.
        var keepFor = _retention + (entry.Features is not null ? _seriesWindow : _duplicateWindow);
        index.Add(incident.IncidentId, entry.Sketch, entry.Features, entry.IndexedAt, entry.IndexedAt + keepFor, entry.StoredUntil);
        if (report.Category != IncidentCategory.Unspecified)
        {
            hotspots.Add(report.Location, report.Category, incident.IncidentId, entry.IndexedAt);
        }
        return entry;
    }

    /// <summary>The index entry the incident has (or would have); null when it has no usable location or is past retention at <paramref name="now"/>.</summary>
    public IndexedIncident? EntryOf(Incident incident, DateTimeOffset now)
    {
        var report = incident.Report;
        if (report is null || !SpatialIndex.IsIndexable(report.Location))
        {
            return null;
        }
        // Retention counts from reception, as for the stored incident.
        var receivedAt = incident.ReceivedAt?.ToDateTimeOffset() ?? now;
        if (receivedAt + _retention <= now)
        {
            return null;
        }
        var indexedAt = report.OccurredAt?.ToDateTimeOffset() ?? receivedAt;
        var features = SeriesFeatures.IsSeriesCategory(report.Category) ? SeriesFeatures.From(incident) : null;
        var sketch = features is not null
            ? CandidateSketch.Of(features, report.Location, _timeZone)
            : CandidateSketch.Located(report.Location, report.Category, indexedAt);
        return new IndexedIncident(sketch, features, indexedAt, receivedAt + _retention);
    }
}
