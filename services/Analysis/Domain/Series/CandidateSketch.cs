using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>
/// What the spatial index keeps about an incident, besides where and when: enough of its series features, packed into
/// a few numbers, to bound from above the score any pair with it can reach (<see cref="SeriesScorer.UpperBound"/>)
/// without reading the incident. A series search returns ~300 candidates; only the few whose bound could clear the link
/// threshold or reach the stored near misses are then read and scored exactly. Labels are stable 32-bit hashes of the
/// normalised text (equal hashes may still be different labels: the bound assumes a match), property taken a 64-bit set
/// of item hashes (disjoint sets are certainly disjoint), the time of day in the scorer's time zone worked out once,
/// when indexed (a time-zone conversion per candidate pair was a tenth of the scoring).
/// </summary>
public readonly record struct CandidateSketch(
    double Latitude,
    double Longitude,
    IncidentCategory Category,
    long OccurredAtUtcTicks,
    double LocalHours,
    uint EntryMethod,
    uint TargetType,
    ulong PropertyTaken,
    uint Plate,
    bool HasSuspects,
    bool HasMarks,
    bool HasVehicle)
{
    public DateTimeOffset? OccurredAt => OccurredAtUtcTicks == 0 ? null : new DateTimeOffset(OccurredAtUtcTicks, TimeSpan.Zero);

    /// <summary>Where and when only (an incident outside series linkage, or one whose features are not known).</summary>
    public static CandidateSketch Located(GeoPoint location, IncidentCategory category, DateTimeOffset occurredAt)
        => new(location.Latitude, location.Longitude, category, occurredAt.UtcTicks, 0, 0, 0, 0, 0, false, false, false);

    /// <summary>The sketch of a located series incident, its time of day in <paramref name="timeZone"/> (the scorer's).</summary>
    public static CandidateSketch Of(SeriesFeatures features, GeoPoint location, TimeZoneInfo timeZone)
        => new(
            location.Latitude,
            location.Longitude,
            features.Category,
            features.OccurredAt?.UtcTicks ?? 0,
            features.OccurredAt is { } occurredAt ? SeriesSignals.LocalHours(occurredAt, timeZone) : 0,
            Hash(features.EntryMethod),
            Hash(features.TargetType),
            PropertySet(features.PropertyTaken),
            Hash(features.Vehicle?.Plate ?? ""),
            features.Suspects.Count > 0,
            features.Suspects.Any(s => s.Marks.Count > 0),
            features.Vehicle is not null);

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes (string.GetHashCode is not); 0 means no label.</summary>
    public static uint Hash(string label)
    {
        if (label.Length == 0)
        {
            return 0;
        }
        var hash = 2166136261u;
        foreach (var c in label)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash == 0 ? 1 : hash;
    }

    private static ulong PropertySet(IReadOnlySet<string> items)
    {
        ulong set = 0;
        foreach (var item in items)
        {
            set |= 1UL << (int)(Hash(item) & 63);
        }
        return set;
    }
}
