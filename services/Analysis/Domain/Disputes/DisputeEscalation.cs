using Contracts.Common.V1;

namespace Analysis.Domain.Disputes;

/// <summary>One report under a dispute key, by when it happened.</summary>
/// <param name="Violent">An assault rather than a dispute: the dispute may have turned into the crime it was heading for.</param>
public sealed record DisputeReport(string IncidentId, DateTimeOffset OccurredAt, bool Violent = false)
{
    /// <summary>Reports of these categories join a dispute's history (an assault between the same people at the same door).</summary>
    public static bool Counts(IncidentCategory category) => category is IncidentCategory.Dispute or IncidentCategory.Assault;

    public static DisputeReport Of(string incidentId, IncidentCategory category, DateTimeOffset occurredAt)
        => new(incidentId, occurredAt, category == IncidentCategory.Assault);
}

/// <summary>
/// Three or more dispute reports under one key (address or parties) within 30 days: a civil dispute
/// that may be turning into a crime. An assault under the same key completes or extends that history
/// (at least threshold − 1 of the reports must be disputes: violence alone is not a dispute). Judged on when
/// the reports happened, not when they were processed, so late or out-of-order reports count the same.
/// </summary>
public static class DisputeEscalation
{
    /// <summary>
    /// The reports of the densest window of <paramref name="window"/> that contains <paramref name="newReport"/>,
    /// when it holds at least <paramref name="threshold"/> reports; otherwise null.
    /// </summary>
    public static IReadOnlyList<DisputeReport>? Evaluate(IEnumerable<DisputeReport> reportsUnderKey, DisputeReport newReport, int threshold, TimeSpan window)
    {
        var reports = reportsUnderKey
            .Where(r => r.IncidentId != newReport.IncidentId)
            .Append(newReport)
            .Where(r => (r.OccurredAt - newReport.OccurredAt).Duration() <= window)
            .OrderBy(r => r.OccurredAt)
            .ThenBy(r => r.IncidentId, StringComparer.Ordinal)
            .ToList();

        IReadOnlyList<DisputeReport>? best = null;
        var end = 0;
        for (var start = 0; start < reports.Count && reports[start].OccurredAt <= newReport.OccurredAt; start++)
        {
            end = Math.Max(end, start);
            while (end + 1 < reports.Count && reports[end + 1].OccurredAt - reports[start].OccurredAt <= window)
            {
                end++;
            }
            var count = end - start + 1;
            if (reports[end].OccurredAt >= newReport.OccurredAt && count >= threshold && (best is null || count > best.Count)
                && reports.Skip(start).Take(count).Count(r => !r.Violent) >= threshold - 1)
            {
                best = reports.GetRange(start, count);
            }
        }
        return best;
    }
}
