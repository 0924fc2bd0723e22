using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using ServiceDefaults;

namespace AnalysisEval.Scenario;

/// <summary>
/// Generates a labelled month of a city's incidents from a seed: the same seed and setting give the same
/// incidents (relative to <c>start</c>). Planted structure: serial crews (some roaming across districts,
/// some pairs working the same method side by side), same-method decoys near them, fraud chains over mule
/// accounts, SIM gateways, phones and devices with common identifiers sprinkled over every fraud report,
/// escalating disputes, and watchlist sightings; all inside background crime and other incidents.
/// </summary>
public sealed partial class ScenarioGenerator
{
    private readonly ScenarioSettings _settings;
    private readonly int _seed;
    private readonly Random _random;
    private readonly DateTimeOffset _start;
    private readonly List<LabelledIncident> _incidents = [];
    private readonly List<(double East, double North)> _hotspots = [];
    private int _sequence;

    private ScenarioGenerator(ScenarioSettings settings, int seed, DateTimeOffset start)
    {
        _settings = settings;
        _seed = seed;
        _random = new Random(seed);
        // Local midnight of the first day.
        _start = new DateTimeOffset(start.ToOffset(City.UtcOffset).Date, City.UtcOffset);
        for (var i = 0; i < 24; i++)
        {
            _hotspots.Add((Uniform(1000, City.WidthM - 1000), Uniform(1000, City.HeightM - 1000)));
        }
    }

    public static LabelledScenario Generate(ScenarioSettings settings, int seed, DateTimeOffset start)
    {
        var generator = new ScenarioGenerator(settings, seed, start);
        var watchlist = generator.Build();
        var ordered = generator._incidents.OrderBy(i => i.Incident.ReceivedAt.ToDateTimeOffset()).ThenBy(i => i.Id, StringComparer.Ordinal).ToList();
        return new LabelledScenario(settings, seed, generator._start, ordered, watchlist);
    }

    private IReadOnlyList<Contracts.Analysis.V1.WatchlistEntry> Build()
    {
        PlantSeries();
        PlantBackgroundPropertyCrime();
        PlantFraud();
        PlantDisputes();
        var watchlist = PlantWatchlist();
        PlantOtherBackground();
        return watchlist;
    }

    private LabelledIncident Add(
        string source, IncidentCategory category, DateTimeOffset occurredAt, (double East, double North) position, double reportDelayHours,
        GroundTruth truth, Action<Report>? fill = null)
    {
        var externalId = $"{_settings.Name}-{_seed}-{++_sequence:D5}";
        var (east, north) = City.Clamp(position.East, position.North);
        var reportedAt = occurredAt.AddHours(Math.Max(0.05, reportDelayHours));
        var report = new Report
        {
            Source = source,
            ExternalId = externalId,
            OccurredAt = Timestamp.FromDateTimeOffset(occurredAt),
            ReportedAt = Timestamp.FromDateTimeOffset(reportedAt),
            Category = category,
            Location = City.ToGeo(east, north, Math.Max(10, _settings.PositionNoiseM)),
            Address = City.AddressNear(east, north, _random),
            District = City.DistrictAt(east, north),
        };
        fill?.Invoke(report);
        var incident = new Incident
        {
            IncidentId = DeterministicId.From(source, externalId),
            Report = report,
            Priority = PriorityOf(category),
            ReceivedAt = Timestamp.FromDateTimeOffset(reportedAt.AddSeconds(2)),
        };
        var labelled = new LabelledIncident(incident, truth);
        _incidents.Add(labelled);
        return labelled;
    }

    private static Priority PriorityOf(IncidentCategory category) => category switch
    {
        IncidentCategory.Robbery or IncidentCategory.Assault or IncidentCategory.Fire or IncidentCategory.Medical
            or IncidentCategory.SelfHarm or IncidentCategory.WantedPersonSighting => Priority.P1,
        IncidentCategory.Burglary or IncidentCategory.Fraud or IncidentCategory.Traffic or IncidentCategory.MissingPerson
            or IncidentCategory.Crowd => Priority.P2,
        IncidentCategory.Theft or IncidentCategory.Dispute or IncidentCategory.PublicOrder or IncidentCategory.Hazard => Priority.P3,
        _ => Priority.P4,
    };

    // ---- randomness helpers ----

    private double Uniform(double min, double max) => min + _random.NextDouble() * (max - min);

    private bool Chance(double probability) => _random.NextDouble() < probability;

    private double Normal(double mean, double sd)
    {
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return mean + sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private T PickWeighted<T>(IReadOnlyList<(T Item, double Weight)> items)
    {
        var roll = _random.NextDouble() * items.Sum(i => i.Weight);
        foreach (var (item, weight) in items)
        {
            roll -= weight;
            if (roll <= 0)
            {
                return item;
            }
        }

        return items[^1].Item;
    }

    /// <summary>The field's value, or empty when this report leaves it out.</summary>
    private string Maybe(string value) => Chance(_settings.MissingField) ? "" : value;

    private (double East, double North) Jitter((double East, double North) position, double sdM)
        => (position.East + Normal(0, sdM), position.North + Normal(0, sdM));

    private (double East, double North) Step((double East, double North) from, double minM, double maxM, double? bearing = null)
    {
        var angle = bearing ?? Uniform(0, 2 * Math.PI);
        var distance = Uniform(minM, maxM);
        return (from.East + distance * Math.Sin(angle), from.North + distance * Math.Cos(angle));
    }

    private (double East, double North) RandomPlace(double hotspotShare, double hotspotSdM = 700)
        => Chance(hotspotShare)
            ? Jitter(Pick(_hotspots), hotspotSdM)
            : (Uniform(300, City.WidthM - 300), Uniform(300, City.HeightM - 300));

    /// <summary>Local time on scenario day <paramref name="day"/> at <paramref name="hour"/> (may roll into the next day).</summary>
    private DateTimeOffset At(int day, double hour) => _start.AddDays(day).AddHours(((hour % 24) + 24) % 24);

    private string PersonName() => Pick(Catalog.Surnames) + " " + Pick(Catalog.GivenNames);

    private string Digits(int count) => string.Concat(Enumerable.Range(0, count).Select(_ => (char)('0' + _random.Next(10))));

    private string IdNumber() => "4403" + Digits(2) + (1970 + _random.Next(35)) + $"{_random.Next(1, 13):D2}{_random.Next(1, 29):D2}" + Digits(4);

    private string MobileNumber(string prefix = "13") => "+86" + prefix + Digits(11 - prefix.Length);

    private string Plate()
    {
        const string letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        return "粤" + "BBBBBSE"[_random.Next(7)] + string.Concat(Enumerable.Range(0, 5).Select(i =>
            i < 2 && Chance(0.4) ? letters[_random.Next(letters.Length)] : (char)('0' + _random.Next(10))));
    }

    /// <summary>Another officer's spelling: "door-pull", "Door Pull", "door_pull" all occur in real free text.</summary>
    private string Spelling(string label) => _random.Next(6) switch
    {
        0 => label.Replace('-', ' '),
        1 => label.Replace('-', '_'),
        2 => System.Globalization.CultureInfo.InvariantCulture.TextInfo.ToTitleCase(label.Replace('-', ' ')),
        _ => label,
    };
}
