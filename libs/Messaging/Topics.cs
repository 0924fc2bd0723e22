namespace Messaging;

/// <summary>A topic the suite relies on, with what its records are keyed by.</summary>
public sealed record TopicSpec(string Name, string Key, string Payload);

/// <summary>Fixed topic names, so partners can rely on them. Partition counts come from <see cref="KafkaOptions.Partitions"/>.</summary>
public static class Topics
{
    public const string PartnerIncidents = "partner.incidents.v1";
    public const string Incidents = "incidents.v1";
    public const string Alerts = "alerts.v1";
    public const string Assignments = "assignments.v1";
    public const string Units = "units.v1";
    public const string UnitPositions = "unit-positions.v1";
    public const string PartnerIncidentsDeadLetter = "partner.incidents.dlq.v1";

    public static readonly IReadOnlyList<TopicSpec> All =
    [
        new(PartnerIncidents, "partner source id", "common.v1.Report (protobuf binary or protobuf JSON)"),
        new(Incidents, "incident id", "events.v1.IncidentReported"),
        new(Alerts, "alert id", "events.v1.AlertRaised"),
        new(Assignments, "incident id", "events.v1.UnitAssigned, events.v1.AssignmentChanged, events.v1.IncidentUpdated"),
        new(Units, "unit id", "events.v1.UnitStatusChanged"),
        new(UnitPositions, "unit id", "events.v1.UnitMoved"),
        new(PartnerIncidentsDeadLetter, "original key", "original bytes and headers plus reason headers"),
    ];
}
