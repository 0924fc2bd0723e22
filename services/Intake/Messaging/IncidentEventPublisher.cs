using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Messaging;

namespace Intake.Messaging;

/// <summary>Publishes canonical incidents to incidents.v1, keyed by incident id.</summary>
public sealed class IncidentEventPublisher(EventPublisher publisher)
{
    public Task<DeliveryResult<string, byte[]>> PublishAsync(Incident incident, CancellationToken cancellationToken)
        => publisher.PublishAsync(
            Topics.Incidents,
            incident.IncidentId,
            new IncidentReported { Metadata = publisher.NewMetadata(incident.ReceivedAt), Incident = incident },
            cancellationToken);
}
