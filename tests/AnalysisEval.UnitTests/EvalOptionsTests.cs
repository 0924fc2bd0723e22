using AnalysisEval.Scenario;

namespace AnalysisEval.UnitTests;

public sealed class EvalOptionsTests
{
    [Fact]
    public void A_scenario_change_applies_to_the_chosen_setting_and_names_it()
    {
        var (options, error) = EvalOptions.Parse(["evaluate", "--offline", "--setting", "hard", "--scenario", "PlateRead=0.8", "--scenario", "DecoysPerSeries=2"]);

        Assert.Null(error);
        var hard = Assert.Single(options!.Settings);
        Assert.Equal(0.8, hard.PlateRead);
        Assert.Equal(2, hard.DecoysPerSeries);
        Assert.Equal("hard PlateRead=0.8 DecoysPerSeries=2", hard.Name);
        Assert.Equal(ScenarioSettings.Hard.BackgroundPropertyCrimes, hard.BackgroundPropertyCrimes);
        Assert.Equal(0.35, ScenarioSettings.Hard.PlateRead); // the shared defaults are untouched
    }

    [Theory]
    [InlineData("Bogus=1", "no numeric generator setting 'Bogus'")]
    [InlineData("Name=x", "no numeric generator setting 'Name'")]
    [InlineData("PlateRead=lots", "--scenario PlateRead: 'lots' is not a number")]
    [InlineData("DecoysPerSeries=2.5", "--scenario DecoysPerSeries: '2.5' is not a whole number")]
    [InlineData("PlateRead", "--scenario needs Key=Value")]
    public void A_scenario_change_that_cannot_apply_is_refused_with_a_reason(string change, string reason)
    {
        var (options, error) = EvalOptions.Parse(["evaluate", "--offline", "--scenario", change]);

        Assert.Null(options);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_order_options_are_refused_outside_the_chains_command()
    {
        var (options, error) = EvalOptions.Parse(["evaluate", "--orders", "3"]);

        Assert.Null(options);
        Assert.Contains("chains command only", error, StringComparison.Ordinal);
        Assert.Equal(["pay:x"], EvalOptions.Parse(["chains", "--orders", "3", "--list-public", "pay:x"]).Options!.ListPublic);
    }
}
