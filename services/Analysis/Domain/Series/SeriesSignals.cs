using System.Globalization;
using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>One linkage feature of a pair: its signal and what it says in plain words.</summary>
/// <param name="Signal">+1 = clearly the same, -1 = clearly different, 0 = no evidence (a side did not say).</param>
public sealed record FeatureSignal(SeriesFeature Feature, double Signal, string Phrase)
{
    public static FeatureSignal Unknown(SeriesFeature feature) => new(feature, 0, "");
}

/// <summary>The behavioural features the crime-linkage literature compares, each a term of the logistic model.</summary>
public enum SeriesFeature
{
    EntryMethod,
    TargetType,
    PropertyTaken,
    TimeOfDay,
    Suspect,
    DistinguishingMarks,
    Plate,
    VehicleLooks,
    Category,
}

/// <summary>
/// How two incidents compare on every linkage feature: how far and how long apart they are, and a signal in
/// [-1, 1] per behavioural feature. Pure and symmetric; the weights live in <see cref="SeriesScorer"/>.
/// </summary>
public sealed record SeriesSignals
{
    public double? DistanceKm { get; init; }
    public double? HoursApart { get; init; }
    public required IReadOnlyList<FeatureSignal> Features { get; init; }
    public string DistrictA { get; init; } = "";
    public string DistrictB { get; init; } = "";

    public FeatureSignal this[SeriesFeature feature] => Features.First(f => f.Feature == feature);

    /// <param name="describe">False: signals only, no phrases (the scoring pass over every candidate; phrases are built
    /// again only for the pairs whose evidence is read).</param>
    public static SeriesSignals Compare(SeriesFeatures a, SeriesFeatures b, TimeZoneInfo timeZone, bool describe = true)
    {
        double? distanceKm = a.Location is not null && b.Location is not null ? Geo.DistanceM(a.Location, b.Location) / 1000 : null;
        double? hoursApart = a.OccurredAt is { } ta && b.OccurredAt is { } tb ? Math.Abs((ta - tb).TotalHours) : null;
        return new SeriesSignals
        {
            DistanceKm = distanceKm,
            HoursApart = hoursApart,
            DistrictA = a.District,
            DistrictB = b.District,
            Features =
            [
                SameLabel(SeriesFeature.EntryMethod, "entry method", a.EntryMethod, b.EntryMethod, describe),
                SameLabel(SeriesFeature.TargetType, "target type", a.TargetType, b.TargetType, describe),
                PropertyTaken(a.PropertyTaken, b.PropertyTaken, describe),
                TimeOfDay(a.OccurredAt, b.OccurredAt, timeZone, describe),
                Suspects(a.Suspects, b.Suspects, describe),
                Marks(a.Suspects, b.Suspects, describe),
                Plate(a.Vehicle, b.Vehicle, describe),
                VehicleLooks(a.Vehicle, b.Vehicle, describe),
                Category(a.Category, b.Category, describe),
            ],
        };
    }

    private static FeatureSignal SameLabel(SeriesFeature feature, string name, string a, string b, bool describe)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return FeatureSignal.Unknown(feature);
        }

        return a == b
            ? new FeatureSignal(feature, 1, describe ? $"same {name} '{a}'" : "")
            : new FeatureSignal(feature, -1, describe ? $"different {name} ('{a}' vs '{b}')" : "");
    }

    /// <summary>
    /// Jaccard overlap of the items taken. No overlap is only mild evidence against: one crew takes phones
    /// from a phone shop and cash from a convenience store.
    /// </summary>
    private static FeatureSignal PropertyTaken(IReadOnlySet<string> a, IReadOnlySet<string> b, bool describe)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return FeatureSignal.Unknown(SeriesFeature.PropertyTaken);
        }

        var sharedCount = a.Count(b.Contains);
        if (sharedCount == 0)
        {
            return new FeatureSignal(SeriesFeature.PropertyTaken, -0.5, describe ? "nothing taken in common" : "");
        }

        var jaccard = (double)sharedCount / (a.Count + b.Count - sharedCount);
        return new FeatureSignal(SeriesFeature.PropertyTaken, jaccard, describe ? $"both took {string.Join(", ", a.Where(b.Contains).Order(StringComparer.Ordinal))}" : "");
    }

    /// <summary>Hour-of-day difference on the 24 h circle: +1 within minutes, 0 at 3 h, -1 from 6 h apart.</summary>
    private static FeatureSignal TimeOfDay(DateTimeOffset? a, DateTimeOffset? b, TimeZoneInfo timeZone, bool describe)
    {
        if (a is not { } ta || b is not { } tb)
        {
            return FeatureSignal.Unknown(SeriesFeature.TimeOfDay);
        }

        var localA = TimeZoneInfo.ConvertTime(ta, timeZone);
        var localB = TimeZoneInfo.ConvertTime(tb, timeZone);
        var signal = TimeOfDaySignal(LocalHours(localA), LocalHours(localB));
        if (!describe)
        {
            return new FeatureSignal(SeriesFeature.TimeOfDay, signal, "");
        }

        var times = $"{localA:HH:mm} and {localB:HH:mm}";
        var phrase = signal switch
        {
            >= 0.34 => $"similar time of day ({times})",
            <= -0.34 => $"different time of day ({times})",
            _ => $"a few hours apart in the day ({times})",
        };
        return new FeatureSignal(SeriesFeature.TimeOfDay, signal, phrase);
    }

    /// <summary>Hours since local midnight in <paramref name="timeZone"/>: what the time-of-day signal compares.</summary>
    internal static double LocalHours(DateTimeOffset at, TimeZoneInfo timeZone) => LocalHours(TimeZoneInfo.ConvertTime(at, timeZone));

    private static double LocalHours(DateTimeOffset local) => local.TimeOfDay.TotalHours;

    /// <summary>+1 at the same local hour, 0 at 3 h apart, -1 from 6 h, on the 24 h circle.</summary>
    internal static double TimeOfDaySignal(double localHoursA, double localHoursB)
    {
        var difference = Math.Abs(localHoursA - localHoursB);
        difference = Math.Min(difference, 24 - difference);
        return Math.Clamp(1 - difference / 3, -1, 1);
    }

    /// <summary>
    /// Suspect descriptions: each suspect on the smaller side matched to the most similar on the other;
    /// the signal is the mean match (0..1) mapped to -1..1 and scaled down when few attributes were comparable.
    /// </summary>
    private static FeatureSignal Suspects(IReadOnlyList<SuspectDescription> a, IReadOnlyList<SuspectDescription> b, bool describe)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return FeatureSignal.Unknown(SeriesFeature.Suspect);
        }

        var (fewer, more) = a.Count <= b.Count ? (a, b) : (b, a);
        double similaritySum = 0;
        double confidenceSum = 0;
        SuspectDescription? bestShown = null;
        var bestShownSimilarity = -1.0;
        foreach (var suspect in fewer)
        {
            var best = more.Select(other => (Other: other, Match: SuspectMatch.Of(suspect, other)))
                .MaxBy(m => m.Match.Similarity * m.Match.Confidence);
            similaritySum += best.Match.Similarity * best.Match.Confidence;
            confidenceSum += best.Match.Confidence;
            if (best.Match.Confidence > 0 && best.Match.Similarity > bestShownSimilarity)
            {
                (bestShown, bestShownSimilarity) = (suspect, best.Match.Similarity);
            }
        }

        if (confidenceSum == 0)
        {
            return FeatureSignal.Unknown(SeriesFeature.Suspect);
        }

        var similarity = similaritySum / confidenceSum;
        var confidence = confidenceSum / fewer.Count;
        var signal = (2 * similarity - 1) * confidence;
        var phrase = !describe ? ""
            : signal >= 0 ? $"similar suspect description ({Describe(bestShown!)})"
            : "suspect descriptions differ";
        return new FeatureSignal(SeriesFeature.Suspect, signal, phrase);
    }

    /// <summary>The same distinguishing mark is strong evidence; different or hidden marks prove little (sleeves, masks).</summary>
    private static FeatureSignal Marks(IReadOnlyList<SuspectDescription> a, IReadOnlyList<SuspectDescription> b, bool describe)
    {
        foreach (var x in a.Where(s => s.Marks.Count > 0))
        {
            foreach (var y in b.Where(s => s.Marks.Count > 0))
            {
                var overlap = (double)x.Marks.Intersect(y.Marks).Count() / x.Marks.Union(y.Marks).Count();
                if (overlap >= 0.5)
                {
                    return new FeatureSignal(SeriesFeature.DistinguishingMarks, 1, describe ? $"suspect with the same mark '{x.MarksText}'" : "");
                }
            }
        }

        return FeatureSignal.Unknown(SeriesFeature.DistinguishingMarks);
    }

    private static FeatureSignal Plate(VehicleDescription? a, VehicleDescription? b, bool describe)
    {
        if (a is not { Plate.Length: > 0 } || b is not { Plate.Length: > 0 })
        {
            return FeatureSignal.Unknown(SeriesFeature.Plate);
        }

        return a.Plate == b.Plate
            ? new FeatureSignal(SeriesFeature.Plate, 1, describe ? $"same vehicle plate '{a.Plate}'" : "")
            : new FeatureSignal(SeriesFeature.Plate, -1, describe ? $"different plates ('{a.Plate}' vs '{b.Plate}')" : "");
    }

    /// <summary>Kind, make, model and colour when the plates do not already settle it.</summary>
    private static FeatureSignal VehicleLooks(VehicleDescription? a, VehicleDescription? b, bool describe)
    {
        if (a is null || b is null || (a.Plate.Length > 0 && a.Plate == b.Plate))
        {
            return FeatureSignal.Unknown(SeriesFeature.VehicleLooks);
        }

        var pairs = new[] { (a.Kind, b.Kind), (a.Make, b.Make), (a.Model, b.Model), (a.Color, b.Color) }
            .Where(p => p.Item1.Length > 0 && p.Item2.Length > 0)
            .ToList();
        if (pairs.Count == 0)
        {
            return FeatureSignal.Unknown(SeriesFeature.VehicleLooks);
        }

        var agreeing = pairs.Count(p => p.Item1 == p.Item2);
        var signal = (2.0 * agreeing / pairs.Count - 1) * Math.Min(1, pairs.Count / 2.0);
        var phrase = !describe ? "" : signal >= 0 ? $"similar vehicle ({a.Summary})" : $"different vehicles ({a.Summary} vs {b.Summary})";
        return new FeatureSignal(SeriesFeature.VehicleLooks, signal, phrase);
    }

    private static FeatureSignal Category(IncidentCategory a, IncidentCategory b, bool describe)
        => a == b
            ? new FeatureSignal(SeriesFeature.Category, 1, describe ? $"both {CategoryName(a)}" : "")
            : new FeatureSignal(SeriesFeature.Category, -1, describe ? $"different offences ({CategoryName(a)} vs {CategoryName(b)})" : "");

    internal static string CategoryName(IncidentCategory category)
        => category.ToString().ToLowerInvariant().Replace('_', ' ');

    private static string Describe(SuspectDescription s)
    {
        var parts = new List<string>();
        if (s.Sex.Length > 0)
        {
            parts.Add(s.Sex == "m" ? "male" : "female");
        }

        if (s.AgeMin > 0)
        {
            parts.Add(s.AgeMin == s.AgeMax ? $"about {s.AgeMin}" : $"{s.AgeMin}-{s.AgeMax}");
        }

        if (s.HeightCm > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{s.HeightCm} cm"));
        }

        if (s.Build.Length > 0)
        {
            parts.Add(s.Build);
        }

        if (s.Clothing.Count > 0)
        {
            parts.Add(string.Join(' ', s.Clothing.Order(StringComparer.Ordinal)));
        }

        return string.Join(", ", parts);
    }
}

/// <summary>How alike two suspect descriptions are, over the attributes both reporters gave.</summary>
internal readonly record struct SuspectMatch(double Similarity, double Confidence)
{
    /// <summary>Three comparable attributes (e.g. sex, age, height) give full confidence.</summary>
    private const double FullConfidenceWeight = 3;

    public static SuspectMatch Of(SuspectDescription a, SuspectDescription b)
    {
        double weight = 0;
        double agreement = 0;

        void Add(double importance, double similarity)
        {
            weight += importance;
            agreement += importance * similarity;
        }

        if (a.Sex.Length > 0 && b.Sex.Length > 0)
        {
            Add(1, a.Sex == b.Sex ? 1 : 0);
        }

        if (a.AgeMin > 0 && b.AgeMin > 0)
        {
            // Age estimates are rough: ranges that overlap within 3 years agree; the gap beyond that counts against.
            var gap = Math.Max(a.AgeMin, b.AgeMin) - Math.Min(a.AgeMax, b.AgeMax);
            Add(1, gap <= 3 ? 1 : Math.Max(0, 1 - (gap - 3) / 7.0));
        }

        if (a.HeightCm > 0 && b.HeightCm > 0)
        {
            var difference = Math.Abs(a.HeightCm - b.HeightCm);
            Add(1, difference <= 5 ? 1 : Math.Max(0, 1 - (difference - 5) / 10.0));
        }

        if (a.Build.Length > 0 && b.Build.Length > 0)
        {
            Add(0.7, a.Build == b.Build ? 1 : 0);
        }

        if (a.Clothing.Count > 0 && b.Clothing.Count > 0)
        {
            // Clothes change between offences; overlap is weaker evidence than build or height.
            var jaccard = (double)a.Clothing.Intersect(b.Clothing).Count() / a.Clothing.Union(b.Clothing).Count();
            Add(0.7, Math.Min(1, jaccard * 1.5));
        }

        return weight == 0 ? new SuspectMatch(0, 0) : new SuspectMatch(agreement / weight, Math.Min(1, weight / FullConfidenceWeight));
    }
}
