using Contracts.Common.V1;

namespace Analysis.Domain.Series;

/// <summary>How likely two incidents are the work of the same offenders, and why.</summary>
/// <param name="describe">Builds the evidence; called on first read only (most candidates are scored, few are shown).</param>
public sealed class SeriesLinkScore(double score, bool linked, Func<IReadOnlyList<string>> describe)
{
    private IReadOnlyList<string>? _evidence;

    /// <summary>Link probability, 0..1.</summary>
    public double Score { get; } = score;

    /// <summary>Score at or above the configured link threshold.</summary>
    public bool Linked { get; } = linked;

    /// <summary>Plain words, strongest first; the first line always says how far and how long apart.</summary>
    public IReadOnlyList<string> Evidence => _evidence ??= describe();
}

/// <summary>
/// The terms of the logistic model for one pair, before weighting: what calibration fits and what the score sums.
/// Spree = exp(-km / SpreeKm - hours / SpreeHours): 1 for two offences on the same street within the hour (a crew's
/// night out), near 0 beyond a few kilometres or hours.
/// </summary>
public sealed record LinkTerms(double LogKm, double LogDays, double Spree, IReadOnlyList<FeatureSignal> Features, SeriesSignals Signals);

/// <summary>
/// Pairwise crime linkage as in the literature (Bennell &amp; Canter; Tonkin et al.): a logistic model over
/// inter-crime distance, time apart and behavioural similarity (entry method, target, property, time of day,
/// suspects, vehicle), so the score reads as a probability and each feature's part in it is explicit.
/// A pair's score depends on the two incidents only, never on what else was known when it was scored, so a replay of
/// incidents.v1 in any order scores every pair alike.
/// District is deliberately not a feature: roaming crews cross district lines, distance already says what
/// district would. Missing fields contribute nothing, so sparse reports are neither linked nor split on absent data.
/// </summary>
public sealed class SeriesScorer
{
    private readonly SeriesOptions _options;
    private readonly TimeZoneInfo _timeZone;

    public SeriesScorer(SeriesOptions options)
    {
        _options = options;
        _timeZone = options.TimeZone;
    }

    public SeriesOptions Options => _options;

    public SeriesLinkScore Score(Incident a, Incident b) => Score(SeriesFeatures.From(a), SeriesFeatures.From(b));

    public SeriesLinkScore Score(SeriesFeatures a, SeriesFeatures b) => Combine(Terms(a, b));

    /// <summary>
    /// A new incident against its candidates (the property crimes near it in space and time), the way the pipeline
    /// scores. Results are in candidate order. Scores are computed without words; a pair's evidence is worded when it
    /// is read (for the links and the stored near misses).
    /// </summary>
    public IReadOnlyList<SeriesLinkScore> ScoreCandidates(SeriesFeatures incident, IReadOnlyList<SeriesFeatures> candidates)
    {
        var scores = new SeriesLinkScore[candidates.Count];
        for (var i = 0; i < scores.Length; i++)
        {
            var candidate = candidates[i];
            var score = Probability(Terms(incident, candidate, describe: false));
            scores[i] = new SeriesLinkScore(score, score >= _options.LinkThreshold, () => Evidence(Terms(incident, candidate)));
        }
        return scores;
    }

    /// <param name="describe">False: the numbers only, no evidence phrases (scoring and calibration).</param>
    public LinkTerms Terms(SeriesFeatures a, SeriesFeatures b, bool describe = true)
    {
        // One orientation per pair (the earlier offence first), whichever of the two was processed first: the score and
        // the words are the pair's own ("similar time of day (02:10 and 03:40)" reads the same on both members and in a replay).
        if (ComesAfter(a, b))
        {
            (a, b) = (b, a);
        }
        var signals = SeriesSignals.Compare(a, b, _timeZone, describe);
        // Unknown position or time counts as half the candidate radius or window away: the typical candidate, neither close nor far.
        var km = signals.DistanceKm ?? _options.CandidateRadiusKm / 2;
        var hours = signals.HoursApart ?? _options.CandidateWindowDays * 12.0;
        var spree = signals.DistanceKm is null || signals.HoursApart is null
            ? 0
            : Math.Exp(-km / _options.SpreeKm - hours / _options.SpreeHours);
        return new LinkTerms(Math.Log(1 + km), Math.Log(1 + hours / 24), spree, signals.Features, signals);
    }

    /// <summary>
    /// The highest link probability any pair with these sketches can have: the same terms as <see cref="Terms"/>, exact
    /// where the sketch holds the value (distance, time, time of day, category, different labels or plates, nothing
    /// taken in common) and the best case where it holds only that a value exists (suspects, marks, vehicle looks,
    /// shared items, equal label hashes). A candidate whose bound is below a bar cannot score at or above it.
    /// </summary>
    public double UpperBound(in CandidateSketch a, in CandidateSketch b)
        => UpperBound(a, b, Geo.DistanceM(a.Latitude, a.Longitude, b.Latitude, b.Longitude));

    /// <param name="distanceMeters">The two sketches' great-circle distance (<see cref="Geo.DistanceM(double, double, double, double)"/>), when already known.</param>
    public double UpperBound(in CandidateSketch a, in CandidateSketch b, double distanceMeters)
        => 1 / (1 + Math.Exp(-UpperBoundLogit(a, b, distanceMeters)));

    /// <summary>The link threshold as a logit: what <see cref="UpperBoundLogit"/> is compared with.</summary>
    public double LinkThresholdLogit => Math.Log(_options.LinkThreshold / (1 - _options.LinkThreshold));

    /// <summary>
    /// <see cref="UpperBound(in CandidateSketch, in CandidateSketch, double)"/> as a logit, to compare with
    /// <see cref="LinkThresholdLogit"/>: no exponential for the logistic function.
    /// </summary>
    public double UpperBoundLogit(in CandidateSketch a, in CandidateSketch b, double distanceMeters)
        // Rounding in the exact path (distance, hours) must never put an exact score above its bound.
        => _options.Weights.Intercept + FeatureTerms(a, b) + SpaceTimeTerms(a, b, distanceMeters) + 1e-9;

    /// <summary>
    /// Whether the pair's bound reaches the link threshold (<see cref="UpperBoundLogit"/> at least
    /// <see cref="LinkThresholdLogit"/>). The distance and time terms can only lower it, but for the spree term: a pair
    /// below the bar without them is decided without their logarithms.
    /// </summary>
    public bool CouldLink(in CandidateSketch a, in CandidateSketch b, double distanceMeters, double thresholdLogit)
    {
        var features = _options.Weights.Intercept + FeatureTerms(a, b);
        return features + SpaceTimeCeiling + 1e-9 >= thresholdLogit
               && features + SpaceTimeTerms(a, b, distanceMeters) + 1e-9 >= thresholdLogit;
    }

    /// <summary>Whether the pair could link at some distance and time apart: <see cref="CouldLink"/>'s first test, which needs neither.</summary>
    public bool CouldLinkSomewhere(in CandidateSketch a, in CandidateSketch b, double thresholdLogit)
        => _options.Weights.Intercept + FeatureTerms(a, b) + SpaceTimeCeiling + 1e-9 >= thresholdLogit;

    /// <summary>The most the distance, time apart and spree terms can add: the spree's weight, unless a weight makes nearer or sooner cost.</summary>
    private double SpaceTimeCeiling
        => _options.Weights is { Distance: >= 0, DaysApart: >= 0 } weights ? Math.Max(0, weights.Spree) : double.PositiveInfinity;

    /// <summary>The bound's distance, time apart and spree terms.</summary>
    private double SpaceTimeTerms(in CandidateSketch a, in CandidateSketch b, double distanceMeters)
    {
        var weights = _options.Weights;
        var km = distanceMeters / 1000;
        var bothTimed = a.OccurredAtUtcTicks != 0 && b.OccurredAtUtcTicks != 0;
        var hours = bothTimed ? Math.Abs(a.OccurredAtUtcTicks - b.OccurredAtUtcTicks) / (double)TimeSpan.TicksPerHour : _options.CandidateWindowDays * 12.0;
        var spreeExponent = -km / _options.SpreeKm - hours / _options.SpreeHours;
        // Nearly every pair is far past a spree: e^-20 bounds its term (at most 2e-9 of a weight) without an exponential.
        var spree = !bothTimed ? 0 : spreeExponent < -20 ? NegligibleSpree : Math.Exp(spreeExponent);
        return -weights.Distance * Math.Log(1 + km) - weights.DaysApart * Math.Log(1 + hours / 24) + weights.Spree * spree;
    }

    /// <summary>The bound's terms of the features: exact where the sketches hold the values, the best case where they hold only that one exists.</summary>
    private double FeatureTerms(in CandidateSketch a, in CandidateSketch b)
    {
        var weights = _options.Weights;
        var terms = weights.EntryMethod * LabelBound(a.EntryMethod, b.EntryMethod);
        terms += weights.TargetType * LabelBound(a.TargetType, b.TargetType);
        terms += weights.Plate * LabelBound(a.Plate, b.Plate);
        terms += weights.Category * (a.Category == b.Category ? 1 : -1);
        if (a.PropertyTaken != 0 && b.PropertyTaken != 0)
        {
            terms += weights.PropertyTaken * ((a.PropertyTaken & b.PropertyTaken) == 0 ? -0.5 : 1);
        }
        if (a.OccurredAtUtcTicks != 0 && b.OccurredAtUtcTicks != 0)
        {
            terms += weights.TimeOfDay * SeriesSignals.TimeOfDaySignal(a.LocalHours, b.LocalHours);
        }
        terms += a.HasSuspects && b.HasSuspects ? weights.Suspect : 0;
        terms += a.HasMarks && b.HasMarks ? weights.DistinguishingMarks : 0;
        terms += a.HasVehicle && b.HasVehicle ? weights.VehicleLooks : 0;
        return terms;
    }

    private static readonly double NegligibleSpree = Math.Exp(-20);

    private static int LabelBound(uint a, uint b) => a == 0 || b == 0 ? 0 : a == b ? 1 : -1;

    private static bool ComesAfter(SeriesFeatures a, SeriesFeatures b)
    {
        var byTime = (a.OccurredAt ?? DateTimeOffset.MaxValue).CompareTo(b.OccurredAt ?? DateTimeOffset.MaxValue);
        return byTime != 0 ? byTime > 0 : string.CompareOrdinal(a.IncidentId, b.IncidentId) > 0;
    }

    /// <summary>
    /// logit = Intercept - Distance·ln(1 + km) - DaysApart·ln(1 + days) + Spree·spree + Σ weight·signal.
    /// Distance and time enter through ln(1 + x): the first kilometre and day matter most, and a roaming crew
    /// 8 km away is penalised far less than linearly.
    /// </summary>
    public SeriesLinkScore Combine(LinkTerms terms)
    {
        var score = Probability(terms);
        return new SeriesLinkScore(score, score >= _options.LinkThreshold, () => Evidence(terms));
    }

    private double Probability(LinkTerms terms)
    {
        var weights = _options.Weights;
        var logit = weights.Intercept - weights.Distance * terms.LogKm - weights.DaysApart * terms.LogDays + weights.Spree * terms.Spree;
        for (var i = 0; i < terms.Features.Count; i++)
        {
            logit += weights.For(terms.Features[i].Feature) * terms.Features[i].Signal;
        }
        return 1 / (1 + Math.Exp(-logit));
    }

    private IReadOnlyList<string> Evidence(LinkTerms terms)
    {
        var weights = _options.Weights;
        var signals = terms.Signals;
        var shown = terms.Features
            .Select((f, i) => (f.Phrase, Contribution: weights.For(f.Feature) * f.Signal, f.Feature))
            .Where(c => c.Phrase.Length > 0 && Math.Abs(c.Contribution) >= 0.1)
            .OrderByDescending(c => c.Contribution)
            .ToList();
        // The strongest behavioural match leads, joined to the space-time gap: "same entry method 'door-pull', 380 m and 2 h apart".
        var lead = shown.FirstOrDefault(c => c.Contribution > 0 && c.Feature != SeriesFeature.Category);
        var apart = ApartPhrase(signals);
        var evidence = new List<string> { lead.Phrase is { Length: > 0 } phrase ? $"{phrase}, {apart}" : apart };
        evidence.AddRange(shown.Where(c => c.Phrase != lead.Phrase).Select(c => c.Phrase));
        if (signals.DistrictA.Length > 0 && signals.DistrictB.Length > 0 && !string.Equals(signals.DistrictA, signals.DistrictB, StringComparison.OrdinalIgnoreCase))
        {
            evidence.Add($"crosses districts ({signals.DistrictA} and {signals.DistrictB})");
        }

        return evidence;
    }

    private static string ApartPhrase(SeriesSignals signals)
    {
        var distance = signals.DistanceKm is { } km ? Geo.FormatDistance(km * 1000) : "distance unknown";
        var time = signals.HoursApart is { } hours ? FormatDuration(hours) : "time apart unknown";
        return signals.DistanceKm is null || signals.HoursApart is null ? $"{distance}, {time}" : $"{distance} and {time} apart";
    }

    /// <summary>"40 min", "2 h", "3 days".</summary>
    public static string FormatDuration(double hours) => hours switch
    {
        < 1 => $"{Math.Round(hours * 60):0} min",
        < 48 => $"{Math.Round(hours):0} h",
        _ => $"{Math.Round(hours / 24):0} days",
    };
}
