using System.Net;
using System.Threading.RateLimiting;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.RateLimiting;
using ServiceDefaults.Security;

namespace Gateway;

/// <summary>
/// Per-identity limits (the token's subject; an anonymous caller's IP address): a token bucket of calls,
/// and a cap on open streams. A refusal is RESOURCE_EXHAUSTED; a rate refusal says when to retry
/// (google.rpc.RetryInfo, retry-after, grpc-retry-pushback-ms).
/// </summary>
public static class CallerLimits
{
    public static void Configure(RateLimiterOptions limiter, GatewayOptions options)
    {
        var calls = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.CallBurst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / options.CallsPerSecond),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        var streams = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            GatewayRpcs.IsStreaming(context.Request.Path.Value ?? "")
                ? RateLimitPartition.GetConcurrencyLimiter(PartitionKey(context), _ => new ConcurrencyLimiterOptions { PermitLimit = options.MaxStreamsPerIdentity, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter(""));
        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(calls, streams);
        limiter.OnRejected = (rejected, _) =>
        {
            if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
            {
                return new ValueTask(GrpcResponses.WriteStatusAsync(rejected.HttpContext, StatusCode.ResourceExhausted,
                    $"rate limit: at most {options.CallBurst} calls at once and {options.CallsPerSecond} per second per caller; retry in {retryAfter.TotalMilliseconds:F0} ms",
                    new Google.Rpc.Status { Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }) } },
                    retryAfter));
            }
            return new ValueTask(GrpcResponses.WriteStatusAsync(rejected.HttpContext, StatusCode.ResourceExhausted,
                $"at most {options.MaxStreamsPerIdentity} open streams per caller; close one before opening another"));
        };
    }

    /// <summary>The authenticated subject; else the client's address, so anonymous floods are limited too.</summary>
    private static string PartitionKey(HttpContext context)
        => context.User.FindFirst(SuiteClaims.Subject)?.Value is { Length: > 0 } subject
            ? "sub:" + subject
            : "ip:" + (context.Connection.RemoteIpAddress ?? IPAddress.None);
}
