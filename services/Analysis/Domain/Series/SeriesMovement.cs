using System.Globalization;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;

namespace Analysis.Domain.Series;

/// <summary>Where a series has been and where it is likely to strike next.</summary>
/// <param name="Path">Located members' positions in time order.</param>
/// <param name="LastPosition">Where the latest located offence happened; null when no member has a position.</param>
/// <param name="NextArea">The patrol recommendation: the next outing's area on its most likely night; null when no member has a position.</param>
/// <param name="PatrolPlan">Where and when to patrol, in time order: the rest of the last offence's night around it, then the next outing's area on each likely night; windows over at the time asked are left out.</param>
/// <param name="Districts">Districts in the order the series first entered them.</param>
public sealed record SeriesMovement(
    IReadOnlyList<GeoPoint> Path,
    GeoPoint? LastPosition,
    PatrolRecommendation? NextArea,
    IReadOnlyList<PatrolRecommendation> PatrolPlan,
    IReadOnlyList<string> Districts)
{
    // Reported times of night offences are estimates (a burglary is found in the morning): an hour either side of the
    // usual hour missed most next offences on the generated months; two catch most.
    private const double MinWindowHalfHours = 2;
    private const double MaxWindowHalfHours = 6;

    /// <summary>
    /// A crew that moves steadily and far between outings (a roaming crew: <see cref="RoamingStepM"/> or more per outing,
    /// more than its moves vary) is expected ahead of its last offence by the recency-weighted mean move between outings;
    /// any other crew around its last offence (measured on the generated months: extrapolating every crew's recent moves
    /// put the next offence inside the circle less often than the same circle around the last offence,
    /// docs/ANALYSIS-EVALUATION.md). The radius covers how much the recent moves varied and, around the last offence, how
    /// far the crew moved between outings (root mean square); the window is the crew's usual
    /// hour of day (circular mean, ± its spread) on the day the usual gap between outings points to. The patrol plan
    /// (<see cref="Plan"/>) adds the rest of the last offence's night and the other likely nights, as of <paramref name="asOf"/>.
    /// </summary>
    public static SeriesMovement From(IEnumerable<SeriesMember> members, SeriesOptions options, DateTimeOffset asOf)
    {
        var ordered = members.OrderBy(m => m.OccurredAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue).ToList();
        var districts = ordered.Select(m => m.District?.Trim() ?? "").Where(d => d.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var located = ordered.Where(m => Geo.IsUsable(m.Location)).ToList();
        var path = located.Select(m => m.Location.Clone()).ToList();
        if (located.Count == 0)
        {
            return new SeriesMovement(path, null, null, [], districts);
        }

        var last = located[^1].Location;
        var (eastM, northM, spreadM, movesUsed) = RecentDisplacement(located, options.MovementRecentSteps);
        var stepM = Math.Sqrt(eastM * eastM + northM * northM);
        var outings = LastOfEachOuting(located);
        var (nightEastM, nightNorthM, nightSpreadM, nightMoves) = RecentDisplacement(outings, options.MovementRecentSteps);
        var nightStepM = Math.Sqrt(nightEastM * nightEastM + nightNorthM * nightNorthM);
        var roaming = nightMoves >= 2 && nightStepM >= Math.Max(RoamingStepM, nightSpreadM);
        var center = roaming ? Geo.Move(last, nightEastM, nightNorthM) : last.Clone();
        // A crew that is not followed ahead strikes next about as far from its last offence as it moved between outings.
        var outingMoves = outings.Zip(outings.Skip(1), (a, b) => Geo.DistanceM(a.Location, b.Location)).ToList();
        var wander = roaming || outingMoves.Count == 0 ? 0 : Math.Sqrt(outingMoves.Average(m => m * m));
        var radius = Math.Clamp(Math.Max(Math.Max(spreadM, stepM / 2), wander), options.MinPatrolRadiusM, options.MaxPatrolRadiusM);

        var timeZone = options.TimeZone;
        var times = ordered.Where(m => m.OccurredAt is not null).Select(m => m.OccurredAt.ToDateTimeOffset()).ToList();
        var window = NextWindow(times, timeZone);

        var recommendation = new PatrolRecommendation
        {
            Center = new GeoPoint { Latitude = Math.Round(center.Latitude, 6), Longitude = Math.Round(center.Longitude, 6) },
            RadiusM = Math.Round(radius),
            Explanation = Explain(ordered.Count, located.Count, movesUsed, roaming ? (nightEastM, nightNorthM, nightStepM, nightMoves) : null, radius, window, districts, timeZone),
        };
        if (window is { } w)
        {
            recommendation.From = Timestamp.FromDateTimeOffset(w.From);
            recommendation.To = Timestamp.FromDateTimeOffset(w.To);
        }

        var plan = window is { } rhythm
            ? Plan(located, times, rhythm, recommendation.Center, radius, roaming ? (nightEastM, nightNorthM) : null, options, asOf)
            : [];
        return new SeriesMovement(path, last.Clone(), recommendation, plan, districts);
    }

    /// <summary>
    /// Where and when to patrol: around the last offence for <see cref="SeriesOptions.ContinuationHours"/> after it (a
    /// night's offences come minutes to an hour or two apart, a few hundred metres on: the radius is the largest such step
    /// seen, at least <see cref="DefaultContinuationRadiusM"/>), then the next outing's area at the crew's usual hour on
    /// each night from the next one to one past the longest pause seen between outings (at most
    /// <see cref="SeriesOptions.MaxPatrolNights"/>, and that many when no pause has been seen yet). Crews pause a
    /// varying number of nights, so one night's window is a guess among several; the plan says what covering them takes.
    /// Windows that end before <paramref name="asOf"/> are left out: a burglary found in the morning has no night left.
    /// </summary>
    /// <param name="rhythm">The next-area window: its usual hour and half-width serve every night of the plan.</param>
    private static List<PatrolRecommendation> Plan(
        List<SeriesMember> located, IReadOnlyList<DateTimeOffset> times, TimeWindow rhythm, GeoPoint nextCentre, double nextRadiusM,
        (double EastM, double NorthM)? roamingMove, SeriesOptions options, DateTimeOffset asOf)
    {
        var plan = new List<PatrolRecommendation>();
        var timeZone = options.TimeZone;
        var lastAt = times.Max();
        var last = located[^1].Location;
        var sameNightSteps = located.Zip(located.Skip(1), (a, b) => (a, b))
            .Where(p => p.a.OccurredAt is not null && p.b.OccurredAt is not null
                        && p.b.OccurredAt.ToDateTimeOffset() - p.a.OccurredAt.ToDateTimeOffset() < OutingGap)
            .Select(p => Geo.DistanceM(p.a.Location, p.b.Location)).ToList();
        var continuationRadius = Math.Clamp(Math.Max(DefaultContinuationRadiusM, sameNightSteps.DefaultIfEmpty(0).Max()), options.MinPatrolRadiusM, options.MaxPatrolRadiusM);
        var continuationEnd = lastAt + TimeSpan.FromHours(options.ContinuationHours);
        if (options.ContinuationHours > 0 && continuationEnd > asOf)
        {
            plan.Add(Recommendation(last, continuationRadius, lastAt, continuationEnd,
                $"the rest of this outing: crews often strike again within {options.ContinuationHours:0.#} h, a few streets on; patrol within {Geo.FormatDistance(continuationRadius)} of the last offence until {TimeZoneInfo.ConvertTime(continuationEnd, timeZone):HH:mm}"));
        }

        var (usualHour, halfWidth) = (rhythm.UsualHour, rhythm.HalfWidthHours);
        var pauses = OutingGapsHours(times).Select(h => (int)Math.Max(1, Math.Round(h / 24))).ToList();
        var lastNight = Math.Min(pauses.Count == 0 ? options.MaxPatrolNights : pauses.Max() + 1, options.MaxPatrolNights);
        var where = roamingMove is { } move
            ? $"ahead of the crew, {Geo.FormatDistance(Math.Sqrt(move.EastM * move.EastM + move.NorthM * move.NorthM))} {Geo.CompassPoint(move.EastM, move.NorthM)} of the last offence"
            : "around the last offence";
        var pace = pauses.Count == 0 ? "no pause between outings seen yet" : $"pauses of {string.Join(", ", pauses.Distinct().Order())} night(s) seen";
        DateTimeOffset? previous = null;
        for (var night = 1; night <= lastNight; night++)
        {
            var centre = UsualHourNear(lastAt.AddDays(night), usualHour, halfWidth, lastAt, timeZone);
            var from = centre - TimeSpan.FromHours(halfWidth);
            var to = centre + TimeSpan.FromHours(halfWidth);
            if (to <= asOf || centre == previous)
            {
                continue;
            }

            previous = centre;
            from = from < lastAt ? lastAt : from;
            plan.Add(Recommendation(nextCentre, nextRadiusM, from, to,
                $"next outing, night {night} after the last offence ({pace}): within {Geo.FormatDistance(nextRadiusM)} {where}; watch {TimeZoneInfo.ConvertTime(from, timeZone):yyyy-MM-dd HH:mm}-{TimeZoneInfo.ConvertTime(to, timeZone):HH:mm} ({timeZone.Id})"));
        }

        return plan;
    }

    /// <summary>A night's offences in the reports are a few hundred metres to about a kilometre apart.</summary>
    private const double DefaultContinuationRadiusM = 1200;

    private static PatrolRecommendation Recommendation(GeoPoint centre, double radiusM, DateTimeOffset from, DateTimeOffset to, string explanation) => new()
    {
        Center = new GeoPoint { Latitude = Math.Round(centre.Latitude, 6), Longitude = Math.Round(centre.Longitude, 6) },
        RadiusM = Math.Round(radiusM),
        From = Timestamp.FromDateTimeOffset(from.ToUniversalTime()),
        To = Timestamp.FromDateTimeOffset(to.ToUniversalTime()),
        Explanation = explanation,
    };

    /// <summary>Offences closer in time are one outing (a night's work); the moves that say where the crew goes next are between outings.</summary>
    private static readonly TimeSpan OutingGap = TimeSpan.FromHours(6);

    /// <summary>A crew moving this far or more per outing, steadily, is followed ahead; below, it works around its last offence.</summary>
    private const double RoamingStepM = 2000;

    private static List<SeriesMember> LastOfEachOuting(List<SeriesMember> located)
        => [.. located.Where((m, i) => i + 1 == located.Count || m.OccurredAt is null || located[i + 1].OccurredAt is null
                                       || located[i + 1].OccurredAt.ToDateTimeOffset() - m.OccurredAt.ToDateTimeOffset() >= OutingGap)];

    /// <summary>Recency-weighted mean of the latest moves (east, north, metres) and the weighted RMS of the moves around it.</summary>
    private static (double EastM, double NorthM, double SpreadM, int MovesUsed) RecentDisplacement(List<SeriesMember> located, int recentSteps)
    {
        var moves = new List<(double East, double North)>();
        for (var i = Math.Max(1, located.Count - recentSteps); i < located.Count; i++)
        {
            moves.Add(Geo.Offset(located[i - 1].Location, located[i].Location));
        }

        if (moves.Count == 0)
        {
            return (0, 0, 0, 0);
        }

        // Weights 1, 2, 3 ...: the latest move says most about the next one.
        var weights = Enumerable.Range(1, moves.Count).Select(w => (double)w).ToList();
        var total = weights.Sum();
        var east = moves.Select((m, i) => m.East * weights[i]).Sum() / total;
        var north = moves.Select((m, i) => m.North * weights[i]).Sum() / total;
        var variance = moves.Select((m, i) => weights[i] * (Math.Pow(m.East - east, 2) + Math.Pow(m.North - north, 2))).Sum() / total;
        return (east, north, Math.Sqrt(variance), moves.Count);
    }

    internal readonly record struct TimeWindow(DateTimeOffset From, DateTimeOffset To, double UsualHour, double HalfWidthHours, double GapHours);

    /// <summary>
    /// The usual local hour (circular mean) ± its circular spread (2..6 h), on the day nearest to last offence + median gap
    /// between outings (a day when there is none yet).
    /// Null without any time.
    /// </summary>
    internal static TimeWindow? NextWindow(IReadOnlyList<DateTimeOffset> times, TimeZoneInfo timeZone)
    {
        if (times.Count == 0)
        {
            return null;
        }

        var (usualHour, halfWidth) = UsualHour(times, timeZone);
        var last = times.Max();
        var gaps = OutingGapsHours(times).Order().ToList();
        // A single outing tells nothing about the pace: assume the next night, the common rhythm of the crews in the reports.
        var gapHours = gaps.Count == 0 ? 24 : Math.Max(1, gaps[gaps.Count / 2]);
        var expected = last.AddHours(gapHours);
        var centre = UsualHourNear(expected, usualHour, halfWidth, last, timeZone);
        var from = centre - TimeSpan.FromHours(halfWidth);
        if (from < last)
        {
            from = last;
        }

        return new TimeWindow(from.ToUniversalTime(), (centre + TimeSpan.FromHours(halfWidth)).ToUniversalTime(), usualHour, halfWidth, gapHours);
    }

    /// <summary>The usual local hour (circular mean) and half the window around it (its circular spread, 2..6 h).</summary>
    private static (double UsualHour, double HalfWidthHours) UsualHour(IReadOnlyList<DateTimeOffset> times, TimeZoneInfo timeZone)
    {
        var localHours = times.Select(t => TimeZoneInfo.ConvertTime(t, timeZone).TimeOfDay.TotalHours).ToList();
        var sin = localHours.Average(h => Math.Sin(h / 24 * 2 * Math.PI));
        var cos = localHours.Average(h => Math.Cos(h / 24 * 2 * Math.PI));
        var usualHour = (Math.Atan2(sin, cos) / (2 * Math.PI) * 24 + 24) % 24;
        var resultant = Math.Sqrt(sin * sin + cos * cos);
        var spreadHours = resultant >= 1 ? 0 : Math.Sqrt(-2 * Math.Log(Math.Max(resultant, 1e-9))) / (2 * Math.PI) * 24;
        // To the minute: a patrol window reads "22:26-02:26", not a fraction of a second.
        return (Math.Round(usualHour * 60) / 60, Math.Round(Math.Clamp(spreadHours, MinWindowHalfHours, MaxWindowHalfHours) * 60) / 60);
    }

    /// <summary>The pauses between outings, in hours: a night's offences minutes apart say nothing about when the crew comes back.</summary>
    private static IEnumerable<double> OutingGapsHours(IReadOnlyList<DateTimeOffset> times)
    {
        var sorted = times.Order().ToList();
        return sorted.Zip(sorted.Skip(1), (x, y) => (y - x).TotalHours).Where(h => h >= OutingGap.TotalHours);
    }

    /// <summary>The usual hour on the local day before, of or after <paramref name="expected"/>: the nearest one whose window is still open after <paramref name="after"/>.</summary>
    private static DateTimeOffset UsualHourNear(DateTimeOffset expected, double usualHour, double halfWidthHours, DateTimeOffset after, TimeZoneInfo timeZone)
    {
        var expectedLocal = TimeZoneInfo.ConvertTime(expected, timeZone);
        return Enumerable.Range(-1, 3)
            .Select(d => expectedLocal.Date.AddDays(d).AddHours(usualHour))
            .Select(local => new DateTimeOffset(local, timeZone.GetUtcOffset(local)))
            .Where(c => c + TimeSpan.FromHours(halfWidthHours) > after)
            .OrderBy(c => Math.Abs((c - expected).TotalHours))
            .DefaultIfEmpty(expected)
            .First();
    }

    /// <param name="roaming">The steady move per outing when the crew is followed ahead; null when it works around its last offence.</param>
    private static string Explain(
        int members, int located, int movesUsed, (double EastM, double NorthM, double StepM, int Outings)? roaming, double radiusM,
        TimeWindow? window, IReadOnlyList<string> districts, TimeZoneInfo timeZone)
    {
        var parts = new List<string>();
        var where = districts.Count > 1 ? $" across {districts.Count} districts ({string.Join(", ", districts)})" : "";
        parts.Add($"{members} offences{where}");
        if (movesUsed == 0)
        {
            parts.Add($"only {located} located: patrol within {Geo.FormatDistance(radiusM)} of it");
        }
        else if (roaming is { } r)
        {
            parts.Add($"moving about {Geo.FormatDistance(r.StepM)} {Geo.CompassPoint(r.EastM, r.NorthM)} per outing over the last {r.Outings} outings:"
                      + $" next likely within {Geo.FormatDistance(radiusM)} of the extrapolated point");
        }
        else
        {
            parts.Add($"no steady long moves between outings: patrol within {Geo.FormatDistance(radiusM)} of the last offence");
        }

        if (window is { } w)
        {
            var usual = TimeSpan.FromHours(w.UsualHour);
            var from = TimeZoneInfo.ConvertTime(w.From, timeZone);
            var to = TimeZoneInfo.ConvertTime(w.To, timeZone);
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"usually around {usual:hh\\:mm} (±{w.HalfWidthHours:0.#} h), about every {SeriesScorer.FormatDuration(w.GapHours)}: watch {from:yyyy-MM-dd HH:mm}-{to:HH:mm} ({timeZone.Id})"));
        }

        return string.Join("; ", parts);
    }
}
