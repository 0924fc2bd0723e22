using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Events.V1;
using Intake.Domain;
using Messaging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Intake.Messaging;

/// <summary>
/// Publishes canonical incidents to incidents.v1, keyed by incident id, through one pipeline built
/// at start: a concurrency limit (bounded in-flight work) and a retry of transient produce errors.
/// </summary>
public sealed class IncidentEventPublisher
{
    private static readonly HashSet<ErrorCode> Transient =
    [
        ErrorCode.Local_QueueFull, ErrorCode.Local_MsgTimedOut, ErrorCode.Local_Transport, ErrorCode.Local_AllBrokersDown,
        ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicasAfterAppend,
        ErrorCode.LeaderNotAvailable, ErrorCode.NotLeaderForPartition,
    ];

    private readonly EventPublisher _publisher;
    private readonly ResiliencePipeline _pipeline;

    public IncidentEventPublisher(EventPublisher publisher, IOptions<IntakeOptions> options)
    {
        _publisher = publisher;
        var limit = options.Value.MaxInFlightPublishes;
        _pipeline = new ResiliencePipelineBuilder()
            .AddConcurrencyLimiter(permitLimit: limit, queueLimit: limit)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ProduceException<string, byte[]>>(e => !e.Error.IsFatal && Transient.Contains(e.Error.Code)),
                MaxRetryAttempts = int.MaxValue, // bounded by the caller's deadline / the consumer's stop
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            .Build();
    }

    public async Task PublishAsync(Incident incident, CancellationToken cancellationToken)
        => await _pipeline.ExecuteAsync(
            static async (state, token) => await state.Publisher.PublishAsync(
                Topics.Incidents,
                state.Incident.IncidentId,
                new IncidentReported { Metadata = state.Publisher.NewMetadata(state.Incident.ReceivedAt), Incident = state.Incident },
                token),
            (Publisher: _publisher, Incident: incident),
            cancellationToken);
}
