using Contracts.Common.V1;
using Google.Protobuf.WellKnownTypes;
using ServiceDefaults;

namespace Intake.Domain;

/// <summary>Turns a valid report into the canonical incident: normalised, with its permanent id and priority.</summary>
public sealed class IncidentFactory(TimeProvider clock)
{
    /// <summary>
    /// The same (source, external id) always yields the same id, on every replica and after any
    /// loss of state, so a report can never be minted into two incidents.
    /// </summary>
    public static string IncidentId(string source, string externalId)
        => DeterministicId.From("incident", source.Trim(), externalId.Trim());

    public Incident Create(Report report)
    {
        var normalised = report.Clone();
        normalised.Source = report.Source.Trim();
        normalised.ExternalId = report.ExternalId.Trim();
        normalised.Address = report.Address.Trim();
        normalised.District = report.District.Trim();
        normalised.Description = report.Description.Trim();
        // A report cannot precede its event, even when the event time is slightly ahead of our clock.
        normalised.ReportedAt ??= Timestamp.FromDateTimeOffset(Max(clock.GetUtcNow(), report.OccurredAt.ToDateTimeOffset()));
        foreach (var identifier in normalised.Identifiers.Concat(normalised.Parties.SelectMany(p => p.Identifiers)))
        {
            identifier.Value = identifier.Value.Trim();
        }

        return new Incident
        {
            IncidentId = IncidentId(normalised.Source, normalised.ExternalId),
            Report = normalised,
            Priority = report.Priority == Priority.Unspecified ? DefaultPriority(report.Category) : report.Priority,
            ReceivedAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        };
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>Life at risk or crime in progress is P1; non-police service is P4.</summary>
    public static Priority DefaultPriority(IncidentCategory category) => category switch
    {
        IncidentCategory.Robbery or IncidentCategory.Assault or IncidentCategory.Fire or IncidentCategory.Medical
            or IncidentCategory.SelfHarm or IncidentCategory.Crowd or IncidentCategory.WantedPersonSighting => Priority.P1,
        IncidentCategory.Burglary or IncidentCategory.MissingPerson or IncidentCategory.Traffic
            or IncidentCategory.PublicOrder or IncidentCategory.Drugs or IncidentCategory.Fraud => Priority.P2,
        IncidentCategory.Theft or IncidentCategory.Dispute or IncidentCategory.Hazard => Priority.P3,
        _ => Priority.P4,
    };
}
