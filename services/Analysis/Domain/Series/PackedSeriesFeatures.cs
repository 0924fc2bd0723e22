using System.Buffers.Binary;
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
        // Every property crime indexed is packed: one writer per thread, reused; only the packed copy is allocated.
        var (buffer, writer) = t_writer ??= NewWriter();
        buffer.SetLength(0);
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
        writer.Flush();
        return buffer.ToArray();
    }

    [ThreadStatic]
    private static (MemoryStream Buffer, BinaryWriter Writer)? t_writer;

    private static (MemoryStream, BinaryWriter) NewWriter()
    {
        var buffer = new MemoryStream(512);
        return (buffer, new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true));
    }

    /// <exception cref="InvalidDataException">Not an array <see cref="Pack"/> made.</exception>
    public static SeriesFeatures Unpack(string incidentId, byte[] packed)
    {
        if (packed.Length == 0 || packed[0] != Format)
        {
            throw new InvalidDataException($"packed series features of {incidentId} in an unknown format ({packed.Length} bytes)");
        }
        try
        {
            return Read(incidentId, new Reader(packed.AsSpan(1)));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"packed series features of {incidentId} end early ({packed.Length} bytes)", e);
        }
    }

    private static SeriesFeatures Read(string incidentId, Reader reader)
    {
        var category = (IncidentCategory)reader.Int32();
        var location = reader.Boolean()
            ? new GeoPoint { Latitude = reader.Double(), Longitude = reader.Double(), AccuracyM = reader.Double() }
            : null;
        DateTimeOffset? occurredAt = reader.Boolean() ? new DateTimeOffset(reader.Int64(), TimeSpan.FromTicks(reader.Int64())) : null;
        var district = reader.String();
        var entryMethod = reader.String();
        var targetType = reader.String();
        var propertyTaken = reader.Set();
        var vehicle = reader.Boolean()
            ? new VehicleDescription(reader.String(), reader.String(), reader.String(), reader.String(), reader.String())
            : null;
        var suspects = new SuspectDescription[reader.Count()];
        for (var i = 0; i < suspects.Length; i++)
        {
            suspects[i] = new SuspectDescription
            {
                Sex = reader.String(),
                AgeMin = reader.Count(),
                AgeMax = reader.Count(),
                HeightCm = reader.Count(),
                Build = reader.String(),
                Clothing = reader.Set(),
                Marks = reader.Set(),
                MarksText = reader.String(),
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

    /// <summary>Reads what <see cref="BinaryWriter"/> wrote (little-endian numbers, strings as a 7-bit length and UTF-8) straight from the array.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> _rest = bytes;

        public bool Boolean() => Take(1)[0] != 0;

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public string String()
        {
            var length = Count();
            return length == 0 ? "" : Encoding.UTF8.GetString(Take(length));
        }

        /// <summary>Added in the packed order, so the set enumerates as the original did.</summary>
        public HashSet<string> Set()
        {
            var count = Count();
            var set = new HashSet<string>(count);
            for (var i = 0; i < count; i++)
            {
                set.Add(String());
            }
            return set;
        }

        /// <summary>A 7-bit encoded non-negative number, as <see cref="BinaryWriter.Write7BitEncodedInt"/> writes it.</summary>
        public int Count()
        {
            var value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var next = Take(1)[0];
                value |= (next & 0x7F) << shift;
                if (next < 0x80)
                {
                    return value;
                }
            }
            throw new InvalidDataException("a packed number is longer than five bytes");
        }

        private ReadOnlySpan<byte> Take(int length)
        {
            var taken = _rest[..length];
            _rest = _rest[length..];
            return taken;
        }
    }

    private static void WriteSet(BinaryWriter writer, IReadOnlySet<string> set)
    {
        writer.Write7BitEncodedInt(set.Count);
        foreach (var item in set)
        {
            writer.Write(item);
        }
    }
}
