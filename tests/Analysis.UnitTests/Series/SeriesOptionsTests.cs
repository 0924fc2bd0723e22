using System.ComponentModel.DataAnnotations;
using Analysis.Domain.Series;

namespace Analysis.UnitTests.Series;

public sealed class SeriesOptionsTests
{
    private static List<ValidationResult> Validate(SeriesOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Validate(new SeriesOptions()));

    [Fact]
    public void A_negative_weight_magnitude_is_refused_by_name()
    {
        var results = Validate(new SeriesOptions { Weights = new SeriesWeights { EntryMethod = -1 } });

        var result = Assert.Single(results);
        Assert.Contains("Weights.EntryMethod", result.MemberNames);
    }

    [Fact]
    public void The_intercept_may_be_negative_but_not_infinite()
    {
        Assert.Empty(Validate(new SeriesOptions { Weights = new SeriesWeights { Intercept = -4 } }));
        Assert.NotEmpty(Validate(new SeriesOptions { Weights = new SeriesWeights { Intercept = double.NegativeInfinity } }));
    }

    [Fact]
    public void An_unknown_time_zone_is_refused()
        => Assert.Contains(Validate(new SeriesOptions { TimeZoneId = "Mars/Olympus" }), r => r.MemberNames.Contains(nameof(SeriesOptions.TimeZoneId)));

    [Fact]
    public void Out_of_range_threshold_and_radii_are_refused()
    {
        Assert.NotEmpty(Validate(new SeriesOptions { LinkThreshold = 1.5 }));
        Assert.NotEmpty(Validate(new SeriesOptions { CandidateRadiusKm = 0 }));
        Assert.NotEmpty(Validate(new SeriesOptions { MinPatrolRadiusM = 3000, MaxPatrolRadiusM = 1000 }));
    }
}
