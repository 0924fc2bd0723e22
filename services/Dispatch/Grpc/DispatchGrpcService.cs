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
    IncidentLifecycle lifecycle,
    SupportService support,
    PlanStore plans,
    ResponseEngine engine,
    IOptions<DispatchOptions> options,
    TimeProvider clock,
    ILogger<DispatchGrpcService> logger) : DispatchService.DispatchServiceBase
{
    private const int StatsLimit = 200_000;

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

        var session = new TerminalSession(hello.UnitId, options.Value.TerminalQueue);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callEnded, session.Ended);
        var writer = WriteOutboxAsync(session, responseStream, callEnded);
        try
        {
            var unit = await unitService.ConnectAsync(hello, session.SessionId, callEnded);
            session.TryEnqueue(new DispatchMessage { Welcome = new Welcome { SessionId = session.SessionId, Unit = unit } });
            // Pushes reach the session from here on; an assignment made before is in the store, and ResendAsync pushes it.
            terminals.Register(session);
            await ResendAsync(session, unit);
            logger.LogInformation("Terminal {UnitId} connected (session {SessionId})", hello.UnitId, session.SessionId);

            await foreach (var message in requestStream.ReadAllAsync(linked.Token))
            {
                await HandleTerminalMessageAsync(session, message, callEnded);
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

    /// <summary>On (re)connect: the unacknowledged assignment again (marked as a redelivery if pushed before), and recent withdrawals the terminal may have missed.</summary>
    private async Task ResendAsync(TerminalSession session, UnitState unit)
    {
        var since = clock.GetUtcNow() - TimeSpan.FromMinutes(options.Value.WithdrawalMemoryMinutes);
        foreach (var withdrawnId in await units.RecentWithdrawalsAsync(unit.UnitId, since))
        {
            if (await incidents.GetAssignmentAsync(withdrawnId) is { } withdrawn)
            {
                session.TryEnqueue(FeedFanoutHandler.WithdrawalMessage(withdrawnId, withdrawn.Assignment.IncidentId, "withdrawn while this terminal was away"));
            }
        }
        if (unit.CurrentAssignmentId.Length > 0
            && await incidents.GetAssignmentAsync(unit.CurrentAssignmentId) is { Assignment.Status: AssignmentStatus.Pending } pending)
        {
            await FeedFanoutHandler.PushAsync(session, pending.Assignment, incidents);
        }
    }

    private async Task HandleTerminalMessageAsync(TerminalSession session, TerminalMessage message, CancellationToken cancellationToken)
    {
        var unitId = session.UnitId;
        switch (message.KindCase)
        {
            case TerminalMessage.KindOneofCase.Position when IsValidPosition(message.Position.Position):
                await unitService.UpdatePositionAsync(unitId, message.Position.Position, message.Position.At, cancellationToken);
                break;
            case TerminalMessage.KindOneofCase.Position:
                throw InvalidArgument("position.position", "OUT_OF_RANGE", "a position needs latitude within ±85.05 (the mappable range) and longitude within ±180");
            case TerminalMessage.KindOneofCase.Status when message.Status.Status is UnitStatus.Available or UnitStatus.Busy or UnitStatus.OffDuty:
                if (await unitService.SetOwnStatusAsync(unitId, message.Status.Status, cancellationToken) is null)
                {
                    throw FailedPrecondition($"{unitId} is on an assignment: report its progress (resolved) before setting {message.Status.Status}");
                }
                break;
            case TerminalMessage.KindOneofCase.Status:
                throw InvalidArgument("status.status", "NOT_SETTABLE", "a terminal sets AVAILABLE, BUSY or OFF_DUTY; assignment progress goes through progress or UpdateAssignment");
            case TerminalMessage.KindOneofCase.Ack:
                await AcknowledgeAsync(session, message.Ack.AssignmentId, cancellationToken);
                break;
            case TerminalMessage.KindOneofCase.Progress when message.Progress.Status is AssignmentStatus.EnRoute or AssignmentStatus.OnScene or AssignmentStatus.Resolved:
                await ProgressAsync(session, message.Progress, cancellationToken);
                break;
            case TerminalMessage.KindOneofCase.Progress:
                throw InvalidArgument("progress.status", "NOT_SETTABLE", "progress is EN_ROUTE, ON_SCENE or RESOLVED");
            case TerminalMessage.KindOneofCase.Support:
                await RequestSupportAsync(new RequestSupportRequest(message.Support) { RequestedByUnitId = unitId }, cancellationToken);
                break;
            case TerminalMessage.KindOneofCase.Hello:
                throw InvalidArgument("hello", "UNEXPECTED", "hello is only allowed as the first message");
            default:
                throw InvalidArgument("kind", "REQUIRED", "empty terminal message");
        }
    }

    /// <summary>Progress on an assignment that was withdrawn meanwhile is answered with the withdrawal again, not an error that would end the stream.</summary>
    private async Task ProgressAsync(TerminalSession session, AssignmentProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            await assignments.ChangeStatusAsync(progress.AssignmentId, progress.Status, session.UnitId, progress.Note, cancellationToken);
        }
        catch (AssignmentService.AssignmentException e) when (e.Current is { Status: AssignmentStatus.Withdrawn } withdrawn)
        {
            session.TryEnqueue(FeedFanoutHandler.WithdrawalMessage(progress.AssignmentId, withdrawn.IncidentId, "progress reported after it was withdrawn"));
        }
        catch (AssignmentService.AssignmentException e) when (e.NotFound)
        {
            throw NotFound(e.Message);
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

    /// <summary>
    /// An acknowledgement. A late one (the assignment was withdrawn meanwhile) is answered with the
    /// withdrawal again rather than an error that would end the stream; a repeated one is a no-op.
    /// </summary>
    private async Task AcknowledgeAsync(TerminalSession session, string assignmentId, CancellationToken cancellationToken)
    {
        try
        {
            await assignments.ChangeStatusAsync(assignmentId, AssignmentStatus.Acknowledged, session.UnitId, "", cancellationToken);
        }
        catch (AssignmentService.AssignmentException e) when (e.Current is { Status: AssignmentStatus.Withdrawn } withdrawn)
        {
            session.TryEnqueue(FeedFanoutHandler.WithdrawalMessage(assignmentId, withdrawn.IncidentId, "acknowledged after it was withdrawn"));
        }
        catch (AssignmentService.AssignmentException e) when (e.Current is not null)
        {
            // Already further along (en route, on scene, resolved): the acknowledgement is implied.
        }
        catch (AssignmentService.AssignmentException e) when (e.NotFound)
        {
            throw NotFound(e.Message);
        }
        catch (AssignmentService.AssignmentException e)
        {
            throw InvalidArgument(e.Field, e.Reason, e.Message);
        }
    }

    public override async Task WatchFeed(WatchFeedRequest request, IServerStreamWriter<FeedEvent> responseStream, ServerCallContext context)
    {
        Dictionary<(string Topic, int Partition), long>? resumeFrom = null;
        if (request.ResumeToken.Length > 0 && !ResumeToken.TryDecode(request.ResumeToken, out resumeFrom))
        {
            throw InvalidArgument("resume_token", "INVALID_FORMAT", "not a token this feed issued");
        }
        var (filter, violations) = FeedFilter.From(request);
        if (filter is null)
        {
            throw InvalidArgument(violations);
        }
        using var subscription = feed.Subscribe(resumeFrom, filter)
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
        return await incidents.GetRecordAsync(request.IncidentId, clock.GetUtcNow())
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

    public override async Task<RecommendUnitsResponse> RecommendUnits(RecommendUnitsRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        if (!IsValidPosition(request.Location))
        {
            violations.Add(new FieldViolation { Field = "location", Reason = "REQUIRED", Description = "a location with latitude within ±85.05 and longitude within ±180 is required" });
        }
        if (request.Kinds.Count > 0)
        {
            if (request.Kinds.Any(k => k == UnitKind.Unspecified || !Enum.IsDefined(k)))
            {
                violations.Add(new FieldViolation { Field = "kinds", Reason = "UNKNOWN_VALUE", Description = "kinds must be defined unit kinds" });
            }
            if (request.Count is < 0 or > 100)
            {
                violations.Add(new FieldViolation { Field = "count", Reason = "OUT_OF_RANGE", Description = "count is 0 (default 10) to 100" });
            }
        }
        else if (request.AlertKind == AlertKind.Unspecified && (request.Priority == Priority.Unspecified || !Enum.IsDefined(request.Priority)))
        {
            violations.Add(new FieldViolation { Field = "priority", Reason = "REQUIRED", Description = "priority P1..P4 is required (or an alert_kind)" });
        }
        if (request.AlertKind is not (AlertKind.Unspecified or AlertKind.WatchlistHit or AlertKind.Intercept))
        {
            violations.Add(new FieldViolation { Field = "alert_kind", Reason = "NOT_DISPATCHABLE", Description = "only WATCHLIST_HIT and INTERCEPT alerts have plans" });
        }
        if (violations.Count > 0)
        {
            throw InvalidArgument(violations);
        }
        var plan = request.Kinds.Count > 0
            ? ResponsePlans.AdHoc(request.Kinds, request.Count > 0 ? request.Count : 10)
            : ResponsePlans.Match(await plans.EffectiveAsync(), request.Category, request.Priority, request.AlertKind)
            ?? throw FailedPrecondition($"no response plan matches {request.Category} {request.Priority} {request.AlertKind}");
        return engine.Preview(plan, request.Location, request.Language.Length > 0 ? request.Language : null);
    }

    public override Task<RequestSupportResponse> RequestSupport(RequestSupportRequest request, ServerCallContext context)
    {
        // A terminal asks for its own unit (empty: filled in); an operator may name any unit or none.
        if (context.Caller() is { Role: SuiteRoles.Terminal } terminal)
        {
            if (request.RequestedByUnitId.Length == 0)
            {
                request.RequestedByUnitId = terminal.UnitId!;
            }
            terminal.RequireOwnUnit(request.RequestedByUnitId);
        }
        return RequestSupportAsync(request, context.CancellationToken);
    }

    private async Task<RequestSupportResponse> RequestSupportAsync(RequestSupportRequest request, CancellationToken cancellationToken)
    {
        if (SupportService.Validate(request) is { Count: > 0 } violations)
        {
            throw InvalidArgument(violations);
        }
        try
        {
            return await support.RequestAsync(request, cancellationToken);
        }
        catch (SupportService.SupportException e) when (e.NotFound)
        {
            throw NotFound(e.Message);
        }
        catch (SupportService.SupportException e)
        {
            throw FailedPrecondition(e.Message);
        }
    }

    public override async Task<IncidentRecord> CloseIncident(CloseIncidentRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.IncidentId))
        {
            throw InvalidArgument("incident_id", "REQUIRED", "incident_id is required");
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw InvalidArgument("reason", "REQUIRED", "say why the incident is closed; it goes on the timeline");
        }
        if (!await lifecycle.CloseAsync(request.IncidentId, request.Reason.Trim(), context.CancellationToken))
        {
            throw NotFound($"incident {request.IncidentId} is not known to Dispatch");
        }
        return (await incidents.GetRecordAsync(request.IncidentId, clock.GetUtcNow()))!;
    }

    public override async Task<GetResponseStatsResponse> GetResponseStats(GetResponseStatsRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        var to = request.To?.ToDateTimeOffset() ?? now;
        var from = request.From?.ToDateTimeOffset() ?? to - TimeSpan.FromHours(24);
        if (from > to)
        {
            throw InvalidArgument("from", "OUT_OF_RANGE", "from must not be after to");
        }
        var figures = await incidents.FiguresAsync(from, to, now, StatsLimit);
        return ResponseFigures.Aggregate(figures
            .Where(f => (request.Category == IncidentCategory.Unspecified || f.Incident.Report.Category == request.Category)
                     && (request.Priority == Priority.Unspecified || f.Incident.Priority == request.Priority))
            .Select(f => f.Figures).ToList());
    }

    public override async Task<ResponsePlan> UpsertResponsePlan(UpsertResponsePlanRequest request, ServerCallContext context)
    {
        if (ResponsePlans.Validate(request.Plan) is { Count: > 0 } violations)
        {
            throw InvalidArgument(violations);
        }
        await plans.SaveAsync(request.Plan);
        logger.LogInformation("Response plan {PlanId} stored", request.Plan.PlanId);
        return request.Plan;
    }

    public override async Task<ListResponsePlansResponse> ListResponsePlans(ListResponsePlansRequest request, ServerCallContext context)
        => new() { Plans = { await plans.EffectiveAsync() } };

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
