using Analysis.Domain;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Google.Protobuf.WellKnownTypes;
using Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDefaults;

namespace Analysis.Application;

/// <summary>
/// Builds alerts with ids derived from what raised them (kind, triggering incident, subject), so a
/// redelivered incident or a replay raises the same alert id, and consumers de-duplicate on it.
/// </summary>
public static class Alerts
{
    public static Alert Create(AlertKind kind, Priority priority, string triggeringIncident, string subject, DateTimeOffset raisedAt)
        => new()
        {
            AlertId = DeterministicId.From("analysis-alert", kind.ToString(), triggeringIncident, subject),
            Kind = kind,
            Priority = priority,
            RaisedAt = Timestamp.FromDateTimeOffset(raisedAt),
        };
}

/// <summary>Publishes alerts to alerts.v1 (key = alert id); nothing while rebuilding state by replay.</summary>
public sealed class AlertSink(EventPublisher publisher, IOptions<AnalysisOptions> options, ILogger<AlertSink> logger)
{
    public async Task PublishAsync(IReadOnlyCollection<Alert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0 || !options.Value.PublishAlerts)
        {
            return;
        }
        await Task.WhenAll(alerts.Select(alert => PublishAsync(alert, cancellationToken)));
    }

    private async Task PublishAsync(Alert alert, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishAsync(Topics.Alerts, alert.AlertId, new AlertRaised { Metadata = publisher.NewMetadata(alert.RaisedAt), Alert = alert }, cancellationToken);
        }
        catch (Confluent.Kafka.ProduceException<string, byte[]> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.MsgSizeTooLarge)
        {
            // Retrying cannot make it fit, and retrying would hold up every incident behind this one on the partition.
            // The state it describes is stored and served by the query API; only this notification is lost.
            logger.LogError("Alert {AlertId} ({Kind}, {Incidents} incidents, {Evidence} evidence lines) is too large for the broker and was not published",
                alert.AlertId, alert.Kind, alert.IncidentIds.Count, alert.Evidence.Count);
        }
    }
}
