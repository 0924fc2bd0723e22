using Analysis.Domain;
using Analysis.Infrastructure;
using Analysis.Streaming;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static Microsoft.Extensions.Hosting.GrpcErrors;

namespace Analysis.Grpc;

public sealed class AnalysisGrpcService(
    IncidentIndex index,
    AlertHub alerts,
    IOptions<AnalysisOptions> options,
    IHostApplicationLifetime lifetime) : AnalysisService.AnalysisServiceBase
{
    public override async Task<GetIncidentLinksResponse> GetIncidentLinks(GetIncidentLinksRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.IncidentId))
        {
            throw InvalidArgument("incident_id", "REQUIRED", "incident_id is required");
        }

        bool known;
        try
        {
            known = await index.ContainsAsync(request.IncidentId);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw Unavailable("the incident index is unreachable; retry later");
        }
        if (!known)
        {
            throw NotFound($"incident {request.IncidentId} is not indexed by Analysis: unknown, not consumed yet, "
                           + $"or received more than {options.Value.IncidentRetentionDays} days ago");
        }

        // Linking is not implemented yet (see analysis.proto): an indexed incident has no links.
        return new GetIncidentLinksResponse { IncidentId = request.IncidentId };
    }

    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<AlertEvent> responseStream, ServerCallContext context)
    {
        if (!Enum.IsDefined(request.MaxPriority))
        {
            throw InvalidArgument("max_priority", "UNKNOWN_VALUE", $"unknown priority {(int)request.MaxPriority}");
        }
        if (request.Area is { } area && GeoBoxes.Problem(area) is { } problem)
        {
            throw InvalidArgument("area", "INVALID_AREA", problem);
        }
        Dictionary<int, long>? resumeFrom = null;
        if (request.ResumeToken.Length > 0 && !AlertResumeToken.TryDecode(request.ResumeToken, out resumeFrom))
        {
            throw InvalidArgument("resume_token", "INVALID_FORMAT", "not a token WatchAlerts issued");
        }

        using var subscription = alerts.Subscribe(AlertFilter.From(request), resumeFrom)
            ?? throw new RpcException(new Status(StatusCode.OutOfRange,
                "the resume token is older than the alerts this replica still holds; start a new watch without a token and reload with GetSeries / GetFraudChain"));
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, subscription.Ended, lifetime.ApplicationStopping);
        try
        {
            // The only writer of this response stream.
            await foreach (var alertEvent in subscription.Reader.ReadAllAsync(ended.Token))
            {
                await responseStream.WriteAsync(alertEvent, ended.Token);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // Reported below, unless the caller went away.
        }

        if (context.CancellationToken.IsCancellationRequested)
        {
            return;
        }
        if (subscription.FailureReason is { } reason)
        {
            throw new RpcException(new Status(subscription.FailureStatus, reason));
        }
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            throw Unavailable("Analysis is shutting down; reconnect with the last resume token to continue watching alerts");
        }
    }
}
