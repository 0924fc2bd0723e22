using Contracts.Common.V1;

namespace Dispatch.Domain;

/// <summary>A unit as the index saw it when a search ran (a copy: the index keeps changing).</summary>
public sealed record UnitCandidate(string UnitId, UnitKind Kind, UnitStatus Status, bool Connected, double Latitude, double Longitude, DateTimeOffset PositionAt)
{
    public GeoPoint Position => new() { Latitude = Latitude, Longitude = Longitude };
}

/// <summary>A unit that can go, with its estimate.</summary>
public sealed record RankedUnit(UnitCandidate Unit, double DistanceMeters, TimeSpan EstimatedTravel);

/// <summary>A unit near the incident that was passed over, and why (for the incident's timeline).</summary>
public sealed record RejectedUnit(UnitCandidate Unit, double DistanceMeters, string Reason);

/// <summary>What to look for: units of any of <paramref name="Kinds"/> that have every required capability.</summary>
public sealed record UnitQuery(
    GeoPoint At,
    IReadOnlyCollection<UnitKind> Kinds,
    IReadOnlyCollection<Capability> Capabilities,
    string? Language,
    int Count,
    DateTimeOffset Now,
    IReadOnlySet<string> Exclude);

/// <summary>The nearest eligible units by travel time, plus the nearest ones passed over and how many were looked at.</summary>
public sealed record UnitSearchResult(IReadOnlyList<RankedUnit> Ranked, IReadOnlyList<RejectedUnit> Rejected, int Considered);

/// <summary>
/// Where every unit is and whether it can go, in memory, in a grid of 0.01° cells per unit kind.
/// A search walks rings of cells outwards from the incident and stops as soon as no unit in a
/// farther ring could beat the ones found, so its cost depends on the units near the incident,
/// not on how many units exist. Fed from units.v1 (status, ordered by version) and
/// unit-positions.v1 (ordered by the time of the fix); Redis stays the truth and the claim there
/// is what decides, so a slightly stale index costs at most a lost claim, never a double booking.
/// Thread-safe.
/// </summary>
public sealed class UnitIndex(double roadFactor, TimeSpan positionMaxAge, double maxRadiusMeters)
{
    private const double CellDegrees = 0.01;
    private const double MetersPerDegree = 111_195.0;
    private const int MaxRejectedReported = 8;

    private sealed class Entry
    {
        public required string UnitId;
        public UnitKind Kind;
        public ulong Capabilities;
        public string[] Languages = [];
        public UnitStatus Status;
        public bool Connected;
        public double Latitude;
        public double Longitude;
        public long PositionAtMs;
        public long Version;
        public long Cell;

        public UnitCandidate Snapshot() => new(UnitId, Kind, Status, Connected, Latitude, Longitude, DateTimeOffset.FromUnixTimeMilliseconds(PositionAtMs));
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<UnitKind, Dictionary<long, List<Entry>>> _cells = [];

    public double RoadFactor => roadFactor;

    public TimeSpan PositionMaxAge => positionMaxAge;

    public double MaxRadiusMeters => maxRadiusMeters;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _units.Count;
            }
        }
    }

    public static ulong CapabilityMask(IEnumerable<Capability> capabilities)
        => capabilities.Aggregate(0UL, (mask, c) => mask | (1UL << ((int)c & 63)));

    /// <summary>Takes a stored state if it is newer than what the index holds (by version; the position by its time).</summary>
    public void Apply(UnitState state)
    {
        var positionAt = state.PositionAt?.ToDateTimeOffset().ToUnixTimeMilliseconds() ?? 0;
        lock (_lock)
        {
            if (!_units.TryGetValue(state.UnitId, out var entry))
            {
                entry = new Entry { UnitId = state.UnitId, Version = -1, PositionAtMs = long.MinValue };
                _units[state.UnitId] = entry;
            }
            else if (state.Version <= entry.Version && positionAt <= entry.PositionAtMs)
            {
                return;
            }
            var oldKind = entry.Kind;
            var wasIndexed = entry.Version >= 0;
            if (state.Version > entry.Version)
            {
                entry.Kind = state.Kind;
                entry.Capabilities = CapabilityMask(state.Capabilities);
                entry.Languages = [.. state.Languages];
                entry.Status = state.Status;
                entry.Connected = state.Connected;
                entry.Version = state.Version;
            }
            var moved = positionAt > entry.PositionAtMs && state.Position is not null;
            if (moved)
            {
                entry.Latitude = state.Position!.Latitude;
                entry.Longitude = state.Position.Longitude;
                entry.PositionAtMs = positionAt;
            }
            var cell = CellOf(entry.Latitude, entry.Longitude);
            if (!wasIndexed)
            {
                AddToCell(entry, cell);
            }
            else if (oldKind != entry.Kind || cell != entry.Cell)
            {
                RemoveFromCell(entry, oldKind);
                AddToCell(entry, cell);
            }
        }
    }

    /// <summary>A new position fix; ignored when older than the one held (events may arrive out of order).</summary>
    public void Move(string unitId, double latitude, double longitude, DateTimeOffset at)
    {
        var atMs = at.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (!_units.TryGetValue(unitId, out var entry) || entry.Version < 0 || atMs <= entry.PositionAtMs)
            {
                return;
            }
            entry.Latitude = latitude;
            entry.Longitude = longitude;
            entry.PositionAtMs = atMs;
            var cell = CellOf(latitude, longitude);
            if (cell != entry.Cell)
            {
                RemoveFromCell(entry, entry.Kind);
                AddToCell(entry, cell);
            }
        }
    }

    /// <summary>A status this replica itself just stored (a claim or a release) at <paramref name="version"/>.</summary>
    public void SetStatus(string unitId, UnitStatus status, long version)
    {
        lock (_lock)
        {
            if (_units.TryGetValue(unitId, out var entry) && version > entry.Version)
            {
                entry.Status = status;
                entry.Version = version;
            }
        }
    }

    public UnitCandidate? Find(string unitId)
    {
        lock (_lock)
        {
            return _units.TryGetValue(unitId, out var entry) && entry.Version >= 0 ? entry.Snapshot() : null;
        }
    }

    /// <summary>A claim on this unit failed: Redis knows better, and a newer state is on its way. Until then, skip it.</summary>
    public void MarkTaken(string unitId)
    {
        lock (_lock)
        {
            if (_units.TryGetValue(unitId, out var entry) && entry.Status == UnitStatus.Available)
            {
                entry.Status = UnitStatus.Unspecified;
            }
        }
    }

    public UnitSearchResult Search(UnitQuery query)
    {
        var required = CapabilityMask(query.Capabilities.Where(c => c != Capability.Language));
        var language = query.Capabilities.Contains(Capability.Language) && !string.IsNullOrWhiteSpace(query.Language) ? PrimaryTag(query.Language) : null;
        var ranked = new List<RankedUnit>();
        var rejected = new List<RejectedUnit>();
        var considered = 0;
        lock (_lock)
        {
            foreach (var kind in query.Kinds.Distinct())
            {
                if (_cells.TryGetValue(kind, out var cells) && cells.Count > 0)
                {
                    considered += Nearest(cells, query, required, language, ranked, rejected);
                }
            }
        }
        ranked.Sort((a, b) => a.EstimatedTravel != b.EstimatedTravel
            ? a.EstimatedTravel.CompareTo(b.EstimatedTravel)
            : string.CompareOrdinal(a.Unit.UnitId, b.Unit.UnitId));
        if (ranked.Count > query.Count)
        {
            ranked.RemoveRange(query.Count, ranked.Count - query.Count);
        }
        rejected.Sort((a, b) => a.DistanceMeters.CompareTo(b.DistanceMeters));
        if (rejected.Count > MaxRejectedReported)
        {
            rejected.RemoveRange(MaxRejectedReported, rejected.Count - MaxRejectedReported);
        }
        return new UnitSearchResult(ranked, rejected, considered);
    }

    /// <summary>The query's count of nearest eligible units of one kind (nearest = fastest within a kind).</summary>
    private int Nearest(Dictionary<long, List<Entry>> cells, UnitQuery query, ulong required, string? language, List<RankedUnit> ranked, List<RejectedUnit> rejected)
    {
        var at = query.At;
        var centerLat = (int)Math.Floor(at.Latitude / CellDegrees);
        var centerLon = (int)Math.Floor(at.Longitude / CellDegrees);
        var best = new PriorityQueue<(Entry Entry, double Distance), double>(); // max-heap by distance (negated priority)
        var rejectedHere = new List<RejectedUnit>();
        var considered = 0;
        var maxRing = (int)Math.Min(4_000, Math.Ceiling(maxRadiusMeters / MinCellSideMeters(at.Latitude, 0)) + 1);
        for (var ring = 0; ring <= maxRing; ring++)
        {
            if (ring > 0)
            {
                // Nothing in this ring is nearer than (ring - 1) whole cells.
                var lowerBound = (ring - 1) * MinCellSideMeters(at.Latitude, ring);
                if (lowerBound > maxRadiusMeters || (best.Count >= query.Count && lowerBound >= MaxDistance(best)))
                {
                    break;
                }
            }
            for (var dy = -ring; dy <= ring; dy++)
            {
                var edgeRow = dy == -ring || dy == ring;
                for (var dx = -ring; dx <= ring; dx += edgeRow || ring == 0 ? 1 : 2 * ring)
                {
                    if (!cells.TryGetValue(CellKey(centerLat + dy, centerLon + dx), out var units))
                    {
                        continue;
                    }
                    foreach (var unit in units)
                    {
                        if (query.Exclude.Contains(unit.UnitId))
                        {
                            continue;
                        }
                        var distance = TravelTime.DistanceMeters(at.Latitude, at.Longitude, unit.Latitude, unit.Longitude);
                        if (distance > maxRadiusMeters)
                        {
                            continue;
                        }
                        considered++;
                        if (Ineligible(unit, query.Now, required, language) is { } reason)
                        {
                            if (rejectedHere.Count < MaxRejectedReported * 4)
                            {
                                rejectedHere.Add(new RejectedUnit(unit.Snapshot(), distance, reason));
                            }
                            continue;
                        }
                        if (best.Count < query.Count)
                        {
                            best.Enqueue((unit, distance), -distance);
                        }
                        else if (distance < MaxDistance(best))
                        {
                            best.EnqueueDequeue((unit, distance), -distance);
                        }
                    }
                }
            }
        }
        foreach (var (entry, distance) in best.UnorderedItems.Select(i => i.Element))
        {
            ranked.Add(new RankedUnit(entry.Snapshot(), distance, TravelTime.Estimate(distance, entry.Kind, roadFactor)));
        }
        rejected.AddRange(rejectedHere);
        return considered;
    }

    private static double MaxDistance(PriorityQueue<(Entry Entry, double Distance), double> best)
        => best.TryPeek(out var top, out _) ? top.Distance : double.MaxValue;

    private string? Ineligible(Entry unit, DateTimeOffset now, ulong required, string? language)
    {
        if (!unit.Connected)
        {
            return "no open terminal stream";
        }
        if (unit.Status != UnitStatus.Available)
        {
            return unit.Status == UnitStatus.Unspecified ? "just taken by another incident" : $"status {unit.Status}";
        }
        var age = now.ToUnixTimeMilliseconds() - unit.PositionAtMs;
        if (age > positionMaxAge.TotalMilliseconds)
        {
            return $"position {age / 1000} s old";
        }
        if ((unit.Capabilities & required) != required)
        {
            var missing = Enum.GetValues<Capability>().Where(c => c != Capability.Unspecified && (required & (1UL << ((int)c & 63))) != 0 && (unit.Capabilities & (1UL << ((int)c & 63))) == 0);
            return $"lacks {string.Join(", ", missing)}";
        }
        if (language is not null && !unit.Languages.Any(l => PrimaryTag(l) == language))
        {
            return $"does not speak {language}";
        }
        return null;
    }

    private static string PrimaryTag(string languageTag)
    {
        var dash = languageTag.IndexOfAny(['-', '_']);
        return (dash < 0 ? languageTag : languageTag[..dash]).Trim().ToLowerInvariant();
    }

    /// <summary>The shorter side of a cell in metres anywhere within <paramref name="ring"/> rings of the latitude (cells narrow towards the poles).</summary>
    private static double MinCellSideMeters(double latitude, int ring)
    {
        var poleward = Math.Min(89.9, Math.Abs(latitude) + (ring + 1) * CellDegrees);
        return CellDegrees * MetersPerDegree * Math.Max(0.001, Math.Cos(double.DegreesToRadians(poleward)));
    }

    private static long CellOf(double latitude, double longitude)
        => CellKey((int)Math.Floor(latitude / CellDegrees), (int)Math.Floor(longitude / CellDegrees));

    private static long CellKey(int latCell, int lonCell) => ((long)latCell << 32) | (uint)lonCell;

    private void AddToCell(Entry entry, long cell)
    {
        entry.Cell = cell;
        if (!_cells.TryGetValue(entry.Kind, out var cells))
        {
            _cells[entry.Kind] = cells = [];
        }
        if (!cells.TryGetValue(cell, out var list))
        {
            cells[cell] = list = [];
        }
        list.Add(entry);
    }

    private void RemoveFromCell(Entry entry, UnitKind kind)
    {
        if (_cells.TryGetValue(kind, out var cells) && cells.TryGetValue(entry.Cell, out var list))
        {
            list.Remove(entry);
            if (list.Count == 0)
            {
                cells.Remove(entry.Cell);
            }
        }
    }
}
