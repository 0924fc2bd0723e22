using Contracts.Common.V1;
using Intake.Domain;
using Intake.Infrastructure;
using Intake.Messaging;

namespace Intake.Application;

public enum IntakeOutcome
{
    Accepted,
    Duplicate,
    Invalid,

    /// <summary>Not persisted: the event store did not acknowledge in time.</summary>
    Unavailable,
}

public sealed record IntakeResult(IntakeOutcome Outcome, Incident? Incident, string? IncidentId, IReadOnlyList<FieldViolation> Violations);

/// <summary>
/// The one way a report becomes an incident, whichever door it came through: validate, derive
/// the id, answer duplicates without publishing, publish and wait for the broker's acknowledgement.
/// </summary>
public sealed class ReportIntake(ReportValidator validator, IncidentFactory factory, AcceptedReports accepted, IncidentEventPublisher publisher)
{
    public async Task<IntakeResult> SubmitAsync(Report? report, CancellationToken cancellationToken)
    {
        var violations = validator.Validate(report);
        if (violations.Count > 0)
        {
            return new IntakeResult(IntakeOutcome.Invalid, null, null, violations);
        }

        var incident = factory.Create(report!);
        if (await accepted.WasAcceptedAsync(incident.IncidentId))
        {
            return new IntakeResult(IntakeOutcome.Duplicate, null, incident.IncidentId, []);
        }

        await publisher.PublishAsync(incident, cancellationToken);
        await accepted.MarkAcceptedAsync(incident.IncidentId);
        return new IntakeResult(IntakeOutcome.Accepted, incident, incident.IncidentId, []);
    }
}
