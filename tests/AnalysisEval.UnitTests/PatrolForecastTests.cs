using Analysis.Domain.Series;
using AnalysisEval.Metrics;
using AnalysisEval.Scenario;
using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;

namespace AnalysisEval.UnitTests;

public sealed class PatrolForecastTests
{
    private static readonly DateTimeOffset FirstNight = new(2026, 3, 1, 18, 0, 0, TimeSpan.Zero); // 02:00 in Shenzhen

    [Fact]
    public void A_crew_roaming_steadily_each_night_is_caught_where_and_when_it_strikes_next()
    {
        // A roaming crew: six nights, 3 km further east each night at 02:00 local; after the 3rd offence, each next one is forecast.
        var crew = Enumerable.Range(0, 6).Select(n => Offence($"o{n}", eastM: 3000 + 3000 * n, FirstNight.AddDays(n), "series-01")).ToList();
        var scenario = new LabelledScenario(ScenarioSettings.Hard, 1, FirstNight, crew, []);

        var scores = PatrolForecast.Evaluate(scenario, new SeriesOptions { TimeZoneId = City.TimeZoneId });

        Assert.Equal(3, scores.Forecasts);
        Assert.Equal(1, scores.InArea);
        Assert.Equal(1, scores.InWindow);
        Assert.Equal(1, scores.InBoth);
        Assert.Equal(1, scores.NextNightInBoth);
        Assert.Equal(1, scores.PlanInBoth);
        Assert.Equal(0, scores.AroundLastInArea); // 3 km on is outside the 1.5 km circle around the last offence
    }

    [Fact]
    public void A_crew_whose_next_offence_is_far_off_and_days_later_is_missed()
    {
        var crew = new[]
        {
            Offence("a", 5000, FirstNight, "series-01"), Offence("b", 6000, FirstNight.AddDays(1), "series-01"),
            Offence("c", 7000, FirstNight.AddDays(2), "series-01"), Offence("d", 20_000, FirstNight.AddDays(9).AddHours(10), "series-01"),
        };
        var scenario = new LabelledScenario(ScenarioSettings.Hard, 1, FirstNight, crew, []);

        var scores = PatrolForecast.Evaluate(scenario, new SeriesOptions { TimeZoneId = City.TimeZoneId });

        // The plan: the rest of the night (2 h, the report came 10 minutes in), then nights 1 and 2 (one-night pauses seen,
        // one more), each the usual hour ± 2 h (the narrowest window).
        Assert.Equal(new PatrolForecastScores(1, 0, 0, 0, 0, 0, 0, PlanInBoth: 0, MeanPlanHours: 0, MeanPlanNights: 3), scores with { MeanPlanHours = 0, MeanRadiusKm = 0 });
        Assert.Equal(1.0, scores.MeanRadiusKm, 2); // around the last offence, as far as the crew wandered between outings
        Assert.Equal(10 - 10 / 60.0, scores.MeanPlanHours, 6);
    }

    private static LabelledIncident Offence(string id, double eastM, DateTimeOffset at, string series)
        => new(new Incident
        {
            IncidentId = id,
            ReceivedAt = Timestamp.FromDateTimeOffset(at.AddMinutes(10)),
            Report = new Report
            {
                Category = IncidentCategory.Burglary,
                OccurredAt = Timestamp.FromDateTimeOffset(at),
                Location = City.ToGeo(eastM, 9000, 10),
                District = City.DistrictAt(eastM, 9000),
            },
        }, new GroundTruth("series", SeriesId: series));
}
