using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Dispatch.Application;
using Dispatch.Domain;
using Dispatch.Infrastructure;
using Dispatch.Messaging;
using Dispatch.Streaming;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ServiceDefaults;
using ServiceDefaults.Security;
using static Microsoft.Extensions.Hosting.GrpcErrors;

namespace Dispatch.Grpc;

public sealed class DispatchGrpcService(
    TerminalSessions terminals,
    FeedHub feed,
    UnitService unitService,
    UnitStore units,
    AssignmentService assignments,
    IncidentStore incidents,
    IOptions<DispatchOptions> options,
    ILogger<DispatchGrpcService> logger) : DispatchService.DispatchServiceBase
{
    public override async Task Connect(IAsyncStreamReader<TerminalMessage> requestStream, IServerStreamWriter<DispatchMessage> responseStream, ServerCallContext context)
    {
        var callEnded = context.CancellationToken;
        if (!await requestStream.MoveNext(callEnded))
        {
            return;
        }
        var hello = requestStream.Current.Hello ?? throw InvalidArgument("hello", "REQUIRED", "the first message on a terminal stream must be a hello");
        context.Caller().RequireOwnUnit(hello.UnitId);
        ValidateHello(hello);

        var session = terminals.Open(hello.UnitId, options.Value.TerminalQueue);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callEnded, session.Ended);
        var writer = WriteOutboxAsync(session, responseStream, callEnded);
        try
        {
            var unit = await unitService.ConnectAsync(hello, session.SessionId, callEnded);
            session.TryEnqueue(new DispatchMessage { Welcome = new Welcome { SessionId = session.SessionId, Unit = unit } });
            await ResendPendingAsync(session, unit);
            logger.LogInformation("Terminal {UnitId} connected (session {SessionId})", hello.UnitId, session.SessionId);

            await foreach (var message in requestStream.ReadAllAsync(linked.Token))
            {
                await HandleTerminalMessageAsync(hello.UnitId, message, callEnded);
            }
        }
        catch (OperationCanceledException) when (session.Ended.IsCancellationRequested && !callEnded.IsCancellationRequested)
        {
            // Superseded or too slow: reported below.
        }
        finally
        {
            terminals.Close(session);
            session.Outbox.Writer.TryComplete();
            await unitService.DisconnectAsync(hello.UnitId, session.SessionId, CancellationToken.None);
        }
        await writer;
        if (session.EndReason is { } reason)
        {
            throw new RpcException(new Status(StatusCode.Aborted, reason));
        }
    }

    private static async Task WriteOutboxAsync(TerminalSession session, IServerStreamWriter<DispatchMessage> responseStream, CancellationToken callEnded)
    {
        try
        {
            await foreach (var message in session.Outbox.Reader.ReadAllAsync(callEnded))
            {
                await responseStream.WriteAsync(message, callEnded);
            }
        }
        catch (OperationCanceledException)
        {
            // The call ended; unacknowledged assignments are re-sent on the next connection.
        }
    }

    private async Task ResendPendingAsync(TerminalSession session, UnitState unit)
    {
        if (unit.CurrentAssignmentId.Length > 0
            && await incidents.GetAssignmentAsync(unit.CurrentAssignmentId) is { Status: AssignmentStatus.Pending } pending)
        {
            await FeedFanoutHandler.PushAsync(session, pending, incidents);
        }
    }

    private async Task HandleTerminalMessageAsync(string unitId, TerminalMessage message, CancellationToken cancellationToken)
    {
        switch (message.KindCase)
        {
            case TerminalMessage.KindOneofCase.Position when IsValidPosition(message.Position.Position):
                await unitService.UpdatePositionAsync(unitId, message.Position.Position, message.Position.At);
                break;
            case TerminalMessage.KindOneofCase.Position:
                throw InvalidArgument("position.position", "OUT_OF_RANGE", "a position needs latitude within ±85.05 (the mappable range) and longitude within ±180");
            case TerminalMessage.KindOneofCase.Status when message.Status.Status is UnitStatus.Available or UnitStatus.Busy or UnitStatus.OffDuty:
                await unitService.SetStatusAsync(unitId, message.Status.Status, cancellationToken);
                break;
            case TerminalMessage.KindOneofCase.Status:
                throw InvalidArgument("status.status", "NOT_SETTABLE", "a terminal sets AVAILABLE, BUSY or OFF_DUTY; assignment progress goes through UpdateAssignment");
            case TerminalMessage.KindOneofCase.Ack:
                await ChangeAssignmentAsync(message.Ack.AssignmentId, AssignmentStatus.Acknowledged, unitId, "", cancellationToken);
                break;
            case TerminalMessage.KindOneofCase.Hello:
                throw InvalidArgument("hello", "UNEXPECTED", "hello is only allowed as the first message");
            default:
                throw InvalidArgument("kind", "REQUIRED", "empty terminal message");
        }
    }

    public override async Task WatchFeed(WatchFeedRequest request, IServerStreamWriter<FeedEvent> responseStream, ServerCallContext context)
    {
        Dictionary<(string Topic, int Partition), long>? resumeFrom = null;
        if (request.ResumeToken.Length > 0 && !ResumeToken.TryDecode(request.ResumeToken, out resumeFrom))
        {
            throw InvalidArgument("resume_token", "INVALID_FORMAT", "not a token this feed issued");
        }
        using var subscription = feed.Subscribe(resumeFrom)
            ?? throw new RpcException(new Status(StatusCode.OutOfRange, "the resume token is older than the events this feed still holds; start a new feed and reload state with GetIncident / ListUnits"));
        try
        {
            await foreach (var feedEvent in subscription.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(feedEvent, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            return;
        }
        if (subscription.FailureReason is { } reason)
        {
            throw new RpcException(new Status(subscription.FailureStatus, reason));
        }
    }

    public override Task<Assignment> UpdateAssignment(UpdateAssignmentRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.AssignmentId))
        {
            throw InvalidArgument("assignment_id", "REQUIRED", "assignment_id is required");
        }
        if (request.Status is not (AssignmentStatus.EnRoute or AssignmentStatus.OnScene or AssignmentStatus.Resolved or AssignmentStatus.Acknowledged))
        {
            throw InvalidArgument("status", "NOT_SETTABLE", "status must be ACKNOWLEDGED, EN_ROUTE, ON_SCENE or RESOLVED");
        }
        // Only the assigned unit's terminal reports its progress.
        return ChangeAssignmentAsync(request.AssignmentId, request.Status, context.Caller().UnitId ?? "", request.Note, context.CancellationToken);
    }

    private async Task<Assignment> ChangeAssignmentAsync(string assignmentId, AssignmentStatus status, string? unitId, string note, CancellationToken cancellationToken)
    {
        try
        {
            return await assignments.ChangeStatusAsync(assignmentId, status, unitId, note, cancellationToken);
        }
        catch (AssignmentService.AssignmentException e) when (e.NotFound)
        {
            throw NotFound(e.Message);
        }
        catch (AssignmentService.AssignmentException e) when (e.Reason == "NOT_YOURS")
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, e.Message));
        }
        catch (AssignmentService.AssignmentException e) when (e.Reason == "INVALID_TRANSITION")
        {
            throw FailedPrecondition(e.Message);
        }
        catch (AssignmentService.AssignmentException e)
        {
            throw InvalidArgument(e.Field, e.Reason, e.Message);
        }
    }

    public override async Task<IncidentRecord> GetIncident(GetIncidentRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.IncidentId))
        {
            throw InvalidArgument("incident_id", "REQUIRED", "incident_id is required");
        }
        return await incidents.GetRecordAsync(request.IncidentId)
            ?? throw NotFound($"incident {request.IncidentId} is not known to Dispatch");
    }

    public override async Task<ListUnitsResponse> ListUnits(ListUnitsRequest request, ServerCallContext context)
    {
        var all = await units.ListAsync();
        return new ListUnitsResponse
        {
            Units =
            {
                all.Where(u => (request.Statuses.Count == 0 || request.Statuses.Contains(u.Status))
                            && (request.Kind == UnitKind.Unspecified || request.Kind == u.Kind)),
            },
        };
    }

    private static void ValidateHello(Hello hello)
    {
        var violations = new List<FieldViolation>();
        if (string.IsNullOrWhiteSpace(hello.UnitId) || hello.UnitId.Length > 64 || hello.UnitId.Any(c => char.IsControl(c) || c is '{' or '}'))
        {
            violations.Add(new FieldViolation { Field = "hello.unit_id", Reason = "REQUIRED", Description = "unit_id is required: up to 64 characters, no braces or control characters" });
        }
        if (hello.Kind == UnitKind.Unspecified || !Enum.IsDefined(hello.Kind))
        {
            violations.Add(new FieldViolation { Field = "hello.kind", Reason = "REQUIRED", Description = "the unit kind is required" });
        }
        if (!IsValidPosition(hello.Position))
        {
            violations.Add(new FieldViolation { Field = "hello.position", Reason = "REQUIRED", Description = "a position with latitude within ±85.05 (the mappable range) and longitude within ±180 is required" });
        }
        if (hello.Status is UnitStatus.Assigned or UnitStatus.EnRoute or UnitStatus.OnScene)
        {
            violations.Add(new FieldViolation { Field = "hello.status", Reason = "NOT_SETTABLE", Description = "a terminal reports AVAILABLE, BUSY or OFF_DUTY; assignment statuses come from Dispatch" });
        }
        if (violations.Count > 0)
        {
            throw InvalidArgument(violations);
        }
    }

    private static bool IsValidPosition(GeoPoint? position)
        => position is not null && GeoLimits.IsValid(position.Latitude, position.Longitude);
}
