using System.Buffers.Binary;
using System.Text;
using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>
/// What the spatial index keeps about an incident, besides where and when: enough of its series features, packed into
/// a few numbers, to bound from above the score any pair with it can reach (<see cref="SeriesScorer.UpperBound"/>)
/// without reading the incident. A series search returns ~300 candidates; only the few whose bound could clear the link
/// threshold or reach the stored near misses are then read and scored exactly. Labels are stable 32-bit hashes of the
/// normalised text (equal hashes may still be different labels: the bound assumes a match), property taken a 64-bit set
/// of item hashes (disjoint sets are certainly disjoint).
/// </summary>
public readonly record struct CandidateSketch(
    double Latitude,
    double Longitude,
    IncidentCategory Category,
    long OccurredAtUtcTicks,
    uint EntryMethod,
    uint TargetType,
    ulong PropertyTaken,
    uint Plate,
    bool HasSuspects,
    bool HasMarks,
    bool HasVehicle)
{
    private const byte Version = 1;
    private const int FixedLength = 48;

    public DateTimeOffset? OccurredAt => OccurredAtUtcTicks == 0 ? null : new DateTimeOffset(OccurredAtUtcTicks, TimeSpan.Zero);

    /// <summary>Where and when only (an incident outside series linkage, or one whose features are not known).</summary>
    public static CandidateSketch Located(GeoPoint location, IncidentCategory category, DateTimeOffset occurredAt)
        => new(location.Latitude, location.Longitude, category, occurredAt.UtcTicks, 0, 0, 0, 0, false, false, false);

    /// <summary>The sketch of a located series incident.</summary>
    public static CandidateSketch Of(SeriesFeatures features, GeoPoint location)
        => new(
            location.Latitude,
            location.Longitude,
            features.Category,
            features.OccurredAt?.UtcTicks ?? 0,
            Hash(features.EntryMethod),
            Hash(features.TargetType),
            PropertySet(features.PropertyTaken),
            Hash(features.Vehicle?.Plate ?? ""),
            features.Suspects.Count > 0,
            features.Suspects.Any(s => s.Marks.Count > 0),
            features.Vehicle is not null);

    /// <summary>Little-endian: version, latitude, longitude, category, occurred ticks, hashes, property set, flags, then the incident id (UTF-8).</summary>
    public byte[] Encode(string incidentId)
    {
        var id = Encoding.UTF8.GetBytes(incidentId);
        var bytes = new byte[FixedLength + id.Length];
        var span = bytes.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteDoubleLittleEndian(span[1..], Latitude);
        BinaryPrimitives.WriteDoubleLittleEndian(span[9..], Longitude);
        BinaryPrimitives.WriteInt16LittleEndian(span[17..], (short)Category);
        BinaryPrimitives.WriteInt64LittleEndian(span[19..], OccurredAtUtcTicks);
        BinaryPrimitives.WriteUInt32LittleEndian(span[27..], EntryMethod);
        BinaryPrimitives.WriteUInt32LittleEndian(span[31..], TargetType);
        BinaryPrimitives.WriteUInt64LittleEndian(span[35..], PropertyTaken);
        span[43] = (byte)((HasSuspects ? 1 : 0) | (HasMarks ? 2 : 0) | (HasVehicle ? 4 : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(span[44..], Plate);
        id.CopyTo(span[FixedLength..]);
        return bytes;
    }

    /// <summary>False for anything not written by <see cref="Encode"/> (another version, truncated).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out CandidateSketch sketch, out string incidentId)
    {
        if (bytes.Length <= FixedLength || bytes[0] != Version)
        {
            (sketch, incidentId) = (default, "");
            return false;
        }
        var flags = bytes[43];
        sketch = new CandidateSketch(
            BinaryPrimitives.ReadDoubleLittleEndian(bytes[1..]),
            BinaryPrimitives.ReadDoubleLittleEndian(bytes[9..]),
            (IncidentCategory)BinaryPrimitives.ReadInt16LittleEndian(bytes[17..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[19..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[27..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[31..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[35..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[44..]),
            (flags & 1) != 0,
            (flags & 2) != 0,
            (flags & 4) != 0);
        incidentId = Encoding.UTF8.GetString(bytes[FixedLength..]);
        return true;
    }

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
