using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Application;

/// <summary>
/// "A single request, the whole network responds": a unit (or operator) asks for more units on
/// an incident; they are chosen and sent like a tier of its plan, and everyone watching sees the
/// request. Idempotent by request id.
/// </summary>
public sealed class SupportService(IncidentStore incidents, ResponseEngine engine, DispatchEvents events, TimeProvider clock)
{
    public const int DefaultTargetSeconds = 300;

    public sealed class SupportException(string message, bool notFound) : Exception(message)
    {
        public bool NotFound { get; } = notFound;
    }

    public static readonly UnitDemand DefaultDemand = new() { Count = 2, Kinds = { UnitKind.PatrolCar, UnitKind.FootPatrol } };

    public static List<FieldViolation> Validate(RequestSupportRequest request)
    {
        var violations = new List<FieldViolation>();
        if (string.IsNullOrWhiteSpace(request.RequestId) || request.RequestId.Length > 128)
        {
            violations.Add(new FieldViolation { Field = "request_id", Reason = "REQUIRED", Description = "request_id is required (up to 128 characters): a repeat with the same id is answered, not executed again" });
        }
        if (string.IsNullOrWhiteSpace(request.IncidentId))
        {
            violations.Add(new FieldViolation { Field = "incident_id", Reason = "REQUIRED", Description = "incident_id is required" });
        }
        if (request.TargetSeconds is < 0 or > 86_400)
        {
            violations.Add(new FieldViolation { Field = "target_seconds", Reason = "OUT_OF_RANGE", Description = "target_seconds is 0 (default 300) to 86,400" });
        }
        for (var i = 0; i < request.Units.Count; i++)
        {
            ResponsePlans.ValidateDemand(request.Units[i], $"units[{i}]", violations);
        }
        return violations;
    }

    public async Task<RequestSupportResponse> RequestAsync(RequestSupportRequest request, CancellationToken cancellationToken)
    {
        var meta = await incidents.GetMetaAsync(request.IncidentId);
        if (meta?.Incident is not { } incident)
        {
            throw new SupportException($"incident {request.IncidentId} is not known to Dispatch", notFound: true);
        }
        if (meta.State != IncidentState.Open)
        {
            throw new SupportException($"incident {request.IncidentId} is {meta.State}: open a new report instead", notFound: false);
        }
        var location = incident.Report.Location;
        var tier = new ResponseTier
        {
            Tier = await incidents.AllocateTierAsync(request.IncidentId, "support:" + request.RequestId),
            TargetSeconds = request.TargetSeconds > 0 ? request.TargetSeconds : DefaultTargetSeconds,
        };
        tier.Units.AddRange(request.Units.Count > 0 ? request.Units : [DefaultDemand]);
        var who = request.RequestedByUnitId.Length > 0 ? request.RequestedByUnitId : "an operator";
        var summary = $"{who} asked for support" + (request.Reason.Length > 0 ? $": {request.Reason}" : "")
            + $" ({string.Join(" + ", tier.Units.Select(u => $"{u.Count} x {ResponsePlanner.Kinds(u)}"))} within {tier.TargetSeconds} s, tier {tier.Tier})";
        var now = clock.GetUtcNow();
        await incidents.AppendTimelineAsync(request.IncidentId, Timeline.Entry(clock, $"support/{request.RequestId}", TimelineEntryKind.SupportRequested,
            summary, request.RequestedByUnitId, tier: tier.Tier));
        await events.IncidentUpdatedAsync(new IncidentUpdate
        {
            IncidentId = request.IncidentId,
            Kind = IncidentUpdateKind.SupportRequested,
            State = IncidentState.Open,
            Summary = summary,
            Priority = incident.Priority,
            Location = location,
            UnitId = request.RequestedByUnitId,
            At = Timestamp.FromDateTimeOffset(now),
        }, cancellationToken);

        var assignments = await engine.RespondAsync(new ResponseContext(incident, location, meta.PlanId), [tier], $"support/{request.RequestId}/", now, cancellationToken);
        var (status, _, _) = await incidents.GetTierAsync(request.IncidentId, tier.Tier);
        return new RequestSupportResponse { Assignments = { assignments }, Shortfall = status?.Shortfall ?? "" };
    }
}
