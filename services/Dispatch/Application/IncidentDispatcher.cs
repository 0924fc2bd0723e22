using System.Text;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Contracts.Events.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Messaging;
using Microsoft.Extensions.Options;
using ServiceDefaults;

namespace Dispatch.Application;

/// <summary>
/// Sends the best available unit to a new incident. Safe to run again for the same incident
/// (redelivery after a crash): the assignment id is derived from the incident, the unit it
/// meant to claim is recorded before the claim, and a claim with the same id is idempotent.
/// </summary>
public sealed class IncidentDispatcher(
    IncidentStore incidents,
    UnitStore units,
    UnitService unitService,
    EventPublisher publisher,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<IncidentDispatcher> logger)
{
    private readonly UnitSelector _selector = new(options.Value.RoadFactor, TimeSpan.FromSeconds(options.Value.PositionMaxAgeSeconds));

    public async Task DispatchAsync(Incident incident, CancellationToken cancellationToken)
    {
        var (isNew, dispatched) = await incidents.RecordAsync(incident);
        if (dispatched)
        {
            return;
        }
        if (isNew)
        {
            await incidents.AppendTimelineAsync(incident.IncidentId, Entry(TimelineEntryKind.Reported,
                $"{incident.Report.Category} {incident.Priority} reported by {incident.Report.Source}" +
                (incident.Report.Address.Length > 0 ? $" at {incident.Report.Address}" : "")));
        }

        var assignmentId = DeterministicId.From("assignment", incident.IncidentId, "tier-1", "0");
        var assignment = await incidents.GetAssignmentAsync(assignmentId) ?? await ChooseAndClaimAsync(incident, assignmentId);
        if (assignment is not null)
        {
            await publisher.PublishAsync(Topics.Assignments, incident.IncidentId,
                new UnitAssigned { Metadata = publisher.NewMetadata(assignment.AssignedAt), Assignment = assignment },
                cancellationToken);
            await unitService.AnnounceClaimAsync(assignment.UnitId, cancellationToken);
        }
        await incidents.MarkDispatchedAsync(incident.IncidentId);
    }

    private async Task<Assignment?> ChooseAndClaimAsync(Incident incident, string assignmentId)
    {
        var location = incident.Report.Location;
        var now = clock.GetUtcNow();
        var candidates = await units.FindNearAsync(location, options.Value.SearchRadiusMeters, options.Value.MaxCandidates);
        var recommendation = _selector.Recommend(location, candidates, now);

        // A retry tries the unit it meant to claim before anything else.
        var intended = await incidents.GetIntendedUnitAsync(assignmentId);
        var order = recommendation.Ranked
            .OrderBy(r => r.Unit.UnitId == intended ? 0 : 1)
            .ToList();

        var lostRaces = new List<string>();
        foreach (var choice in order)
        {
            await incidents.SetIntendedUnitAsync(assignmentId, choice.Unit.UnitId);
            if (!await units.TryClaimAsync(choice.Unit.UnitId, assignmentId))
            {
                lostRaces.Add(choice.Unit.UnitId);
                continue;
            }

            var assignment = new Assignment
            {
                AssignmentId = assignmentId,
                IncidentId = incident.IncidentId,
                UnitId = choice.Unit.UnitId,
                Tier = 1,
                Status = AssignmentStatus.Pending,
                AssignedAt = Timestamp.FromDateTimeOffset(now),
                StatusAt = Timestamp.FromDateTimeOffset(now),
                Category = incident.Report.Category,
                Priority = incident.Priority,
                IncidentLocation = location,
                Address = incident.Report.Address,
                Summary = Summarise(incident),
                DistanceM = Math.Round(choice.DistanceMeters, 1),
                EstimatedTravel = Duration.FromTimeSpan(choice.EstimatedTravel),
                Reason = $"fastest available unit: {choice.Unit.Kind} {choice.DistanceMeters:F0} m away, about {choice.EstimatedTravel.TotalSeconds:F0} s",
            };
            await incidents.SaveAssignmentAsync(assignment);
            await incidents.AppendTimelineAsync(incident.IncidentId,
                Entry(TimelineEntryKind.Decision, Explain(recommendation, choice, lostRaces)),
                Entry(TimelineEntryKind.Assigned, $"{choice.Unit.UnitId} assigned ({assignment.Reason})", choice.Unit.UnitId, assignmentId));
            logger.LogInformation("Incident {IncidentId}: assigned {UnitId} ({Distance:F0} m)", incident.IncidentId, choice.Unit.UnitId, choice.DistanceMeters);
            return assignment;
        }

        var why = recommendation.Ranked.Count == 0 && recommendation.Rejected.Count == 0
            ? $"no unit within {options.Value.SearchRadiusMeters:F0} m"
            : Explain(recommendation, null, lostRaces);
        await incidents.AppendTimelineAsync(incident.IncidentId, Entry(TimelineEntryKind.NoUnitAvailable, why));
        logger.LogWarning("Incident {IncidentId}: no unit available ({Why})", incident.IncidentId, why);
        return null;
    }

    private static string Explain(Recommendation recommendation, RankedUnit? chosen, IReadOnlyList<string> lostRaces)
    {
        var text = new StringBuilder();
        text.Append($"{recommendation.Ranked.Count + recommendation.Rejected.Count} candidates considered");
        if (recommendation.Ranked.Count > 0)
        {
            text.Append("; available: ");
            text.AppendJoin(", ", recommendation.Ranked.Take(5).Select(r => $"{r.Unit.UnitId} {r.DistanceMeters:F0} m ~{r.EstimatedTravel.TotalSeconds:F0} s"));
        }
        if (recommendation.Rejected.Count > 0)
        {
            text.Append("; passed over: ");
            text.AppendJoin(", ", recommendation.Rejected.Take(5).Select(r => $"{r.Unit.UnitId} ({r.Reason})"));
        }
        if (lostRaces.Count > 0)
        {
            text.Append($"; taken by another incident meanwhile: {string.Join(", ", lostRaces)}");
        }
        if (chosen is not null)
        {
            text.Append($"; chose {chosen.Unit.UnitId}: shortest estimated travel time");
        }
        return text.ToString();
    }

    private static string Summarise(Incident incident)
    {
        var description = incident.Report.Description;
        return description.Length <= 200 ? description : description[..200] + "…";
    }

    private TimelineEntry Entry(TimelineEntryKind kind, string summary, string unitId = "", string assignmentId = "")
        => Timeline.Entry(clock, kind, summary, unitId, assignmentId);
}
