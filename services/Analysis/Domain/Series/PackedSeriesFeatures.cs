using System.Text;
using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>
/// An incident's <see cref="SeriesFeatures"/> in one byte array, as the spatial index keeps them for every indexed
/// property crime. As objects they took about 730 bytes in twenty-odd objects (strings, sets, suspects) per property
/// crime, two fifths of the index, and every one of them survives: each young-generation collection copied them, and
/// its pauses grew with them. Packed they are one array of a couple of hundred bytes, unpacked only for the candidates
/// scored exactly (about one in 300). Unpacking gives the same values, sets in the same order.
/// </summary>
public static class PackedSeriesFeatures
{
    /// <summary>The layout's version, first byte of every packed array.</summary>
    private const byte Format = 1;

    public static byte[] Pack(SeriesFeatures features)
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Format);
            writer.Write((int)features.Category);
            writer.Write(features.Location is not null);
            if (features.Location is { } location)
            {
                writer.Write(location.Latitude);
                writer.Write(location.Longitude);
                writer.Write(location.AccuracyM);
            }
            writer.Write(features.OccurredAt.HasValue);
            if (features.OccurredAt is { } occurredAt)
            {
                writer.Write(occurredAt.Ticks);
                writer.Write(occurredAt.Offset.Ticks);
            }
            writer.Write(features.District);
            writer.Write(features.EntryMethod);
            writer.Write(features.TargetType);
            WriteSet(writer, features.PropertyTaken);
            writer.Write(features.Vehicle is not null);
            if (features.Vehicle is { } vehicle)
            {
                writer.Write(vehicle.Plate);
                writer.Write(vehicle.Kind);
                writer.Write(vehicle.Make);
                writer.Write(vehicle.Model);
                writer.Write(vehicle.Color);
            }
            writer.Write7BitEncodedInt(features.Suspects.Count);
            foreach (var suspect in features.Suspects)
            {
                writer.Write(suspect.Sex);
                writer.Write7BitEncodedInt(suspect.AgeMin);
                writer.Write7BitEncodedInt(suspect.AgeMax);
                writer.Write7BitEncodedInt(suspect.HeightCm);
                writer.Write(suspect.Build);
                WriteSet(writer, suspect.Clothing);
                WriteSet(writer, suspect.Marks);
                writer.Write(suspect.MarksText);
            }
        }
        return buffer.ToArray();
    }

    /// <exception cref="InvalidDataException">Not an array <see cref="Pack"/> made.</exception>
    public static SeriesFeatures Unpack(string incidentId, byte[] packed)
    {
        using var reader = new BinaryReader(new MemoryStream(packed, writable: false), Encoding.UTF8);
        if (packed.Length == 0 || reader.ReadByte() != Format)
        {
            throw new InvalidDataException($"packed series features of {incidentId} in an unknown format ({packed.Length} bytes)");
        }
        var category = (IncidentCategory)reader.ReadInt32();
        var location = reader.ReadBoolean()
            ? new GeoPoint { Latitude = reader.ReadDouble(), Longitude = reader.ReadDouble(), AccuracyM = reader.ReadDouble() }
            : null;
        DateTimeOffset? occurredAt = reader.ReadBoolean() ? new DateTimeOffset(reader.ReadInt64(), TimeSpan.FromTicks(reader.ReadInt64())) : null;
        var district = reader.ReadString();
        var entryMethod = reader.ReadString();
        var targetType = reader.ReadString();
        var propertyTaken = ReadSet(reader);
        var vehicle = reader.ReadBoolean()
            ? new VehicleDescription(reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadString())
            : null;
        var suspects = new SuspectDescription[reader.Read7BitEncodedInt()];
        for (var i = 0; i < suspects.Length; i++)
        {
            suspects[i] = new SuspectDescription
            {
                Sex = reader.ReadString(),
                AgeMin = reader.Read7BitEncodedInt(),
                AgeMax = reader.Read7BitEncodedInt(),
                HeightCm = reader.Read7BitEncodedInt(),
                Build = reader.ReadString(),
                Clothing = ReadSet(reader),
                Marks = ReadSet(reader),
                MarksText = reader.ReadString(),
            };
        }
        return new SeriesFeatures
        {
            IncidentId = incidentId,
            Category = category,
            Location = location,
            OccurredAt = occurredAt,
            District = district,
            EntryMethod = entryMethod,
            TargetType = targetType,
            PropertyTaken = propertyTaken,
            Vehicle = vehicle,
            Suspects = suspects,
        };
    }

    private static void WriteSet(BinaryWriter writer, IReadOnlySet<string> set)
    {
        writer.Write7BitEncodedInt(set.Count);
        foreach (var item in set)
        {
            writer.Write(item);
        }
    }

    /// <summary>Added in the packed order, so the set enumerates as the original did.</summary>
    private static HashSet<string> ReadSet(BinaryReader reader)
    {
        var count = reader.Read7BitEncodedInt();
        var set = new HashSet<string>(count);
        for (var i = 0; i < count; i++)
        {
            set.Add(reader.ReadString());
        }
        return set;
    }
}
