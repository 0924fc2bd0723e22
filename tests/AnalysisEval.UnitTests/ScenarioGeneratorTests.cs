using AnalysisEval.Scenario;
using Contracts.Common.V1;

namespace AnalysisEval.UnitTests;

public sealed class ScenarioGeneratorTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_seed_gives_the_same_scenario_and_another_seed_another()
    {
        var a = ScenarioGenerator.Generate(ScenarioSettings.Easy, 7, Start);
        var b = ScenarioGenerator.Generate(ScenarioSettings.Easy, 7, Start);
        var c = ScenarioGenerator.Generate(ScenarioSettings.Easy, 8, Start);

        Assert.Equal(a.Incidents.Select(i => i.Incident), b.Incidents.Select(i => i.Incident));
        Assert.NotEqual(a.Incidents.Select(i => i.Incident), c.Incidents.Select(i => i.Incident));
    }

    [Theory]
    [InlineData("easy")]
    [InlineData("hard")]
    public void Planted_series_chains_and_disputes_are_labelled_and_realistic(string setting)
    {
        var settings = ScenarioSettings.ByName(setting);
        var scenario = ScenarioGenerator.Generate(settings, 1, Start);

        Assert.Equal(settings.Series + settings.LookalikeCrewPairs, scenario.TrueSeries.Count());
        Assert.All(scenario.TrueSeries, s => Assert.InRange(s.Count(), 2, settings.MaxSeriesSize));
        Assert.All(scenario.TrueSeries.SelectMany(s => s), i => Assert.True(Analysis.Domain.Series.SeriesFeatures.IsSeriesCategory(i.Incident.Report.Category)));
        Assert.Equal(settings.FraudChains, scenario.TrueChains.Count());
        Assert.All(scenario.TrueChains.SelectMany(c => c), i => Assert.Equal(IncidentCategory.Fraud, i.Incident.Report.Category));
        // Roaming crews cross district lines somewhere in the scenario.
        Assert.Contains(scenario.TrueSeries, s => s.Select(i => i.Incident.Report.District).Distinct().Count() > 1);
        // Decoys: other offenders with the same entry method as a crew.
        Assert.Equal(settings.DecoysPerSeries > 0, scenario.Incidents.Any(i => i.Truth.Role == "decoy"));
        // Common identifiers appear in several unrelated fraud reports.
        var hotline = scenario.Incidents.Count(i => i.Incident.Report.Identifiers.Any(id => Catalog.CommonIdentifiers.Contains(id)));
        Assert.True(hotline > 5, $"{hotline} reports with a common identifier");
        Assert.Equal(scenario.Incidents.Count, scenario.Incidents.Select(i => i.Id).Distinct().Count());
        // Every incident is in the past of the last scenario day plus report delays.
        Assert.All(scenario.Incidents, i => Assert.True(i.Incident.ReceivedAt.ToDateTimeOffset() >= i.Incident.Report.OccurredAt.ToDateTimeOffset().AddHours(-6)));
    }

    [Fact]
    public void Each_chain_is_connected_through_identifiers_other_than_the_common_ones()
    {
        var scenario = ScenarioGenerator.Generate(ScenarioSettings.Hard, 3, Start);

        foreach (var chain in scenario.TrueChains)
        {
            var reports = chain.Select(c => c.Incident.Report.Identifiers.Where(i => !Catalog.CommonIdentifiers.Contains(i)).ToHashSet()).ToList();
            var reached = new HashSet<int> { 0 };
            var grew = true;
            while (grew)
            {
                var next = Enumerable.Range(0, reports.Count).Where(r => !reached.Contains(r) && reached.Any(k => reports[k].Overlaps(reports[r]))).ToList();
                reached.UnionWith(next);
                grew = next.Count > 0;
            }

            Assert.True(reached.Count == reports.Count, $"{chain.Key}: {reports.Count - reached.Count} reports share nothing with the rest");
        }
    }

    [Fact]
    public void The_hard_setting_is_noisier_than_the_easy_one()
    {
        static double MissingEntryMethod(LabelledScenario s)
            => s.Incidents.Where(i => i.Truth.Role == "series").Average(i => string.IsNullOrEmpty(i.Incident.Report.ModusOperandi?.EntryMethod) ? 1.0 : 0);

        var easy = ScenarioGenerator.Generate(ScenarioSettings.Easy, 1, Start);
        var hard = ScenarioGenerator.Generate(ScenarioSettings.Hard, 1, Start);

        Assert.True(hard.Incidents.Count > 2 * easy.Incidents.Count);
        Assert.True(MissingEntryMethod(hard) > MissingEntryMethod(easy));
    }

    [Theory]
    [InlineData(-350, 120)]
    [InlineData(120, -2600)]
    [InlineData(5000, 9000)]
    public void A_point_past_the_city_edge_still_gets_a_street_address(double eastM, double northM)
        => Assert.Matches(@"^\d+ .+ (Road|Avenue), ", City.AddressNear(eastM, northM, new Random(1)));
}
