using Grpc.Core;
using Grpc.Core.Interceptors;
using ServiceDefaults.Security;

namespace Suite.IntegrationTests;

/// <summary>
/// For fixtures that host services without the suite's gateway: a signing key of their own, the
/// settings that make the hosts trust it, and clients that carry the right token.
/// </summary>
public sealed class TestTokens : IDisposable
{
    private readonly DevSigningKey _key = DevSigningKey.Create("fixture");
    private readonly TokenIssuer _issuer;

    private readonly string _operator;
    private readonly string _admin;

    public TestTokens()
    {
        _issuer = new TokenIssuer(_key.Credentials);
        _operator = Issue(SuiteIdentity.Operator("fixture-operator"));
        _admin = Issue(SuiteIdentity.Admin("fixture-admin"));
    }

    public IReadOnlyDictionary<string, string?> HostSettings => _key.HostSettings();

    public string Issue(SuiteIdentity identity) => _issuer.Issue(identity, TimeSpan.FromHours(1));

    /// <summary>
    /// Calls as the centre would make them: each method with an operator's token where operators may
    /// call it, else an administrator's (response plans). Unit-bound calls need <see cref="AsUnit"/>.
    /// </summary>
    public CallInvoker AsCentre(ChannelBase channel) => channel.Intercept(new TokenByMethod(method =>
        RpcPolicies.Find(method) is { } policy && !policy.Roles.Contains(SuiteRoles.Operator) && policy.Roles.Contains(SuiteRoles.Admin)
            ? _admin
            : _operator));

    /// <summary>Calls as the terminal of <paramref name="unitId"/>.</summary>
    public CallInvoker AsUnit(ChannelBase channel, string unitId)
    {
        var token = Issue(SuiteIdentity.Terminal(unitId));
        return channel.Intercept(new TokenByMethod(_ => token));
    }

    public void Dispose() => _key.Dispose();

    private sealed class TokenByMethod(Func<string, string> tokenFor) : Interceptor
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
