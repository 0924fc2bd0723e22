using Analysis.Domain.Series;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>
/// When and where an index entry is, and what picking candidates compares (category, and the id's hash in this
/// process): what a search scans, side by side and free of references.
/// </summary>
public readonly record struct IndexSlot(long IndexedTicks, double Latitude, double Longitude, IncidentCategory Category, int IdHash)
{
    public static IndexSlot Of(string incidentId, in CandidateSketch sketch, long indexedTicks)
        => new(indexedTicks, sketch.Latitude, sketch.Longitude, sketch.Category, incidentId.GetHashCode());
}

/// <summary>
/// Index entries side by side (one grid cell's, in the spatial index): their slots, sketches, ids, expiries in the index
/// and ends of storage in parallel arrays, so a search scans contiguous memory and bounds candidates without a pointer
/// chase per entry. The first <see cref="SortedCount"/> are in indexed-time order; the rest, a short tail, in the order
/// they were added (an incident that happened before the cell's latest is appended there instead of copying the cell's
/// arrays to insert it). Immutable once published: the spatial index publishes a new instance for every change, reusing
/// the arrays only to append past <see cref="Count"/>, where no published instance reads.
/// </summary>
public sealed class IndexEntries(IndexSlot[] slots, CandidateSketch[] sketches, string[] ids, long[] expiresTicks, long[] storedUntilTicks, int count, int sortedCount)
{
    public static readonly IndexEntries Empty = new([], [], [], [], [], 0, 0);

    public int Count { get; } = count;

    /// <summary>How many entries, from the first, are in indexed-time order.</summary>
    public int SortedCount { get; } = sortedCount;

    public IndexSlot[] Slots { get; } = slots;

    public CandidateSketch[] Sketches { get; } = sketches;

    public string[] Ids { get; } = ids;

    /// <summary>Until when the index keeps each entry (its searchable window outlasts the stored incident).</summary>
    public long[] ExpiresTicks { get; } = expiresTicks;

    /// <summary>Until when each incident is stored (its retention): links written to it expire with it.</summary>
    public long[] StoredUntilTicks { get; } = storedUntilTicks;
}

/// <summary>
/// An incident the spatial index found near a point, at <paramref name="DistanceMeters"/> (great circle): a small struct
/// pointing into the index's entries (a search returns hundreds; copying or allocating each was a fifth of its cost).
/// </summary>
public readonly record struct NearbyIncident(IndexEntries Entries, int Index, double DistanceMeters)
{
    public string IncidentId => Entries.Ids[Index];

    public IncidentCategory Category => Entries.Slots[Index].Category;

    /// <summary>When it occurred (when received, for a report without the time).</summary>
    public DateTimeOffset OccurredAt => new(Entries.Slots[Index].IndexedTicks, TimeSpan.Zero);

    /// <summary>Until when it is stored: links written to it expire then.</summary>
    public DateTimeOffset StoredUntil => new(Entries.StoredUntilTicks[Index], TimeSpan.Zero);

    /// <summary>What the index holds about it, for bounding a series pair's score without reading it.</summary>
    public ref readonly CandidateSketch Sketch => ref Entries.Sketches[Index];
}

/// <summary>Which of the nearest incidents a search hands back (<see cref="Infrastructure.SpatialIndex"/>), judged from their sketches.</summary>
public interface INearbySelector
{
    /// <summary>Whether <see cref="MayKeep"/> reads the sketch; a search touches the sketches first when it does.</summary>
    bool JudgesSketches { get; }

    /// <summary>Whether the incident could be kept at some distance: asked first, as it needs no distance (most are not).</summary>
    bool MayKeep(in CandidateSketch sketch);

    /// <summary>Whether it is kept at this great-circle distance; asked only when <see cref="MayKeep"/> said it could be.</summary>
    bool Keeps(in CandidateSketch sketch, double distanceMeters);
}

/// <summary>Every incident found.</summary>
public readonly struct EveryEntry : INearbySelector
{
    public bool JudgesSketches => false;

    public bool MayKeep(in CandidateSketch sketch) => true;

    public bool Keeps(in CandidateSketch sketch, double distanceMeters) => true;
}

/// <summary>What a selecting search found.</summary>
/// <param name="Kept">The incidents the selector kept, nearest first (ties by id).</param>
/// <param name="Within">Those within the distance asked for, nearest first (ties by id).</param>
/// <param name="Count">How many incidents the search found, kept or not (at most its limit).</param>
/// <param name="ReachesBeyond">Whether any of them lies beyond the distance asked for.</param>
public sealed record NearbySelection(ArraySegment<NearbyIncident> Kept, ArraySegment<NearbyIncident> Within, int Count, bool ReachesBeyond);
