using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;

namespace Analysis.UnitTests.Series;

/// <summary>Incidents for series tests: a night door-pull burglary on a phone shop in Shenzhen, varied per test.</summary>
internal static class SeriesTestData
{
    public static readonly DateTimeOffset Night = new(2026, 3, 2, 2, 10, 0, TimeSpan.Zero);

    public static Incident Burglary(
        string id,
        double latitude = 22.5431,
        double longitude = 114.0579,
        DateTimeOffset? at = null,
        string district = "Futian",
        string entry = "door-pull",
        string target = "phone-shop",
        string[]? taken = null,
        string plate = "",
        Party[]? suspects = null,
        IncidentCategory category = IncidentCategory.Burglary)
    {
        var report = new Report
        {
            Source = "test",
            ExternalId = id,
            Category = category,
            OccurredAt = Timestamp.FromDateTimeOffset(at ?? Night),
            Location = new GeoPoint { Latitude = latitude, Longitude = longitude },
            District = district,
            ModusOperandi = new ModusOperandi
            {
                EntryMethod = entry,
                TargetType = target,
                PropertyTaken = { taken ?? ["phones", "cash"] },
            },
        };
        if (plate.Length > 0)
        {
            report.ModusOperandi.Vehicle = new Vehicle { Plate = plate, Kind = "van", Color = "white" };
        }

        report.Parties.Add(suspects ?? [Suspect()]);
        return new Incident { IncidentId = id, Report = report, Priority = Priority.P3 };
    }

    public static Party Suspect(string sex = "male", int ageMin = 20, int ageMax = 30, int height = 175, string build = "slim",
        string clothing = "black hoodie", string marks = "")
        => new()
        {
            Role = PartyRole.Suspect, Sex = sex, AgeMin = ageMin, AgeMax = ageMax, HeightCm = height, Build = build,
            Clothing = clothing, DistinguishingMarks = marks,
        };

    /// <summary>A point <paramref name="km"/> east of the default position.</summary>
    public static double LongitudeEast(double km) => 114.0579 + km / (111.32 * Math.Cos(22.5431 * Math.PI / 180));
}
