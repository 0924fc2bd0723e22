using System.Collections.Concurrent;
using Analysis.Domain;
using Analysis.Domain.Series;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Infrastructure;

/// <summary>
/// Where and when recent incidents happened, for near-duplicate and series candidate searches, in this process's
/// memory: per category group and grid cell of about <see cref="AnalysisOptions.GeoCellMeters"/>, the incidents in
/// occurred-time order with their series sketch (<see cref="CandidateSketch"/>), and the series features of every
/// property crime for exact scoring. A search reads the cells its circle touches and only the entries inside its time
/// window. Every replica holds the whole index: <see cref="Messaging.IncidentIndexFeed"/> fills it from every partition
/// of incidents.v1, so a search never waits on Redis (it was most of the round trips per incident). District plays no
/// part: crews cross district lines. Thread-safe: one lock per cell.
/// </summary>
public sealed class SpatialIndex
{
    /// <summary>Positions are limited to the Web Mercator band, as Redis GEO does (the grid's rows end there).</summary>
    private const double MaxGeoLatitude = 85.05112878;

    private readonly SpatialGrid _grid;
    private readonly ConcurrentDictionary<(int Group, GridCell Cell), Cell> _cells = new();
    private readonly ConcurrentDictionary<string, SeriesFeatures> _features = new(StringComparer.Ordinal);

    public SpatialIndex(IOptions<AnalysisOptions> options)
        : this(options.Value.GeoCellMeters)
    {
    }

    public SpatialIndex(double cellMeters) => _grid = new SpatialGrid(cellMeters);

    /// <summary>Entries held (an incident re-sent with other details counts once per version).</summary>
    public int Count => _cells.Values.Sum(c => c.Count);

    /// <summary>Series categories share one group (a crew may burgle one night and rob the next); every other category is its own.</summary>
    private static int GroupOf(IncidentCategory category) => SeriesFeatures.IsSeriesCategory(category) ? -1 : (int)category;

    public static bool IsIndexable(GeoPoint? location)
        => location is not null && double.IsFinite(location.Latitude) && Math.Abs(location.Latitude) <= MaxGeoLatitude
           && double.IsFinite(location.Longitude) && Math.Abs(location.Longitude) <= 180
           && !(location.Latitude == 0 && location.Longitude == 0);

    /// <summary>
    /// Adds the incident to its cell, kept until <paramref name="expiresAt"/>. Adding the same entry again changes
    /// nothing (a redelivered incident, or one both fed and analysed here); a version with other details is another entry.
    /// </summary>
    /// <param name="indexedAt">Its occurred time, or its reception when it has none: what searches' time windows compare.</param>
    /// <param name="features">A property crime's series features (null for other categories).</param>
    /// <returns>False when the entry was already there.</returns>
    public bool Add(string incidentId, CandidateSketch sketch, SeriesFeatures? features, DateTimeOffset indexedAt, DateTimeOffset expiresAt)
    {
        if (features is not null)
        {
            _features[incidentId] = features;
        }
        var key = (GroupOf(sketch.Category), _grid.CellOf(sketch.Latitude, sketch.Longitude));
        var cell = _cells.GetOrAdd(key, static _ => new Cell());
        return cell.Add(new Entry(incidentId, sketch, indexedAt.UtcTicks, expiresAt.UtcTicks));
    }

    /// <summary>
    /// Incidents of <paramref name="category"/>'s group within <paramref name="radiusMeters"/> and <paramref name="window"/>
    /// either side, nearest first (ties by id), at most <paramref name="limit"/>. The circle grows from one cell outwards
    /// (doubling) and stops as soon as <paramref name="limit"/> incidents lie inside it: those are then the nearest in the
    /// full radius, so a busy area costs a few cells, not the whole radius.
    /// </summary>
    public IReadOnlyList<NearbyIncident> Search(IncidentCategory category, GeoPoint center, double radiusMeters, DateTimeOffset occurredAt, TimeSpan window, int limit)
    {
        var group = GroupOf(category);
        var from = (occurredAt - window).UtcTicks;
        var to = (occurredAt + window).UtcTicks;
        var read = new HashSet<GridCell>();
        var found = new List<NearbyIncident>();
        for (var radius = Math.Min(radiusMeters, _grid.CellMeters); ; radius = Math.Min(radiusMeters, radius * 2))
        {
            foreach (var (gridCell, _) in _grid.Cells(center, radius))
            {
                if (read.Add(gridCell) && _cells.TryGetValue((group, gridCell), out var cell))
                {
                    cell.Read(from, to, center, radiusMeters, found);
                }
            }
            var inside = found.Count(n => n.DistanceMeters <= radius);
            if (inside >= limit || radius >= radiusMeters)
            {
                return [.. found.Where(n => n.DistanceMeters <= radius)
                    .OrderBy(n => n.DistanceMeters).ThenBy(n => n.IncidentId, StringComparer.Ordinal).Take(limit)];
            }
        }
    }

    /// <summary>The series features of indexed property crimes, in the order asked (ids no longer indexed left out).</summary>
    public IReadOnlyList<SeriesFeatures> Features(IReadOnlyList<string> incidentIds)
    {
        var result = new List<SeriesFeatures>(incidentIds.Count);
        foreach (var id in incidentIds)
        {
            if (_features.TryGetValue(id, out var features))
            {
                result.Add(features);
            }
        }
        return result;
    }

    /// <summary>Drops every entry expired at <paramref name="now"/>, and cells left empty; returns how many entries went.</summary>
    public int RemoveExpired(DateTimeOffset now)
    {
        var removed = 0;
        foreach (var (key, cell) in _cells)
        {
            foreach (var entry in cell.RemoveExpired(now.UtcTicks))
            {
                removed++;
                _features.TryRemove(entry.IncidentId, out _);
            }
            if (cell.Count == 0)
            {
                // Only if still empty and still this cell: an add racing with the removal goes to a new cell.
                _cells.TryRemove(new KeyValuePair<(int, GridCell), Cell>(key, cell));
            }
        }
        return removed;
    }

    private sealed record Entry(string IncidentId, CandidateSketch Sketch, long IndexedTicks, long ExpiresTicks);

    /// <summary>One cell's entries, in indexed-time order.</summary>
    private sealed class Cell
    {
        private readonly List<Entry> _entries = [];

        public int Count
        {
            get
            {
                lock (_entries)
                {
                    return _entries.Count;
                }
            }
        }

        public bool Add(Entry entry)
        {
            lock (_entries)
            {
                var at = FirstAtOrAfter(entry.IndexedTicks);
                for (var i = at; i < _entries.Count && _entries[i].IndexedTicks == entry.IndexedTicks; i++)
                {
                    if (_entries[i] == entry)
                    {
                        return false;
                    }
                }
                _entries.Insert(at, entry);
                return true;
            }
        }

        public void Read(long fromTicks, long toTicks, GeoPoint center, double radiusMeters, List<NearbyIncident> found)
        {
            lock (_entries)
            {
                for (var i = FirstAtOrAfter(fromTicks); i < _entries.Count && _entries[i].IndexedTicks <= toTicks; i++)
                {
                    var entry = _entries[i];
                    var distance = Geo.DistanceM(center.Latitude, center.Longitude, entry.Sketch.Latitude, entry.Sketch.Longitude);
                    if (distance <= radiusMeters)
                    {
                        found.Add(new NearbyIncident(entry.IncidentId, entry.Sketch.Category, new DateTimeOffset(entry.IndexedTicks, TimeSpan.Zero), distance) { Sketch = entry.Sketch });
                    }
                }
            }
        }

        public List<Entry> RemoveExpired(long nowTicks)
        {
            lock (_entries)
            {
                var expired = _entries.FindAll(e => e.ExpiresTicks <= nowTicks);
                if (expired.Count > 0)
                {
                    _entries.RemoveAll(e => e.ExpiresTicks <= nowTicks);
                }
                return expired;
            }
        }

        private int FirstAtOrAfter(long ticks)
        {
            int low = 0, high = _entries.Count;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (_entries[middle].IndexedTicks < ticks)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }
            return low;
        }
    }
}
