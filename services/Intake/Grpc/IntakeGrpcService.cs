using Confluent.Kafka;
using Contracts.Common.V1;
using Contracts.Intake.V1;
using Grpc.Core;
using Intake.Domain;
using Intake.Messaging;

namespace Intake.Grpc;

public sealed class IntakeGrpcService(
    ReportValidator validator,
    IncidentFactory factory,
    IncidentEventPublisher publisher,
    ILogger<IntakeGrpcService> logger) : IntakeService.IntakeServiceBase
{
    /// <summary>Publishes in flight at once per bulk call: keeps the producer busy without letting one caller hold unbounded memory.</summary>
    private const int BulkWindow = 512;

    public override async Task<SubmitReportResponse> SubmitReport(SubmitReportRequest request, ServerCallContext context)
    {
        var violations = validator.Validate(request.Report);
        if (violations.Count > 0)
        {
            throw Microsoft.Extensions.Hosting.GrpcErrors.InvalidArgument(violations);
        }

        var incident = factory.Create(request.Report);
        await PublishOrThrowAsync(incident, context.CancellationToken);
        return new SubmitReportResponse
        {
            IncidentId = incident.IncidentId,
            Priority = incident.Priority,
            AcceptedAt = incident.ReceivedAt,
        };
    }

    public override async Task<SubmitReportsResponse> SubmitReports(IAsyncStreamReader<SubmitReportRequest> requestStream, ServerCallContext context)
    {
        var response = new SubmitReportsResponse();
        var inFlight = new Queue<(ItemResult Result, Task<DeliveryResult<string, byte[]>> Publish)>();
        var index = 0;

        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var result = new ItemResult { Index = index++ };
            response.Results.Add(result);
            var violations = validator.Validate(request.Report);
            if (violations.Count > 0)
            {
                result.Outcome = ItemOutcome.Invalid;
                result.Violations.AddRange(violations);
                response.Invalid++;
                continue;
            }

            var incident = factory.Create(request.Report);
            result.IncidentId = incident.IncidentId;
            inFlight.Enqueue((result, publisher.PublishAsync(incident, context.CancellationToken)));
            if (inFlight.Count >= BulkWindow)
            {
                await CompleteAsync(inFlight.Dequeue(), response);
            }
        }

        while (inFlight.Count > 0)
        {
            await CompleteAsync(inFlight.Dequeue(), response);
        }
        return response;
    }

    private async Task CompleteAsync((ItemResult Result, Task<DeliveryResult<string, byte[]>> Publish) item, SubmitReportsResponse response)
    {
        try
        {
            await item.Publish;
        }
        catch (KafkaException e)
        {
            // One item not persisted fails the call: the caller must not believe any later item was accepted
            // when the broker is refusing writes. Everything is safe to resend (ids are deterministic).
            logger.LogWarning("Bulk publish failed at item {Index}: {Reason}", item.Result.Index, e.Error.Reason);
            throw Microsoft.Extensions.Hosting.GrpcErrors.Unavailable($"the event store is unavailable; item {item.Result.Index} and later were not accepted, resend them");
        }
        item.Result.Outcome = ItemOutcome.Accepted;
        response.Accepted++;
    }

    private async Task PublishOrThrowAsync(Incident incident, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishAsync(incident, cancellationToken);
        }
        catch (KafkaException e)
        {
            logger.LogWarning("Publishing incident {IncidentId} failed: {Reason}", incident.IncidentId, e.Error.Reason);
            throw Microsoft.Extensions.Hosting.GrpcErrors.Unavailable("the event store is unavailable; the report was not accepted, retry");
        }
    }
}
