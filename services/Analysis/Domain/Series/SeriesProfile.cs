using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>
/// A new incident against a whole series rather than one member: the crew's evidence is spread over its members
/// (one report saw the plate, another the suspects, a third what was taken), so each feature is compared with what
/// the series as a whole shows. Space and time: the closest of the members nearest in time (where the crew was then).
/// Entry method and category: the share of members agreeing. Target type: any member's target (crews alternate
/// between two kinds of shop). Property: the crew's favourite loot (items taken in at least half the members that
/// said). Time of day: the series' usual hour (circular mean). Suspects, marks, vehicle looks: the best-matching
/// member. Plate: any member's plate. Same weights as the pair model: the profile only fills in what a member lacks.
/// </summary>
public sealed class SeriesProfile
{
    /// <summary>How many members nearest in time the space-time term looks at (a night's offences are up to three).</summary>
    private const int NearestInTime = 3;

    private readonly SeriesScorer _scorer;

    public SeriesProfile(SeriesScorer scorer) => _scorer = scorer;

    public SeriesScorer Scorer => _scorer;

    /// <summary>Scores <paramref name="incident"/> against the series made of <paramref name="members"/> (at least one), with the series weights.</summary>
    public SeriesLinkScore Score(SeriesFeatures incident, IReadOnlyList<SeriesFeatures> members, LabelRarity rarity)
    {
        var terms = Terms(incident, members, rarity);
        var options = _scorer.Options;
        return SeriesScorer.Combine(terms, options.SeriesWeights, options.SeriesThreshold,
            $"closest member {ApartText(terms.Signals)}");
    }

    /// <summary>The terms of the series model (same columns as the pair model's): what calibration fits and what the score sums.</summary>
    public LinkTerms Terms(SeriesFeatures incident, IReadOnlyList<SeriesFeatures> members, LabelRarity rarity)
    {
        ArgumentOutOfRangeException.ThrowIfZero(members.Count);
        var options = _scorer.Options;
        var weights = options.Weights;
        var terms = members.Select(m => _scorer.Terms(incident, m, rarity)).ToList();

        // Space and time against the members nearest in time only: where the crew was around then. Against every member, a
        // series spread over a district would be close to everything there, and each decoy it took in would widen it further.
        double SpaceTime(LinkTerms t) => -weights.Distance * t.LogKm - weights.DaysApart * t.LogDays + weights.Spree * t.Spree;
        var closest = terms.OrderBy(t => t.Signals.HoursApart ?? double.MaxValue).Take(NearestInTime).MaxBy(SpaceTime)!;

        var features = new Dictionary<SeriesFeature, (FeatureSignal Signal, double Multiplier)>();
        void Add(SeriesFeature feature, double signal, string phrase, string label = "")
            => features[feature] = (new FeatureSignal(feature, signal, phrase) { Label = label },
                signal > 0 && label.Length > 0 ? rarity.Multiplier(feature, label) : 1);

        Share(SeriesFeature.EntryMethod, "entry method", incident.EntryMethod, members.Select(m => m.EntryMethod), Add);
        Any(SeriesFeature.TargetType, "target type", incident.TargetType, members.Select(m => m.TargetType), Add);
        Favourites(incident.PropertyTaken, members, Add);
        UsualHour(incident.OccurredAt, members, options.TimeZone, Add);
        Best(SeriesFeature.Suspect, terms, Add);
        Best(SeriesFeature.DistinguishingMarks, terms, Add);
        Plate(terms, Add);
        Best(SeriesFeature.VehicleLooks, terms, Add);
        Share(SeriesFeature.Category, "offence", incident.Category == IncidentCategory.Unspecified ? "" : SeriesSignals.CategoryName(incident.Category),
            members.Select(m => m.Category == IncidentCategory.Unspecified ? "" : SeriesSignals.CategoryName(m.Category)), Add);

        var ordered = Enum.GetValues<SeriesFeature>().Select(f => features.TryGetValue(f, out var v) ? v : (FeatureSignal.Unknown(f), 1.0)).ToList();
        return new LinkTerms(closest.LogKm, closest.LogDays, closest.Spree, [.. ordered.Select(o => o.Item1)], [.. ordered.Select(o => o.Item2)],
            closest.Signals with { Features = [.. ordered.Select(o => o.Item1)] });
    }

    private static string ApartText(SeriesSignals signals)
        => (signals.DistanceKm is { } km ? Geo.FormatDistance(km * 1000) : "at an unknown distance")
           + (signals.HoursApart is { } h ? $" and {SeriesScorer.FormatDuration(h)} away" : "");

    private delegate void Contribute(SeriesFeature feature, double signal, string phrase, string label = "");

    private static void Share(SeriesFeature feature, string name, string label, IEnumerable<string> memberLabels, Contribute add)
    {
        var known = memberLabels.Where(l => l.Length > 0).ToList();
        if (label.Length == 0 || known.Count == 0)
        {
            return;
        }
        var agreeing = known.Count(l => l == label);
        var signal = 2.0 * agreeing / known.Count - 1;
        add(feature, signal, agreeing > 0 ? $"same {name} '{label}' as {agreeing} of {known.Count} members" : $"different {name} from every member ('{label}')", label);
    }

    private static void Any(SeriesFeature feature, string name, string label, IEnumerable<string> memberLabels, Contribute add)
    {
        var known = memberLabels.Where(l => l.Length > 0).ToList();
        if (label.Length == 0 || known.Count == 0)
        {
            return;
        }
        var agreeing = known.Count(l => l == label);
        add(feature, agreeing > 0 ? 1 : -1, agreeing > 0 ? $"same {name} '{label}' as {agreeing} of {known.Count} members" : $"a {name} no member had ('{label}')", label);
    }

    private static void Favourites(IReadOnlySet<string> taken, IReadOnlyList<SeriesFeatures> members, Contribute add)
    {
        var reporting = members.Where(m => m.PropertyTaken.Count > 0).ToList();
        if (taken.Count == 0 || reporting.Count == 0)
        {
            return;
        }
        var favourites = reporting.SelectMany(m => m.PropertyTaken).GroupBy(p => p)
            .Where(g => g.Count() * 2 >= reporting.Count).Select(g => g.Key).ToHashSet();
        var shared = taken.Intersect(favourites).Order(StringComparer.Ordinal).ToList();
        if (shared.Count == 0)
        {
            add(SeriesFeature.PropertyTaken, -0.5, "took none of the series' usual loot");
            return;
        }
        add(SeriesFeature.PropertyTaken, (double)shared.Count / taken.Union(favourites).Count(), $"took the series' usual {string.Join(", ", shared)}");
    }

    private static void UsualHour(DateTimeOffset? at, IReadOnlyList<SeriesFeatures> members, TimeZoneInfo timeZone, Contribute add)
    {
        var hours = members.Where(m => m.OccurredAt is not null).Select(m => LocalHour(m.OccurredAt!.Value, timeZone)).ToList();
        if (at is not { } time || hours.Count == 0)
        {
            return;
        }
        var (sin, cos) = (hours.Sum(h => Math.Sin(h / 24 * 2 * Math.PI)), hours.Sum(h => Math.Cos(h / 24 * 2 * Math.PI)));
        var usual = (Math.Atan2(sin, cos) / (2 * Math.PI) * 24 + 24) % 24;
        var difference = Math.Abs(LocalHour(time, timeZone) - usual);
        difference = Math.Min(difference, 24 - difference);
        var signal = Math.Clamp(1 - difference / 3, -1, 1);
        var usualText = $"{(int)usual:00}:{(int)(usual % 1 * 60):00}";
        add(SeriesFeature.TimeOfDay, signal, signal >= 0.34
            ? $"at the series' usual hour (around {usualText})"
            : signal <= -0.34 ? $"away from the series' usual hour (around {usualText})" : $"a few hours from the series' usual hour (around {usualText})");
    }

    private static double LocalHour(DateTimeOffset at, TimeZoneInfo timeZone) => TimeZoneInfo.ConvertTime(at, timeZone).TimeOfDay.TotalHours;

    private static void Best(SeriesFeature feature, IReadOnlyList<LinkTerms> terms, Contribute add)
    {
        var best = terms.Select(t => t.Signals[feature]).Where(f => f.Signal != 0).MaxBy(f => f.Signal);
        if (best is not null)
        {
            add(feature, best.Signal, best.Phrase);
        }
    }

    private static void Plate(IReadOnlyList<LinkTerms> terms, Contribute add)
    {
        var plates = terms.Select(t => t.Signals[SeriesFeature.Plate]).Where(f => f.Signal != 0).ToList();
        if (plates.FirstOrDefault(p => p.Signal > 0) is { } same)
        {
            add(SeriesFeature.Plate, 1, same.Phrase);
        }
        else if (plates.Count > 0)
        {
            add(SeriesFeature.Plate, -1, plates[0].Phrase);
        }
    }
}
