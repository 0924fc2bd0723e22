using Analysis.Domain.Series;
using AnalysisEval.Scenario;
using Contracts.Analysis.V1;

namespace AnalysisEval.Metrics;

/// <summary>How often the patrol recommendation would have caught a crew's next offence.</summary>
/// <param name="Forecasts">Predictions made: one after each planted series' 3rd, 4th ... offence that has a next one.</param>
/// <param name="InArea">Share whose next offence was reported inside the recommended circle.</param>
/// <param name="InWindow">Share whose next offence occurred inside the recommended time window.</param>
/// <param name="InBoth">Share inside both: where and when a patrol would have been.</param>
/// <param name="MeanRadiusKm">Mean radius of the recommended circles.</param>
/// <param name="AroundLastInArea">The same circles centred on the last offence instead of the extrapolated point: what the extrapolation adds.</param>
/// <param name="NextNightInBoth">Share whose next outing (the first offence 6 h or more after the last) was inside both.</param>
/// <param name="PlanInBoth">Share whose next offence was inside one of the patrol plan's areas during its window, the plan made when the last offence was reported.</param>
/// <param name="MeanPlanHours">Mean hours of patrol the plan asks for (its windows from when the last offence was reported).</param>
/// <param name="MeanPlanNights">Mean number of windows in the plan.</param>
public readonly record struct PatrolForecastScores(
    int Forecasts, double InArea, double InWindow, double InBoth, double MeanRadiusKm, double AroundLastInArea, double NextNightInBoth,
    double PlanInBoth, double MeanPlanHours, double MeanPlanNights);

/// <summary>
/// The movement model alone, on the planted series as if they had been linked perfectly: after each offence from the
/// <c>MinSeriesSize</c>-th on, <see cref="SeriesMovement"/> recommends an area and a window from the offences so far (as
/// reported: position and time noise included), and the crew's next offence is checked against them. The patrol plan
/// is made as of the moment the last offence was reported (a burglary found in the morning leaves no night to cover).
/// </summary>
public static class PatrolForecast
{
    public static PatrolForecastScores Evaluate(LabelledScenario scenario, SeriesOptions options)
    {
        int forecasts = 0, inArea = 0, inWindow = 0, inBoth = 0, aroundLast = 0, nextNight = 0, planInBoth = 0, planWindows = 0;
        double radiusM = 0, planHours = 0;
        foreach (var series in scenario.TrueSeries)
        {
            var reported = series.ToDictionary(i => i.Id, i => i.Incident.ReceivedAt.ToDateTimeOffset());
            var members = series.Select(i => new SeriesMember
            {
                IncidentId = i.Id,
                Location = i.Incident.Report.Location,
                OccurredAt = i.Incident.Report.OccurredAt,
                District = i.Incident.Report.District,
                Category = i.Incident.Report.Category,
            }).Where(m => m.Location is not null && m.OccurredAt is not null).OrderBy(m => m.OccurredAt.ToDateTimeOffset()).ToList();
            for (var known = options.MinSeriesSize; known < members.Count; known++)
            {
                var next = members[known];
                var asOf = reported[members[known - 1].IncidentId];
                var movement = SeriesMovement.From(members.Take(known), options, asOf);
                if (movement.NextArea is not { } area)
                {
                    continue;
                }
                forecasts++;
                radiusM += area.RadiusM;
                var place = Geo.DistanceM(area.Center, next.Location) <= area.RadiusM;
                var at = next.OccurredAt.ToDateTimeOffset();
                var time = area.From is not null && area.To is not null && at >= area.From.ToDateTimeOffset() && at <= area.To.ToDateTimeOffset();
                inArea += place ? 1 : 0;
                inWindow += time ? 1 : 0;
                inBoth += place && time ? 1 : 0;
                aroundLast += Geo.DistanceM(members[known - 1].Location, next.Location) <= area.RadiusM ? 1 : 0;
                planInBoth += movement.PatrolPlan.Any(p => Geo.DistanceM(p.Center, next.Location) <= p.RadiusM
                                                           && at >= p.From.ToDateTimeOffset() && at <= p.To.ToDateTimeOffset()) ? 1 : 0;
                planHours += movement.PatrolPlan.Sum(p => (p.To.ToDateTimeOffset() - Max(p.From.ToDateTimeOffset(), asOf)).TotalHours);
                planWindows += movement.PatrolPlan.Count;
                var lastAt = members[known - 1].OccurredAt.ToDateTimeOffset();
                if (members.Skip(known).FirstOrDefault(m => m.OccurredAt.ToDateTimeOffset() - lastAt >= TimeSpan.FromHours(6)) is { } outing)
                {
                    var outingAt = outing.OccurredAt.ToDateTimeOffset();
                    nextNight += Geo.DistanceM(area.Center, outing.Location) <= area.RadiusM && area.From is not null && area.To is not null
                                 && outingAt >= area.From.ToDateTimeOffset() && outingAt <= area.To.ToDateTimeOffset() ? 1 : 0;
                }
            }
        }

        double Share(int n) => forecasts == 0 ? 0 : (double)n / forecasts;
        double Mean(double total) => forecasts == 0 ? 0 : total / forecasts;
        return new PatrolForecastScores(forecasts, Share(inArea), Share(inWindow), Share(inBoth), Mean(radiusM) / 1000, Share(aroundLast), Share(nextNight),
            Share(planInBoth), Mean(planHours), Mean(planWindows));
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
