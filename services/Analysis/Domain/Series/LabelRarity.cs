namespace Analysis.Domain.Series;

/// <summary>
/// How rare an entry method or target type is among the property crimes around a new incident (its candidates):
/// sharing 'door-pull' when 1 in 100 nearby burglaries is a door-pull says far more than sharing 'pickpocket' when
/// every third theft is one. The local candidates are the base-rate sample, so no global statistics are kept.
/// A match's weight is multiplied by ln(1/p) / ln(1/reference), clamped; p is smoothed toward the reference
/// frequency so that a handful of candidates cannot make a label look unique.
/// </summary>
public sealed class LabelRarity
{
    private readonly Dictionary<string, int> _entryMethods;
    private readonly Dictionary<string, int> _targetTypes;
    private readonly int _population;
    private readonly RarityOptions _options;

    private LabelRarity(Dictionary<string, int> entryMethods, Dictionary<string, int> targetTypes, int population, RarityOptions options)
    {
        _entryMethods = entryMethods;
        _targetTypes = targetTypes;
        _population = population;
        _options = options;
    }

    /// <summary>No population: every label counts as the reference frequency (multiplier 1).</summary>
    public static LabelRarity Neutral(RarityOptions options) => new([], [], 0, options);

    public static LabelRarity Of(IEnumerable<SeriesFeatures> population, RarityOptions options)
    {
        var entry = new Dictionary<string, int>(StringComparer.Ordinal);
        var target = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        foreach (var features in population)
        {
            count++;
            if (features.EntryMethod.Length > 0)
            {
                entry[features.EntryMethod] = entry.GetValueOrDefault(features.EntryMethod) + 1;
            }

            if (features.TargetType.Length > 0)
            {
                target[features.TargetType] = target.GetValueOrDefault(features.TargetType) + 1;
            }
        }

        return new LabelRarity(entry, target, count, options);
    }

    /// <summary>Smoothed share of the population with this label.</summary>
    public double Frequency(SeriesFeature feature, string label)
    {
        var counts = feature switch
        {
            SeriesFeature.EntryMethod => _entryMethods,
            SeriesFeature.TargetType => _targetTypes,
            _ => null,
        };
        if (counts is null)
        {
            return _options.ReferenceFrequency;
        }

        var prior = _options.PriorWeight;
        return (counts.GetValueOrDefault(label) + prior * _options.ReferenceFrequency) / (_population + prior);
    }

    /// <summary>Weight multiplier of a match on this label: 1 at the reference frequency, more when rarer, less when commoner.</summary>
    public double Multiplier(SeriesFeature feature, string label)
    {
        if (feature is not (SeriesFeature.EntryMethod or SeriesFeature.TargetType))
        {
            return 1;
        }

        var frequency = Math.Clamp(Frequency(feature, label), 1e-6, 0.999);
        return Math.Clamp(Math.Log(frequency) / Math.Log(_options.ReferenceFrequency), _options.MinMultiplier, _options.MaxMultiplier);
    }
}
