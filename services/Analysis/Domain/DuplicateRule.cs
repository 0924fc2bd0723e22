using Analysis.Domain.Series;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>What one report duplicates, and which later reports (processed before it) duplicate it.</summary>
public sealed record DuplicateFinding(NearbyIncident? Earlier, IReadOnlyList<NearbyIncident> Later);

/// <summary>
/// Many callers, one event: a report of the same category within 150 m and 10 minutes of an
/// earlier one duplicates it, so Dispatch merges instead of sending units twice. The original is
/// the closest earlier report in time, then in space (ties by id, so every replica picks the
/// same). Reports can be processed out of order (partitions run in parallel), so a report also
/// finds the later ones that were processed before it.
/// </summary>
public sealed class DuplicateRule(DuplicateOptions options)
{
    public TimeSpan Window => TimeSpan.FromMinutes(options.WindowMinutes);

    public double RadiusMeters => options.RadiusMeters;

    public DuplicateFinding Find(string incidentId, IncidentCategory category, DateTimeOffset occurredAt, IReadOnlyList<NearbyIncident> nearby)
    {
        // A loop, not LINQ: a series search hands over hundreds of incidents, of which a handful are this close.
        var matches = new List<NearbyIncident>();
        var window = Window;
        for (var i = 0; i < nearby.Count; i++)
        {
            var n = nearby[i];
            if (n.DistanceMeters <= options.RadiusMeters && n.Category == category && (occurredAt - n.OccurredAt).Duration() <= window && n.IncidentId != incidentId)
            {
                matches.Add(n);
            }
        }
        if (matches.Count == 0)
        {
            return new DuplicateFinding(null, []);
        }
        var earlier = matches
            .Where(n => IsBefore(n.OccurredAt, n.IncidentId, occurredAt, incidentId))
            .OrderBy(n => occurredAt - n.OccurredAt)
            .ThenBy(n => n.DistanceMeters)
            .ThenBy(n => n.IncidentId, StringComparer.Ordinal)
            .Select(n => (NearbyIncident?)n)
            .FirstOrDefault();
        var later = matches
            .Where(n => IsBefore(occurredAt, incidentId, n.OccurredAt, n.IncidentId))
            .OrderBy(n => n.OccurredAt)
            .ThenBy(n => n.IncidentId, StringComparer.Ordinal)
            .ToList();
        return new DuplicateFinding(earlier, later);
    }

    /// <summary>Ordered by time, then id, so two reports of the same instant never duplicate each other both ways.</summary>
    private static bool IsBefore(DateTimeOffset a, string aId, DateTimeOffset b, string bId)
        => a < b || (a == b && string.CompareOrdinal(aId, bId) < 0);

    public static string Evidence(IncidentCategory category, double distanceMeters, TimeSpan apart)
        => $"same category {CategoryNames.Of(category)}, {Geo.FormatDistance(distanceMeters)} and {SeriesScorer.FormatDuration(apart.Duration().TotalHours)} apart";
}

public static class CategoryNames
{
    /// <summary>"burglary", "missing person".</summary>
    public static string Of(IncidentCategory category) => category.ToString() switch
    {
        var name => string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())),
    };
}
