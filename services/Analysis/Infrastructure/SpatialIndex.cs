using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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
/// window. Every replica holds the whole index: the analyser adds the incidents of the partitions it owns, and
/// <see cref="Messaging.IncidentIndexFeed"/> those of the others, so a search never waits on Redis (it was most of the
/// round trips per incident). District plays no
/// part: crews cross district lines. Thread-safe: a cell's entries are an immutable <see cref="IndexEntries"/> that a
/// writer replaces under the cell's lock, so a search reads them without locking and its results point into them.
/// </summary>
public sealed class SpatialIndex
{
    /// <summary>Positions are limited to the Web Mercator band, as Redis GEO does (the grid's rows end there).</summary>
    private const double MaxGeoLatitude = 85.05112878;

    private readonly SpatialGrid _grid;
    private readonly ConcurrentDictionary<(int Group, GridCell Cell), Cell> _cells = new();
    /// <summary>
    /// Per incident, the features of its latest version, kept until its last entry expires (a re-sent version may be
    /// another entry). Packed (<see cref="PackedSeriesFeatures"/>): they outlive every young-generation collection.
    /// </summary>
    private readonly ConcurrentDictionary<string, (byte[] Features, long ExpiresTicks)> _features = new(StringComparer.Ordinal);

    public SpatialIndex(IOptions<AnalysisOptions> options)
        : this(options.Value.GeoCellMeters)
    {
    }

    public SpatialIndex(double cellMeters) => _grid = new SpatialGrid(cellMeters);

    /// <summary>Series categories share one group (a crew may burgle one night and rob the next); every other category is its own.</summary>
    private static int GroupOf(IncidentCategory category) => SeriesFeatures.IsSeriesCategory(category) ? -1 : (int)category;

    public static bool IsIndexable(GeoPoint? location)
        => location is not null && double.IsFinite(location.Latitude) && Math.Abs(location.Latitude) <= MaxGeoLatitude
           && double.IsFinite(location.Longitude) && Math.Abs(location.Longitude) <= 180
           && !(location.Latitude == 0 && location.Longitude == 0);

    /// <summary>
    /// Adds the incident to its cell, kept until <paramref name="expiresAt"/> and stored (in Redis) until
    /// <paramref name="storedUntil"/>. Adding the same entry again changes
    /// nothing (a redelivered incident, or one both fed and analysed here); a version with other details is another entry.
    /// </summary>
    /// <param name="indexedAt">Its occurred time, or its reception when it has none: what searches' time windows compare.</param>
    /// <param name="features">A property crime's series features (null for other categories).</param>
    /// <returns>False when the entry was already there.</returns>
    public bool Add(string incidentId, CandidateSketch sketch, SeriesFeatures? features, DateTimeOffset indexedAt, DateTimeOffset expiresAt, DateTimeOffset storedUntil)
    {
        if (features is not null)
        {
            var expiresTicks = expiresAt.UtcTicks;
            _features.AddOrUpdate(incidentId, static (_, added) => added, static (_, kept, added) => (added.Features, Math.Max(kept.ExpiresTicks, added.ExpiresTicks)),
                (Features: PackedSeriesFeatures.Pack(features), ExpiresTicks: expiresTicks));
        }
        var key = (GroupOf(sketch.Category), _grid.CellOf(sketch.Latitude, sketch.Longitude));
        while (true)
        {
            var cell = _cells.GetOrAdd(key, static _ => new Cell());
            if (cell.Add(incidentId, sketch, indexedAt.UtcTicks, expiresAt.UtcTicks, storedUntil.UtcTicks) is { } added)
            {
                return added;
            }
            // The sweep retired that cell (it was empty) after this found it: help take it out, and add to a new one.
            _cells.TryRemove(new KeyValuePair<(int, GridCell), Cell>(key, cell));
        }
    }

    /// <summary>
    /// Incidents of <paramref name="category"/>'s group within <paramref name="radiusMeters"/> and <paramref name="window"/>
    /// either side, nearest first (ties by id), at most <paramref name="limit"/>.
    /// </summary>
    public ArraySegment<NearbyIncident> Search(IncidentCategory category, GeoPoint center, double radiusMeters, DateTimeOffset occurredAt, TimeSpan window, int limit)
        => Search(category, center, radiusMeters, occurredAt, window, limit, excludedId: null, withinMeters: -1, new EveryEntry()).Kept;

    /// <summary>
    /// Of the incidents <see cref="Search(IncidentCategory, GeoPoint, double, DateTimeOffset, TimeSpan, int)"/> would
    /// return (leaving out every entry of <paramref name="excludedId"/>), those <paramref name="selector"/> keeps and those
    /// within <paramref name="withinMeters"/> (none when negative). The circle grows from one cell outwards (as far as the
    /// density inside it predicts) and stops as soon as <paramref name="limit"/> incidents lie inside it: those are then
    /// the nearest in the full radius, so a busy area costs a few cells, not the whole radius. Only the entries the
    /// answer depends on are measured on the globe: those near where the limit cuts, those the selector may keep, and
    /// those that may be within the distance (a series search keeps about one of 300; measuring and sorting all of them
    /// was a third of its cost).
    /// </summary>
    public NearbySelection Search<TSelector>(IncidentCategory category, GeoPoint center, double radiusMeters, DateTimeOffset occurredAt, TimeSpan window, int limit,
        string? excludedId, double withinMeters, TSelector selector)
        where TSelector : struct, INearbySelector
    {
        var group = GroupOf(category);
        var from = (occurredAt - window).UtcTicks;
        var to = (occurredAt + window).UtcTicks;
        var plane = new LocalPlane(center);
        var readWithin = Squared(radiusMeters + plane.MarginWithin(radiusMeters));
        // Searches run synchronously, so one buffer per thread is reused: a busy search holds thousands of hits.
        var found = t_hits ??= new Hits();
        found.Clear(excludedId);
        var previousRadius = -1.0;
        var radius = Math.Min(radiusMeters, _grid.CellMeters);
        while (true)
        {
            // The cells first, then where each one's window starts, then the entries: each pass's loads are independent of
            // one another, so the processor overlaps their cache misses instead of waiting for one cell's chain at a time.
            var cells = found.Pending;
            cells.Clear();
            _grid.Cells(center, radius, found.GridCells);
            foreach (var (gridCell, nearestMeters) in found.GridCells)
            {
                // A cell the previous circle reached was read then: the grid measures its nearest point the same way every time.
                if (nearestMeters > previousRadius && _cells.TryGetValue((group, gridCell), out var cell))
                {
                    cells.Add((cell.Entries, 0));
                }
            }
            var pending = CollectionsMarshal.AsSpan(cells);
            foreach (ref var entries in pending)
            {
                entries.Start = FirstAtOrAfter(entries.Entries.Slots.AsSpan(0, entries.Entries.SortedCount), from);
            }
            foreach (ref readonly var entries in pending)
            {
                Read(entries.Entries, entries.Start, from, to, plane, readWithin, found);
            }
            // Surely inside: the great-circle distance may exceed the plane's by up to the margin.
            var inside = found.CountWithin(Squared(radius - plane.MarginWithin(radius)));
            if (inside >= limit || radius >= radiusMeters)
            {
                return Select(found, center, plane.MarginWithin(radius), Math.Min(radius, radiusMeters), limit, withinMeters, selector);
            }
            previousRadius = radius;
            radius = Math.Min(radiusMeters, NextRadius(radius, inside, limit));
        }
    }

    /// <summary>
    /// The circle likely to hold <paramref name="limit"/> entries, from the density inside this one, with a tenth to spare:
    /// doubling instead read about 3.7 entries per one kept (the last circle holds up to four times the entries needed).
    /// At least a quarter wider, so that a sparse centre does not take many steps, and at most twice.
    /// </summary>
    private static double NextRadius(double radius, int inside, int limit)
        => radius * Math.Clamp(inside == 0 ? 2 : 1.1 * Math.Sqrt((double)limit / inside), 1.25, 2);

    /// <summary>Squared, for comparing with squared distances; nothing is within a negative distance.</summary>
    private static double Squared(double meters) => meters < 0 ? -1 : meters * meters;

    /// <summary>
    /// Of the <paramref name="limit"/> nearest hits within <paramref name="radius"/> by great-circle distance (ties by id),
    /// those the selector keeps and those within <paramref name="withinMeters"/>. A hit's plane distance is within
    /// <paramref name="margin"/> of its great-circle distance either way, so the limit-th nearest on the globe is within
    /// a margin of the limit-th on the plane: a hit more than two margins nearer than that on the plane is certainly
    /// among the nearest, one more than two margins farther certainly not, and only those between are measured to decide.
    /// </summary>
    private static NearbySelection Select<TSelector>(Hits found, GeoPoint center, double margin, double radius, int limit, double withinMeters, TSelector selector)
        where TSelector : struct, INearbySelector
    {
        var count = found.KeepWithin(Squared(radius + margin));
        var hits = found.All[..count];
        double certain = radius - margin, possible = radius + margin;
        if (count > limit)
        {
            SelectNearest(hits, limit);
            var kth = 0.0;
            foreach (ref readonly var hit in hits[..limit])
            {
                kth = Math.Max(kth, hit.SquaredDistance);
            }
            certain = Math.Min(certain, Math.Sqrt(kth) - 2 * margin);
            possible = Math.Min(possible, Math.Sqrt(kth) + 2 * margin);
        }
        var from = new Geo.GreatCircleFrom(center.Latitude, center.Longitude);
        // Per hit its great-circle distance once measured (NaN before); pooled, as is every list here: a search allocates only its answer.
        var measured = ArrayPool<double>.Shared.Rent(count);
        var members = ArrayPool<int>.Shared.Rent(count);
        var unsure = new SortedHits(count);
        var memberCount = 0;
        var certainSquared = Squared(certain);
        var possibleSquared = Squared(possible);
        for (var i = 0; i < hits.Length; i++)
        {
            measured[i] = double.NaN;
            if (hits[i].SquaredDistance < certainSquared)
            {
                members[memberCount++] = i;
            }
            else if (hits[i].SquaredDistance <= possibleSquared)
            {
                measured[i] = Measure(found, hits[i], from);
                if (measured[i] <= radius)
                {
                    unsure.Add(measured[i], i);
                }
            }
        }
        // The certain ones number fewer than the limit (each is nearer than the limit-th); the nearest unsure fill it up.
        unsure.Sort(found, hits);
        for (var u = 0; u < unsure.Count && memberCount < limit; u++)
        {
            members[memberCount++] = unsure.HitAt(u);
        }
        unsure.Return();

        if (selector.JudgesSketches)
        {
            // The members' sketches are scattered over the index: touched first in a loop of independent loads, their cache
            // misses overlap; in the selector's loop each would wait for its own.
            uint touched = 0;
            for (var m = 0; m < memberCount; m++)
            {
                touched ^= found.Cells[hits[members[m]].Cell].Sketches[hits[members[m]].Index].EntryMethod;
            }
            found.Touched = touched;
        }
        var kept = new SortedHits(memberCount);
        var within = new SortedHits(withinMeters < 0 ? 0 : memberCount);
        var reachesBeyond = false;
        var withinSquared = Squared(withinMeters + margin);
        for (var m = 0; m < memberCount; m++)
        {
            var i = members[m];
            ref readonly var hit = ref hits[i];
            if (selector.MayKeep(found.Cells[hit.Cell].Sketches[hit.Index]))
            {
                var distance = MeasuredOnce(found, hits, measured, i, from);
                if (selector.Keeps(found.Cells[hit.Cell].Sketches[hit.Index], distance))
                {
                    kept.Add(distance, i);
                }
            }
            if (withinMeters >= 0)
            {
                // Farther on the plane than the distance and a margin: certainly beyond it, not measured.
                if (hit.SquaredDistance <= withinSquared && MeasuredOnce(found, hits, measured, i, from) <= withinMeters)
                {
                    within.Add(measured[i], i);
                }
                else
                {
                    reachesBeyond = true;
                }
            }
        }
        ArrayPool<double>.Shared.Return(measured);
        ArrayPool<int>.Shared.Return(members);
        return new NearbySelection(kept.ToNearby(found, hits), within.ToNearby(found, hits), memberCount, reachesBeyond);
    }

    private static double MeasuredOnce(Hits found, Span<Hit> hits, double[] measured, int i, Geo.GreatCircleFrom from)
        => double.IsNaN(measured[i]) ? measured[i] = Measure(found, hits[i], from) : measured[i];

    private static double Measure(Hits found, in Hit hit, Geo.GreatCircleFrom from)
    {
        ref readonly var slot = ref found.Cells[hit.Cell].Slots[hit.Index];
        return from.DistanceM(slot.Latitude, slot.Longitude);
    }

    /// <summary>
    /// Hits with their great-circle distances, sorted nearest first with ties by id. Sorted as plain keys and hit numbers
    /// (sorting the result's structs moved references, each behind a GC write barrier), in pooled arrays.
    /// </summary>
    private struct SortedHits(int capacity)
    {
        private readonly double[] _distances = ArrayPool<double>.Shared.Rent(capacity);
        private readonly int[] _hits = ArrayPool<int>.Shared.Rent(capacity);

        public int Count { get; private set; }

        public void Add(double distance, int hit)
        {
            _distances[Count] = distance;
            _hits[Count++] = hit;
        }

        public readonly int HitAt(int position) => _hits[position];

        public readonly void Sort(Hits found, Span<Hit> hits)
        {
            Array.Sort(_distances, _hits, 0, Count);
            for (var start = 0; start < Count;)
            {
                var end = start + 1;
                while (end < Count && _distances[end] == _distances[start])
                {
                    end++;
                }
                if (end - start > 1)
                {
                    var tied = _hits.AsSpan(start, end - start);
                    var ids = new string[tied.Length];
                    for (var i = 0; i < ids.Length; i++)
                    {
                        ids[i] = found.Cells[hits[tied[i]].Cell].Ids[hits[tied[i]].Index];
                    }
                    ids.AsSpan().Sort(tied, StringComparer.Ordinal);
                }
                start = end;
            }
        }

        /// <summary>Sorted, as the answer's incidents; the arrays go back to the pool.</summary>
        public readonly NearbyIncident[] ToNearby(Hits found, Span<Hit> hits)
        {
            Sort(found, hits);
            var nearby = Count == 0 ? [] : new NearbyIncident[Count];
            for (var i = 0; i < Count; i++)
            {
                ref readonly var hit = ref hits[_hits[i]];
                nearby[i] = new NearbyIncident(found.Cells[hit.Cell], hit.Index, _distances[i]);
            }
            Return();
            return nearby;
        }

        public readonly void Return()
        {
            ArrayPool<double>.Shared.Return(_distances);
            ArrayPool<int>.Shared.Return(_hits);
        }
    }

    /// <summary>
    /// Adds the entries within the time window and (on the plane) <paramref name="squaredRadius"/> to the hits: those of the
    /// sorted part from <paramref name="i"/> (where the window starts) to where it ends, then those of the unsorted tail.
    /// </summary>
    private static void Read(IndexEntries entries, int i, long fromTicks, long toTicks, LocalPlane plane, double squaredRadius, Hits found)
    {
        var slots = entries.Slots.AsSpan(0, entries.Count);
        var sorted = entries.SortedCount;
        if ((i == sorted || slots[i].IndexedTicks > toTicks) && sorted == slots.Length)
        {
            return;
        }
        var cell = found.AddCell(entries);
        for (; i < sorted && slots[i].IndexedTicks <= toTicks; i++)
        {
            ReadOne(entries, slots, i, plane, squaredRadius, found, cell);
        }
        for (i = sorted; i < slots.Length; i++)
        {
            if (slots[i].IndexedTicks >= fromTicks && slots[i].IndexedTicks <= toTicks)
            {
                ReadOne(entries, slots, i, plane, squaredRadius, found, cell);
            }
        }
    }

    private static void ReadOne(IndexEntries entries, ReadOnlySpan<IndexSlot> slots, int i, LocalPlane plane, double squaredRadius, Hits found, int cell)
    {
        var squared = plane.SquaredDistanceMeters(slots[i].Latitude, slots[i].Longitude);
        if (squared <= squaredRadius && !found.Excludes(slots[i].IdHash, entries.Ids[i]))
        {
            found.Add(cell, i, squared);
        }
    }

    private static int FirstAtOrAfter(ReadOnlySpan<IndexSlot> slots, long ticks)
    {
        int low = 0, high = slots.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (slots[middle].IndexedTicks < ticks)
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

    /// <summary>Rearranges the hits so that the first <paramref name="k"/> are the k nearest on the plane (quickselect).</summary>
    private static void SelectNearest(Span<Hit> hits, int k)
    {
        int left = 0, right = hits.Length - 1;
        while (left < right)
        {
            var pivot = hits[(left + right) >>> 1].SquaredDistance;
            int i = left, j = right;
            while (i <= j)
            {
                while (hits[i].SquaredDistance < pivot)
                {
                    i++;
                }
                while (hits[j].SquaredDistance > pivot)
                {
                    j--;
                }
                if (i <= j)
                {
                    (hits[i], hits[j]) = (hits[j], hits[i]);
                    i++;
                    j--;
                }
            }
            if (k - 1 <= j)
            {
                right = j;
            }
            else if (k - 1 >= i)
            {
                left = i;
            }
            else
            {
                return;
            }
        }
    }

    [ThreadStatic]
    private static Hits? t_hits;

    /// <summary>
    /// An entry read by a search: its cell (among the search's), its place there, and its squared distance on the
    /// search's plane (squared: no root per entry read). No reference in it, so storing one needs no GC write barrier.
    /// </summary>
    private readonly record struct Hit(int Cell, int Index, double SquaredDistance);

    /// <summary>Entries read by a search, and the cells they are in.</summary>
    private sealed class Hits
    {
        private Hit[] _hits = new Hit[1024];
        private int _count;

        public List<IndexEntries> Cells { get; } = [];

        /// <summary>The grid's cells a step of the search reaches.</summary>
        public List<(GridCell Cell, double NearestMeters)> GridCells { get; } = [];

        /// <summary>The cells a step of the search is about to read, and where each one's time window starts.</summary>
        public List<(IndexEntries Entries, int Start)> Pending { get; } = [];

        public Span<Hit> All => _hits.AsSpan(0, _count);

        /// <summary>
        /// Where a search's touching loop leaves its result, so that the compiler keeps its loads: in this thread's buffer,
        /// as a field every search on every core wrote would move its cache line between them.
        /// </summary>
        public uint Touched { get; set; }

        private string? _excludedId;
        private int _excludedHash;

        public void Clear(string? excludedId)
        {
            _count = 0;
            Cells.Clear();
            _excludedId = excludedId;
            _excludedHash = excludedId?.GetHashCode() ?? 0;
        }

        /// <summary>Whether an entry is one the search leaves out; its id is read only when the hashes match.</summary>
        public bool Excludes(int idHash, string id) => idHash == _excludedHash && _excludedId is not null && id == _excludedId;

        public int AddCell(IndexEntries entries)
        {
            Cells.Add(entries);
            return Cells.Count - 1;
        }

        public void Add(int cell, int index, double squaredDistance)
        {
            if (_count == _hits.Length)
            {
                Array.Resize(ref _hits, _count * 2);
            }
            _hits[_count++] = new Hit(cell, index, squaredDistance);
        }

        public int CountWithin(double squaredMeters)
        {
            var count = 0;
            foreach (ref readonly var hit in All)
            {
                count += hit.SquaredDistance <= squaredMeters ? 1 : 0;
            }
            return count;
        }

        /// <summary>Moves the hits within the distance to the front; returns how many.</summary>
        public int KeepWithin(double squaredMeters)
        {
            var hits = All;
            var kept = 0;
            for (var i = 0; i < hits.Length; i++)
            {
                if (hits[i].SquaredDistance <= squaredMeters)
                {
                    hits[kept++] = hits[i];
                }
            }
            return kept;
        }
    }

    /// <summary>
    /// Distances on the equirectangular plane at the search's centre: a few multiplications instead of the haversine's
    /// trigonometry for every entry read, out from the great-circle distance by at most <see cref="MarginWithin"/>.
    /// </summary>
    private readonly struct LocalPlane(GeoPoint center)
    {
        private readonly double _errorPerSquareMetre = Geo.PlaneErrorPerSquareMetre(center.Latitude);

        public double MarginWithin(double meters) => 1 + meters * meters * _errorPerSquareMetre;

        private const double MetresPerDegree = Geo.EarthRadiusM * Math.PI / 180;
        private readonly double _latitude = center.Latitude;
        private readonly double _longitude = center.Longitude;
        private readonly double _metresPerDegreeLongitude = MetresPerDegree * Math.Cos(double.DegreesToRadians(center.Latitude));

        public double SquaredDistanceMeters(double latitude, double longitude)
        {
            var north = (latitude - _latitude) * MetresPerDegree;
            var east = (longitude - _longitude) * _metresPerDegreeLongitude;
            return north * north + east * east;
        }
    }

    /// <summary>The series features of indexed property crimes, in the order asked (ids no longer indexed left out).</summary>
    public IReadOnlyList<SeriesFeatures> Features(IReadOnlyList<string> incidentIds)
    {
        var result = new List<SeriesFeatures>(incidentIds.Count);
        foreach (var id in incidentIds)
        {
            if (_features.TryGetValue(id, out var kept))
            {
                result.Add(PackedSeriesFeatures.Unpack(id, kept.Features));
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
            foreach (var incidentId in cell.RemoveExpired(now.UtcTicks))
            {
                removed++;
                if (_features.TryGetValue(incidentId, out var kept) && kept.ExpiresTicks <= now.UtcTicks)
                {
                    // Only that value: a version added meanwhile keeps its features.
                    _features.TryRemove(new KeyValuePair<string, (byte[], long)>(incidentId, kept));
                }
            }
            // Retired under its lock only if still empty, so an add that found the cell before it left the map is not lost
            // in it: that add sees the cell retired and goes to a new one.
            if (cell.Count == 0 && cell.TryRetire())
            {
                _cells.TryRemove(new KeyValuePair<(int, GridCell), Cell>(key, cell));
            }
        }
        return removed;
    }

    /// <summary>One cell's entries; replaced whole by a writer (under the lock), read by searches without it.</summary>
    private sealed class Cell
    {
        private readonly Lock _writer = new();
        private volatile IndexEntries _entries = IndexEntries.Empty;

        public IndexEntries Entries => _entries;

        /// <summary>Set, under the lock, when the sweep takes the cell out of the map: no entry may be added to it after.</summary>
        private bool _retired;

        public int Count => _entries.Count;

        /// <returns>False when the entry was already there; null when the cell is retired (add to a new one).</returns>
        public bool? Add(string incidentId, in CandidateSketch sketch, long indexedTicks, long expiresTicks, long storedUntilTicks)
        {
            lock (_writer)
            {
                if (_retired)
                {
                    return null;
                }
                var current = _entries;
                if (Holds(current, incidentId, sketch, indexedTicks, expiresTicks, storedUntilTicks))
                {
                    return false;
                }
                _entries = Added(current, new Entry(IndexSlot.Of(incidentId, sketch, indexedTicks), sketch, incidentId, expiresTicks, storedUntilTicks));
                return true;
            }
        }

        private static bool Holds(IndexEntries entries, string incidentId, CandidateSketch sketch, long indexedTicks, long expiresTicks, long storedUntilTicks)
        {
            bool Same(int i) => entries.Ids[i] == incidentId && entries.Sketches[i] == sketch && entries.ExpiresTicks[i] == expiresTicks
                                && entries.StoredUntilTicks[i] == storedUntilTicks;

            var sorted = entries.SortedCount;
            for (var i = FirstAtOrAfter(entries.Slots.AsSpan(0, sorted), indexedTicks); i < sorted && entries.Slots[i].IndexedTicks == indexedTicks; i++)
            {
                if (Same(i))
                {
                    return true;
                }
            }
            for (var i = sorted; i < entries.Count; i++)
            {
                if (entries.Slots[i].IndexedTicks == indexedTicks && Same(i))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Retires the cell if it holds no entry; false if one was added meanwhile.</summary>
        public bool TryRetire()
        {
            lock (_writer)
            {
                _retired = _entries.Count == 0;
                return _retired;
            }
        }

        /// <summary>Removes the expired entries; returns their incident ids.</summary>
        public List<string> RemoveExpired(long nowTicks)
        {
            lock (_writer)
            {
                var current = _entries;
                var expired = new List<string>();
                for (var i = 0; i < current.Count; i++)
                {
                    if (current.ExpiresTicks[i] <= nowTicks)
                    {
                        expired.Add(current.Ids[i]);
                    }
                }
                if (expired.Count > 0)
                {
                    _entries = Rebuilt(current, current.Count - expired.Count, keptAfterTicks: nowTicks, added: null);
                }
                return expired;
            }
        }

        /// <summary>An entry being added, before it is in any array.</summary>
        private readonly record struct Entry(IndexSlot Slot, CandidateSketch Sketch, string IncidentId, long ExpiresTicks, long StoredUntilTicks);

        /// <summary>
        /// Most incidents arrive in time order and are appended in place. One that happened before the cell's latest goes to
        /// the unsorted tail while there is room (inserting it in time order copied all of the cell's arrays, for 13 % of
        /// insertions in the bench month); a full tail or full arrays rebuild the cell, sorted.
        /// </summary>
        private static IndexEntries Added(IndexEntries current, in Entry entry)
        {
            var count = current.Count;
            var sorted = current.SortedCount;
            if (count < current.Slots.Length)
            {
                var inOrder = sorted == count && (count == 0 || current.Slots[count - 1].IndexedTicks <= entry.Slot.IndexedTicks);
                if (inOrder || count - sorted < MaxUnsortedTail)
                {
                    Write(current, count, entry);
                    return new IndexEntries(current.Slots, current.Sketches, current.Ids, current.ExpiresTicks, current.StoredUntilTicks, count + 1, inOrder ? sorted + 1 : sorted);
                }
            }
            var capacity = count < current.Slots.Length ? current.Slots.Length : Math.Max(4, count * 2);
            return Rebuilt(current, capacity, keptAfterTicks: long.MinValue, entry);
        }

        /// <summary>Entries out of time order a cell holds at most before it is rebuilt sorted: a search reads them all.</summary>
        private const int MaxUnsortedTail = 16;

        /// <summary>
        /// The entries expiring after <paramref name="keptAfterTicks"/>, and <paramref name="added"/>, in new arrays of
        /// <paramref name="capacity"/>, all in time order (an entry after its equals in time, the added one last among them):
        /// the sorted part merged with the tail, itself put in order first (a handful of entries).
        /// </summary>
        private static IndexEntries Rebuilt(IndexEntries current, int capacity, long keptAfterTicks, Entry? added)
        {
            var tail = new List<Entry>(current.Count - current.SortedCount + 1);
            for (var i = current.SortedCount; i < current.Count; i++)
            {
                InsertInTimeOrder(tail, new Entry(current.Slots[i], current.Sketches[i], current.Ids[i], current.ExpiresTicks[i], current.StoredUntilTicks[i]));
            }
            if (added is { } entry)
            {
                InsertInTimeOrder(tail, entry);
            }
            var rebuilt = new IndexEntries(new IndexSlot[capacity], new CandidateSketch[capacity], new string[capacity], new long[capacity], new long[capacity], 0, 0);
            var count = 0;
            int s = 0, t = 0;
            while (s < current.SortedCount || t < tail.Count)
            {
                if (t == tail.Count || (s < current.SortedCount && current.Slots[s].IndexedTicks <= tail[t].Slot.IndexedTicks))
                {
                    if (current.ExpiresTicks[s] > keptAfterTicks)
                    {
                        rebuilt.Slots[count] = current.Slots[s];
                        rebuilt.Sketches[count] = current.Sketches[s];
                        rebuilt.Ids[count] = current.Ids[s];
                        rebuilt.ExpiresTicks[count] = current.ExpiresTicks[s];
                        rebuilt.StoredUntilTicks[count++] = current.StoredUntilTicks[s];
                    }
                    s++;
                }
                else if (tail[t++] is var next && next.ExpiresTicks > keptAfterTicks)
                {
                    Write(rebuilt, count++, next);
                }
            }
            return new IndexEntries(rebuilt.Slots, rebuilt.Sketches, rebuilt.Ids, rebuilt.ExpiresTicks, rebuilt.StoredUntilTicks, count, count);
        }

        /// <summary>After its equals in time (stable).</summary>
        private static void InsertInTimeOrder(List<Entry> entries, in Entry entry)
        {
            var at = entries.Count;
            while (at > 0 && entries[at - 1].Slot.IndexedTicks > entry.Slot.IndexedTicks)
            {
                at--;
            }
            entries.Insert(at, entry);
        }

        private static void Write(IndexEntries entries, int at, in Entry entry)
        {
            entries.Slots[at] = entry.Slot;
            entries.Sketches[at] = entry.Sketch;
            entries.Ids[at] = entry.IncidentId;
            entries.ExpiresTicks[at] = entry.ExpiresTicks;
            entries.StoredUntilTicks[at] = entry.StoredUntilTicks;
        }
    }
}
