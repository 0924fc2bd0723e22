using Confluent.Kafka;
using Contracts.Intake.V1;
using Grpc.Core;
using Intake.Application;
using Intake.Domain;
using Microsoft.Extensions.Options;
using Polly.RateLimiting;
using ServiceDefaults.Security;
using static Microsoft.Extensions.Hosting.GrpcErrors;

namespace Intake.Grpc;

public sealed class IntakeGrpcService(ReportIntake intake, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<IntakeGrpcService> logger)
    : IntakeService.IntakeServiceBase
{
    public const int MaxMessageBytes = 64 * 1024;
    public const int MaxBulkItems = 50_000;

    /// <summary>Items of one bulk call being published at once; the stream is not read further until one completes.</summary>
    private const int BulkWindow = 1_024;

    /// <summary>
    /// Time kept back from the caller's deadline to get our answer to it before it expires. The deadline
    /// reached us as a relative timeout that the gateway forwarded unchanged, so the caller's clock is ahead
    /// of ours by the transit time, which on a busy host can be hundreds of milliseconds.
    /// </summary>
    private static TimeSpan AnswerMargin(TimeSpan remaining)
        => TimeSpan.FromTicks(Math.Clamp(remaining.Ticks / 5, TimeSpan.FromMilliseconds(250).Ticks, TimeSpan.FromSeconds(2).Ticks));

    public override async Task<SubmitReportResponse> SubmitReport(SubmitReportRequest request, ServerCallContext context)
    {
        if (SourceRefusal(context.Caller(), request.Report) is { } refusal)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, refusal));
        }
        using var publishWindow = PublishWindow(context);
        var result = await SubmitOrUnavailableAsync(request, publishWindow.Token, context.CancellationToken);
        return result.Outcome switch
        {
            IntakeOutcome.Invalid => throw InvalidArgument(result.Violations),
            _ => new SubmitReportResponse
            {
                IncidentId = result.IncidentId,
                Duplicate = result.Outcome == IntakeOutcome.Duplicate,
                Priority = result.Incident?.Priority ?? IncidentFactory.DefaultPriority(request.Report.Category),
                AcceptedAt = result.Incident?.ReceivedAt,
            },
        };
    }

    public override async Task<SubmitReportsResponse> SubmitReports(IAsyncStreamReader<SubmitReportRequest> requestStream, ServerCallContext context)
    {
        var caller = context.Caller();
        var response = new SubmitReportsResponse();
        var window = new Queue<(ItemResult Result, Task<IntakeResult> Submit)>();
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (SourceRefusal(caller, request.Report) is { } refusal)
            {
                await DrainAsync(window, 0, response);
                throw new RpcException(new Status(StatusCode.PermissionDenied,
                    $"item {index}: {refusal}; the {index} items before it were processed, nothing after it"));
            }
            if (index == MaxBulkItems)
            {
                await DrainAsync(window, 0, response);
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"at most {MaxBulkItems} items per call; the first {MaxBulkItems} were processed, send the rest in another call"));
            }
            var result = new ItemResult { Index = index++ };
            response.Results.Add(result);
            // An item waits for the broker until librdkafka's message timeout or the caller's deadline.
            window.Enqueue((result, SubmitItemAsync(request, context.CancellationToken)));
            await DrainAsync(window, BulkWindow - 1, response);
        }
        await DrainAsync(window, 0, response);
        return response;
    }

    /// <summary>
    /// A caller writes only under its own source (the source is the namespace of incident ids, so a
    /// foreign one would shadow another's reports): an empty source becomes the caller's, like the
    /// record key fills it on the partner topic; another source is refused.
    /// </summary>
    private static string? SourceRefusal(SuiteIdentity caller, Contracts.Common.V1.Report? report)
    {
        if (report is null)
        {
            return null; // the validator names the missing report
        }
        if (caller.ReportSource is not { } own)
        {
            return $"role '{caller.Role}' has no report source";
        }
        if (report.Source.Trim().Length == 0)
        {
            report.Source = own;
            return null;
        }
        return report.Source.Trim() == own ? null : $"source '{report.Source}' is not this caller's: its reports carry source '{own}'";
    }

    private async Task<IntakeResult> SubmitItemAsync(SubmitReportRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await intake.SubmitAsync(request.Report, cancellationToken);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return new IntakeResult(IntakeOutcome.Unavailable, null, null, []);
        }
    }

    private static async Task DrainAsync(Queue<(ItemResult Result, Task<IntakeResult> Submit)> window, int keep, SubmitReportsResponse response)
    {
        while (window.Count > keep || (window.Count > 0 && window.Peek().Submit.IsCompleted))
        {
            var (item, submit) = window.Dequeue();
            var outcome = await submit;
            item.IncidentId = outcome.IncidentId ?? "";
            switch (outcome.Outcome)
            {
                case IntakeOutcome.Accepted:
                    item.Outcome = ItemOutcome.Accepted;
                    response.Accepted++;
                    break;
                case IntakeOutcome.Duplicate:
                    item.Outcome = ItemOutcome.Duplicate;
                    response.Duplicates++;
                    break;
                case IntakeOutcome.Invalid:
                    item.Outcome = ItemOutcome.Invalid;
                    item.Violations.AddRange(outcome.Violations);
                    response.Invalid++;
                    break;
                default:
                    item.Outcome = ItemOutcome.Unavailable;
                    response.Unavailable++;
                    break;
            }
        }
    }

    private async Task<IntakeResult> SubmitOrUnavailableAsync(SubmitReportRequest request, CancellationToken publishWindow, CancellationToken callEnded)
    {
        try
        {
            return await intake.SubmitAsync(request.Report, publishWindow);
        }
        catch (Exception e) when (IsUnavailable(e) && !callEnded.IsCancellationRequested)
        {
            logger.LogWarning("Report not accepted: {Reason}", e.Message);
            throw Unavailable(NotAcceptedMessage);
        }
    }

    private const string NotAcceptedMessage = "the event store did not confirm the report in time; it was not accepted, resend it (resending is safe)";

    private static bool IsUnavailable(Exception e) => e is KafkaException or RateLimiterRejectedException or OperationCanceledException;

    /// <summary>How long a publish may wait for the broker: the configured limit, or less if the caller's deadline is nearer.</summary>
    private CancellationTokenSource PublishWindow(ServerCallContext context)
    {
        var window = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var limit = TimeSpan.FromSeconds(options.Value.PublishTimeoutSeconds);
        if (context.Deadline != DateTime.MaxValue)
        {
            var remaining = context.Deadline - clock.GetUtcNow().UtcDateTime;
            remaining -= AnswerMargin(remaining);
            limit = remaining < limit ? remaining : limit;
        }
        window.CancelAfter(limit > TimeSpan.Zero ? limit : TimeSpan.Zero);
        return window;
    }
}
