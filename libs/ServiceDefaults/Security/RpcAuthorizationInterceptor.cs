using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace ServiceDefaults.Security;

/// <summary>
/// Every call to every gRPC service of a host passes here before its handler: the caller's token and
/// role are checked against <see cref="RpcPolicies"/>. Resource checks (own unit, own source) follow in
/// the handlers, which read the caller through <see cref="CallerExtensions.Caller"/>.
/// </summary>
public sealed class RpcAuthorizationInterceptor(ILogger<RpcAuthorizationInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await AnnounceStreamAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await AnnounceStreamAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task AuthorizeAsync(ServerCallContext context)
    {
        var (identity, failure) = await SuiteAuthentication.AuthenticateAsync(context.GetHttpContext());
        var decision = RpcPolicies.Decide(context.Method, identity, failure);
        if (decision.Allowed)
        {
            context.GetHttpContext().Items[typeof(SuiteIdentity)] = identity;
            return;
        }
        if (decision.Refusal == StatusCode.PermissionDenied)
        {
            logger.LogWarning("Refused {Method} to {Subject} ({Role}): {Reason}", context.Method, identity?.Subject, identity?.Role, decision.Message);
        }
        else
        {
            logger.LogInformation("Refused {Method} to an unauthenticated caller: {Reason}", context.Method, decision.Message);
        }
        throw new RpcException(new Status(decision.Refusal!.Value, decision.Message));
    }

    /// <summary>
    /// An accepted stream sends its headers at once: the caller (and the gateway, which forwards nothing
    /// before the service's headers) knows the stream is open before the first event, which may be minutes away.
    /// </summary>
    private static Task AnnounceStreamAsync(ServerCallContext context) => context.WriteResponseHeadersAsync([]);
}

public static class CallerExtensions
{
    /// <summary>The authorized caller of this call (set by <see cref="RpcAuthorizationInterceptor"/>).</summary>
    public static SuiteIdentity Caller(this ServerCallContext context)
        => context.GetHttpContext().Items[typeof(SuiteIdentity)] as SuiteIdentity
           ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "no authenticated caller"));

    /// <summary>Refuses a terminal acting for another unit.</summary>
    public static void RequireOwnUnit(this SuiteIdentity caller, string unitId)
    {
        if (caller.UnitId != unitId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"this token is bound to unit '{caller.UnitId}'; it cannot act as unit '{unitId}'"));
        }
    }
}
