using Analysis.Domain.Series;
using Analysis.Infrastructure;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>A series as the API and the alerts show it: members, the links between them with evidence, and movement.</summary>
public sealed class SeriesReader(SeriesGraph graph, IncidentStore incidents, IOptions<SeriesOptions> options, TimeProvider clock)
{
    public async Task<Contracts.Analysis.V1.Series?> ReadAsync(string seriesId)
    {
        if (await graph.MembersAsync(seriesId) is not { } found)
        {
            return null;
        }
        var memberIds = found.Members.ToHashSet(StringComparer.Ordinal);
        var stored = await Task.WhenAll(found.Members.Select(id => incidents.GetWithLinksAsync(id, LinkKind.Series)));

        var series = new Contracts.Analysis.V1.Series { SeriesId = found.Name };
        var members = new List<SeriesMember>();
        var links = new Dictionary<(string, string), SeriesLink>();
        for (var i = 0; i < found.Members.Count; i++)
        {
            if (stored[i] is not { } entry)
            {
                // Past its retention: still a member, without details.
                members.Add(new SeriesMember { IncidentId = found.Members[i] });
                continue;
            }
            var report = entry.Incident.Report ?? new Report();
            members.Add(new SeriesMember
            {
                IncidentId = entry.Incident.IncidentId,
                Location = report.Location,
                OccurredAt = report.OccurredAt,
                District = report.District,
                Category = report.Category,
            });
            foreach (var link in entry.Links.Where(l => l.Linked && memberIds.Contains(l.IncidentId)))
            {
                var pair = string.CompareOrdinal(entry.Incident.IncidentId, link.IncidentId) < 0
                    ? (entry.Incident.IncidentId, link.IncidentId)
                    : (link.IncidentId, entry.Incident.IncidentId);
                links.TryAdd(pair, new SeriesLink { IncidentA = pair.Item1, IncidentB = pair.Item2, Score = link.Score, Evidence = { link.Evidence } });
            }
        }

        series.Members.AddRange(members.OrderBy(m => m.OccurredAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue).ThenBy(m => m.IncidentId, StringComparer.Ordinal));
        series.Links.AddRange(links.OrderBy(l => l.Key.Item1, StringComparer.Ordinal).ThenBy(l => l.Key.Item2, StringComparer.Ordinal).Select(l => l.Value));
        var movement = SeriesMovement.From(series.Members, options.Value, clock.GetUtcNow());
        series.Path.AddRange(movement.Path);
        series.LastPosition = movement.LastPosition;
        series.NextArea = movement.NextArea;
        series.PatrolPlan.AddRange(movement.PatrolPlan);
        series.Districts.AddRange(movement.Districts);
        return series;
    }
}
