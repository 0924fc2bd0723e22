using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ServiceDefaults.Security;

/// <summary>Client side: calls that carry a bearer token (tests, the local stack, benchmarks).</summary>
public static class ClientTokens
{
    /// <summary>Every call on <paramref name="channel"/> with <paramref name="token"/>.</summary>
    public static CallInvoker WithBearer(this ChannelBase channel, string token) => channel.WithBearer(_ => token);

    /// <summary>Each call with the token <paramref name="tokenFor"/> gives for its method ("/package.Service/Method").</summary>
    public static CallInvoker WithBearer(this ChannelBase channel, Func<string, string> tokenFor) => channel.Intercept(new BearerInterceptor(tokenFor));

    /// <summary>
    /// The command centre's tokens by method: an operator's where operators may call, else an
    /// administrator's (watchlists, response plans). Unit- and source-bound calls need their own token.
    /// </summary>
    public static Func<string, string> Centre(TokenIssuer issuer, TimeSpan lifetime)
    {
        var operatorToken = issuer.Issue(SuiteIdentity.Operator("centre-operator"), lifetime);
        var adminToken = issuer.Issue(SuiteIdentity.Admin("centre-admin"), lifetime);
        return method => RpcPolicies.Find(method) is { } policy && !policy.Roles.Contains(SuiteRoles.Operator) && policy.Roles.Contains(SuiteRoles.Admin)
            ? adminToken
            : operatorToken;
    }

    /// <summary>Configuration keys as environment variables (Section__Key), for a child process.</summary>
    public static Dictionary<string, string> AsEnvironment(this IReadOnlyDictionary<string, string?> settings)
        => settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value ?? "");

    private sealed class BearerInterceptor(Func<string, string> tokenFor) : Interceptor
    {
        private ClientInterceptorContext<TRequest, TResponse> WithToken<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class where TResponse : class
        {
            var headers = context.Options.Headers ?? [];
            headers.Add("authorization", $"Bearer {tokenFor(context.Method.FullName)}");
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
            => continuation(request, WithToken(context));

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
            => continuation(request, WithToken(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
            => continuation(request, WithToken(context));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
            => continuation(WithToken(context));

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
            => continuation(WithToken(context));
    }
}
