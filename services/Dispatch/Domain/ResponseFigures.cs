using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Domain;

/// <summary>
/// Response-time figures as NFPA 1225 and the 1-3-5 standard judge them. They telescope:
/// call processing + turnout + travel = total.
/// </summary>
public static class ResponseFigures
{
    public static ResponseTimes Compute(Timestamp receivedAt, IEnumerable<Assignment> assignments)
    {
        var list = assignments.ToList();
        var times = new ResponseTimes
        {
            ReceivedAt = receivedAt,
            FirstAssignedAt = Earliest(list.Select(a => a.AssignedAt)),
            FirstEnRouteAt = Earliest(list.Select(a => a.EnRouteAt)),
            FirstOnSceneAt = Earliest(list.Select(a => a.OnSceneAt)),
        };
        times.CallProcessing = Between(times.ReceivedAt, times.FirstAssignedAt);
        times.Turnout = Between(times.FirstAssignedAt, times.FirstEnRouteAt);
        times.Travel = Between(times.FirstEnRouteAt, times.FirstOnSceneAt);
        times.Total = Between(times.ReceivedAt, times.FirstOnSceneAt);
        return times;
    }

    private static Timestamp? Earliest(IEnumerable<Timestamp?> stamps)
        => stamps.Where(s => s is not null).MinBy(s => s!.ToDateTimeOffset());

    private static Duration? Between(Timestamp? from, Timestamp? to)
        => from is null || to is null ? null : Duration.FromTimeSpan(TimeSpan.FromTicks(Math.Max(0, (to.ToDateTimeOffset() - from.ToDateTimeOffset()).Ticks)));

    /// <summary>Where a tier stands now: met when one of its units was on scene by the deadline, breached once the deadline passed first.</summary>
    public static TierOutcome Outcome(DateTimeOffset arriveBy, DateTimeOffset? firstOnScene, DateTimeOffset now)
        => firstOnScene is { } onScene
            ? onScene <= arriveBy ? TierOutcome.Met : TierOutcome.Breached
            : now > arriveBy ? TierOutcome.Breached : TierOutcome.Pending;

    /// <summary>One incident's figures and tier outcomes, as the statistics read them.</summary>
    public sealed record IncidentFigures(ResponseTimes Times, IReadOnlyList<TierStatus> Tiers);

    public static GetResponseStatsResponse Aggregate(IReadOnlyCollection<IncidentFigures> incidents)
    {
        var response = new GetResponseStatsResponse
        {
            Incidents = incidents.Count,
            Reached = incidents.Count(i => i.Times.FirstOnSceneAt is not null),
            CallProcessing = Summarise(incidents.Select(i => i.Times.CallProcessing)),
            Turnout = Summarise(incidents.Select(i => i.Times.Turnout)),
            Travel = Summarise(incidents.Select(i => i.Times.Travel)),
            Total = Summarise(incidents.Select(i => i.Times.Total)),
        };
        foreach (var group in incidents.SelectMany(i => i.Tiers).GroupBy(t => t.Tier).OrderBy(g => g.Key))
        {
            var met = group.Count(t => t.Outcome == TierOutcome.Met);
            var breached = group.Count(t => t.Outcome == TierOutcome.Breached);
            response.Tiers.Add(new TierCompliance
            {
                Tier = group.Key,
                Met = met,
                Breached = breached,
                Pending = group.Count(t => t.Outcome == TierOutcome.Pending),
                MetRatio = met + breached == 0 ? 0 : (double)met / (met + breached),
            });
        }
        return response;
    }

    public static DurationSummary Summarise(IEnumerable<Duration?> durations)
    {
        var sorted = durations.Where(d => d is not null).Select(d => d!.ToTimeSpan()).Order().ToList();
        if (sorted.Count == 0)
        {
            return new DurationSummary();
        }
        return new DurationSummary
        {
            Count = sorted.Count,
            Mean = Duration.FromTimeSpan(TimeSpan.FromTicks((long)sorted.Average(t => t.Ticks))),
            P50 = Duration.FromTimeSpan(Percentile(sorted, 0.50)),
            P90 = Duration.FromTimeSpan(Percentile(sorted, 0.90)),
            Max = Duration.FromTimeSpan(sorted[^1]),
        };
    }

    /// <summary>Nearest-rank percentile of a sorted list.</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> sorted, double quantile)
        => sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
}
