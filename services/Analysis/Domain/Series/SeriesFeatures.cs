using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>
/// What one incident offers for serial-crime linkage, normalised once so that scoring many candidate
/// pairs compares plain values: free text lower-cased with separators unified ("Door Pull" = "door-pull"),
/// plates without spaces or dashes, descriptions as word sets. Every field is optional: a missing field
/// is no evidence either way, never a mismatch.
/// </summary>
public sealed record SeriesFeatures
{
    public required string IncidentId { get; init; }
    public IncidentCategory Category { get; init; }
    public GeoPoint? Location { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public string District { get; init; } = "";
    public string EntryMethod { get; init; } = "";
    public string TargetType { get; init; } = "";
    public IReadOnlySet<string> PropertyTaken { get; init; } = new HashSet<string>();
    public VehicleDescription? Vehicle { get; init; }
    public IReadOnlyList<SuspectDescription> Suspects { get; init; } = [];

    /// <summary>Property crime that serial offenders commit: the categories series linkage considers.</summary>
    public static bool IsSeriesCategory(IncidentCategory category)
        => category is IncidentCategory.Theft or IncidentCategory.Burglary or IncidentCategory.Robbery;

    public static SeriesFeatures From(Incident incident)
    {
        var report = incident.Report ?? new Report();
        var mo = report.ModusOperandi;
        return new SeriesFeatures
        {
            IncidentId = incident.IncidentId,
            Category = report.Category,
            Location = Geo.IsUsable(report.Location) ? report.Location : null,
            OccurredAt = report.OccurredAt?.ToDateTimeOffset(),
            District = report.District?.Trim() ?? "",
            EntryMethod = Normalise(mo?.EntryMethod),
            TargetType = Normalise(mo?.TargetType),
            PropertyTaken = (mo?.PropertyTaken ?? []).Select(Normalise).Where(p => p.Length > 0).ToHashSet(),
            Vehicle = VehicleDescription.From(mo?.Vehicle, report.Identifiers),
            Suspects = [.. report.Parties.Where(p => p.Role == PartyRole.Suspect).Select(SuspectDescription.From).Where(s => s.AttributeCount > 0)],
        };
    }

    /// <summary>Lower case, trimmed, spaces and underscores as dashes: "Door Pull" and "door_pull" become "door-pull".</summary>
    public static string Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var words = text.Trim().ToLowerInvariant().Split([' ', '_', '-', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return string.Join('-', words);
    }

    /// <summary>The words of a free-text description, without filler words, for set similarity.</summary>
    public static IReadOnlySet<string> Words(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new HashSet<string>();
        }

        return text.ToLowerInvariant()
            .Split([' ', ',', ';', '.', '/', '-', '_', '(', ')', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 1 && !FillerWords.Contains(w))
            .ToHashSet();
    }

    private static readonly HashSet<string> FillerWords = ["a", "an", "the", "and", "with", "on", "in", "of", "wearing", "has", "had", "his", "her"];
}

/// <summary>A vehicle seen at an offence: the plate (from the modus operandi or a plate identifier) and its looks.</summary>
public sealed record VehicleDescription(string Plate, string Kind, string Make, string Model, string Color)
{
    public static VehicleDescription? From(Vehicle? vehicle, IEnumerable<Identifier> identifiers)
    {
        var plate = NormalisePlate(vehicle?.Plate);
        if (plate.Length == 0)
        {
            plate = identifiers.Where(i => i.Type == IdentifierType.VehiclePlate)
                .Select(i => NormalisePlate(i.Value)).FirstOrDefault(p => p.Length > 0) ?? "";
        }

        var description = new VehicleDescription(
            plate,
            SeriesFeatures.Normalise(vehicle?.Kind),
            SeriesFeatures.Normalise(vehicle?.Make),
            SeriesFeatures.Normalise(vehicle?.Model),
            SeriesFeatures.Normalise(vehicle?.Color));
        return description is { Plate: "", Kind: "", Make: "", Model: "", Color: "" } ? null : description;
    }

    /// <summary>Upper case letters and digits only: "粤B 12-345" and "粤b12345" are the same plate.</summary>
    public static string NormalisePlate(string? plate)
        => string.IsNullOrWhiteSpace(plate) ? "" : string.Concat(plate.Where(char.IsLetterOrDigit)).ToUpperInvariant();

    public string Summary => string.Join(' ', new[] { Color, Make, Model, Kind }.Where(s => s.Length > 0));
}

/// <summary>One suspect as a reporter described them.</summary>
public sealed record SuspectDescription
{
    public string Sex { get; init; } = "";           // "m", "f" or "" when not said
    public int AgeMin { get; init; }                 // 0 = not said
    public int AgeMax { get; init; }
    public int HeightCm { get; init; }               // 0 = not said
    public string Build { get; init; } = "";
    public IReadOnlySet<string> Clothing { get; init; } = new HashSet<string>();
    public IReadOnlySet<string> Marks { get; init; } = new HashSet<string>();
    public string MarksText { get; init; } = "";

    public int AttributeCount
        => (Sex.Length > 0 ? 1 : 0) + (AgeMin > 0 || AgeMax > 0 ? 1 : 0) + (HeightCm > 0 ? 1 : 0)
           + (Build.Length > 0 ? 1 : 0) + (Clothing.Count > 0 ? 1 : 0) + (Marks.Count > 0 ? 1 : 0);

    public static SuspectDescription From(Party party)
    {
        var (ageMin, ageMax) = (party.AgeMin, party.AgeMax) switch
        {
            ( > 0, > 0) when party.AgeMax < party.AgeMin => (party.AgeMax, party.AgeMin),
            ( > 0, <= 0) => (party.AgeMin, party.AgeMin),
            ( <= 0, > 0) => (party.AgeMax, party.AgeMax),
            ( > 0, > 0) => (party.AgeMin, party.AgeMax),
            _ => (0, 0),
        };
        return new SuspectDescription
        {
            Sex = NormaliseSex(party.Sex),
            AgeMin = ageMin,
            AgeMax = ageMax,
            HeightCm = party.HeightCm is >= 80 and <= 250 ? party.HeightCm : 0,
            Build = SeriesFeatures.Normalise(party.Build),
            Clothing = SeriesFeatures.Words(party.Clothing),
            Marks = SeriesFeatures.Words(party.DistinguishingMarks),
            MarksText = party.DistinguishingMarks?.Trim() ?? "",
        };
    }

    private static string NormaliseSex(string? sex) => SeriesFeatures.Normalise(sex) switch
    {
        "m" or "male" or "man" or "男" => "m",
        "f" or "female" or "woman" or "女" => "f",
        _ => "",
    };
}
