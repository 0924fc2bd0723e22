using Contracts.Common.V1;
using Contracts.Events.V1;
using Google.Protobuf.WellKnownTypes;
using Messaging;
using ServiceDefaults;

namespace Dispatch.Application;

/// <summary>What Dispatch tells the rest of the suite (and, through the feed, operators and terminals).</summary>
public sealed class DispatchEvents(EventPublisher publisher, TimeProvider clock)
{
    private Timestamp Now => Timestamp.FromDateTimeOffset(clock.GetUtcNow());

    public Task AssignedAsync(Assignment assignment, CancellationToken cancellationToken)
        => publisher.PublishAsync(Topics.Assignments, assignment.IncidentId,
            new UnitAssigned { Metadata = publisher.NewMetadata(assignment.AssignedAt), Assignment = assignment }, cancellationToken);

    public Task ChangedAsync(Assignment assignment, AssignmentStatus previous, string reason, CancellationToken cancellationToken)
        => publisher.PublishAsync(Topics.Assignments, assignment.IncidentId, new AssignmentChanged
        {
            Metadata = publisher.NewMetadata(assignment.StatusAt),
            Assignment = assignment,
            PreviousStatus = previous,
            Reason = reason,
        }, cancellationToken);

    public Task IncidentUpdatedAsync(IncidentUpdate update, CancellationToken cancellationToken)
        => publisher.PublishAsync(Topics.Assignments, update.IncidentId,
            new IncidentUpdated { Metadata = publisher.NewMetadata(update.At), Update = update }, cancellationToken);

    public Task UnitChangedAsync(UnitState state, UnitStatus previous, CancellationToken cancellationToken)
        => publisher.PublishAsync(Topics.Units, state.UnitId, new UnitStatusChanged
        {
            Metadata = publisher.NewMetadata(Now),
            Unit = state,
            PreviousStatus = previous,
        }, cancellationToken);

    public Task UnitMovedAsync(string unitId, GeoPoint position, DateTimeOffset at, CancellationToken cancellationToken)
        => publisher.PublishAsync(Topics.UnitPositions, unitId, new UnitMoved
        {
            Metadata = publisher.NewMetadata(Timestamp.FromDateTimeOffset(at)),
            UnitId = unitId,
            Position = position,
            At = Timestamp.FromDateTimeOffset(at),
        }, cancellationToken);

    /// <summary>
    /// SHORTFALL, SLA_AT_RISK and SLA_BREACHED, with ids derived from what they are about: raised
    /// again after a retry, they are the same alert.
    /// </summary>
    public Task AlertAsync(AlertKind kind, Incident incident, int tier, string summary, IEnumerable<string> evidence, CancellationToken cancellationToken)
    {
        var alert = new Alert
        {
            AlertId = DeterministicId.From("dispatch-alert", kind.ToString(), incident.IncidentId, tier.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Kind = kind,
            Priority = incident.Priority,
            IncidentIds = { incident.IncidentId },
            Summary = summary,
            Evidence = { evidence },
            Location = incident.Report.Location,
            RaisedAt = Now,
            Attributes = { ["tier"] = tier.ToString(System.Globalization.CultureInfo.InvariantCulture), ["raised_by"] = "dispatch" },
        };
        return publisher.PublishAsync(Topics.Alerts, alert.AlertId, new AlertRaised { Metadata = publisher.NewMetadata(alert.RaisedAt), Alert = alert }, cancellationToken);
    }
}
