using System.ComponentModel.DataAnnotations;

namespace Analysis.Domain.Series;

/// <summary>
/// Section "Analysis:Series"; e.g. Analysis__Series__LinkThreshold=0.6, Analysis__Series__Weights__EntryMethod=2.
/// Defaults and their reasons: docs/ANALYSIS-EVALUATION.md.
/// </summary>
public sealed class SeriesOptions : IValidatableObject
{
    public const string Section = "Analysis:Series";

    /// <summary>Link probability at or above which two incidents are linked into one series.</summary>
    [Range(0.01, 0.99)]
    public double LinkThreshold { get; set; } = 0.2;

    /// <summary>Candidates are earlier series-category incidents within this distance (any district: crews roam).</summary>
    [Range(0.1, 500)]
    public double CandidateRadiusKm { get; set; } = 12;

    /// <summary>... and within this many days before or after the new incident's occurred_at.</summary>
    [Range(1, 365)]
    public int CandidateWindowDays { get; set; } = 21;

    /// <summary>At most this many nearest candidates are scored per new incident (bounds the work in a busy area).</summary>
    [Range(1, 10_000)]
    public int MaxCandidates { get; set; } = 300;

    /// <summary>SERIES_DETECTED when a series reaches this many incidents; SERIES_GROWN for each one after.</summary>
    [Range(2, 100)]
    public int MinSeriesSize { get; set; } = 3;

    /// <summary>Time zone of the area served: hours of day in evidence and patrol windows are local.</summary>
    [Required]
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>Smallest and largest radius of a recommended patrol area.</summary>
    [Range(50, 100_000)]
    public double MinPatrolRadiusM { get; set; } = 800;

    [Range(50, 100_000)]
    public double MaxPatrolRadiusM { get; set; } = 5000;

    /// <summary>The patrol plan covers the rest of the last offence's night for this many hours after it.</summary>
    [Range(0, 12)]
    public double ContinuationHours { get; set; } = 2;

    /// <summary>The patrol plan covers at most this many nights of the crew's next outing.</summary>
    [Range(1, 14)]
    public int MaxPatrolNights { get; set; } = 4;

    /// <summary>How many of the latest moves the next-area extrapolation averages.</summary>
    [Range(1, 50)]
    public int MovementRecentSteps { get; set; } = 3;

    /// <summary>Scales of the spree term exp(-km / SpreeKm - hours / SpreeHours): offences on one night out, a few streets apart.</summary>
    [Range(0.05, 50)]
    public double SpreeKm { get; set; } = 1;

    [Range(0.1, 240)]
    public double SpreeHours { get; set; } = 3;

    public SeriesWeights Weights { get; set; } = new();

    public TimeZoneInfo TimeZone => TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out _))
        {
            yield return new ValidationResult($"Unknown time zone '{TimeZoneId}' (use an IANA id such as 'Asia/Shanghai')", [nameof(TimeZoneId)]);
        }

        if (MaxPatrolRadiusM < MinPatrolRadiusM)
        {
            yield return new ValidationResult("MaxPatrolRadiusM must be at least MinPatrolRadiusM", [nameof(MaxPatrolRadiusM)]);
        }

        foreach (var (name, value, mayBeNegative) in Weights.All())
        {
            if (!double.IsFinite(value) || (!mayBeNegative && value < 0) || Math.Abs(value) > 20)
            {
                yield return new ValidationResult(
                    mayBeNegative ? $"Weights:{name} must be a finite number within ±20" : $"Weights:{name} must be within 0..20",
                    [$"{nameof(Weights)}.{name}"]);
            }
        }
    }
}

/// <summary>
/// Coefficients of the logistic link model:
/// logit = Intercept - Distance·ln(1 + km) - DaysApart·ln(1 + days) + Spree·spree + Σ weight·signal, signal in [-1, 1] per feature.
/// Every weight but the intercept is a magnitude (non-negative): the sign lives in the signal.
/// </summary>
public sealed class SeriesWeights
{
    // Defaults: fitted by logistic regression (tools/AnalysisEval calibrate, seeds 101-103, easy and hard) on the
    // candidate pairs the pipeline scores, then rounded; VehicleLooks capped below Plate (see docs/ANALYSIS-EVALUATION.md).

    /// <summary>Log-odds of a link for two co-located, simultaneous incidents with nothing else known: the rarity of true links among candidates.</summary>
    public double Intercept { get; set; } = -5.9;

    public double Distance { get; set; } = 1.57;
    public double DaysApart { get; set; } = 0.92;
    public double Spree { get; set; } = 1.0;
    public double EntryMethod { get; set; } = 1.18;
    public double TargetType { get; set; } = 0.3;
    public double PropertyTaken { get; set; } = 1.0;
    public double TimeOfDay { get; set; } = 1.5;
    public double Suspect { get; set; } = 2.46;
    public double DistinguishingMarks { get; set; } = 3.8;
    public double Plate { get; set; } = 4.5;
    public double VehicleLooks { get; set; } = 2.0;
    public double Category { get; set; } = 2.67;

    public double For(SeriesFeature feature) => feature switch
    {
        SeriesFeature.EntryMethod => EntryMethod,
        SeriesFeature.TargetType => TargetType,
        SeriesFeature.PropertyTaken => PropertyTaken,
        SeriesFeature.TimeOfDay => TimeOfDay,
        SeriesFeature.Suspect => Suspect,
        SeriesFeature.DistinguishingMarks => DistinguishingMarks,
        SeriesFeature.Plate => Plate,
        SeriesFeature.VehicleLooks => VehicleLooks,
        SeriesFeature.Category => Category,
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, null),
    };

    internal IEnumerable<(string Name, double Value, bool MayBeNegative)> All()
    {
        yield return (nameof(Intercept), Intercept, true);
        yield return (nameof(Distance), Distance, false);
        yield return (nameof(DaysApart), DaysApart, false);
        yield return (nameof(Spree), Spree, false);
        foreach (var feature in Enum.GetValues<SeriesFeature>())
        {
            yield return (feature.ToString(), For(feature), false);
        }
    }
}
