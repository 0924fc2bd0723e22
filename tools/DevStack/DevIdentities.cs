using Grpc.Core;
using Grpc.Core.Interceptors;
using ServiceDefaults.Security;

namespace DevStack;

/// <summary>
/// The local stack's identity provider: a signing key made at start and held only in memory (never
/// written, never committed), the public half handed to every service and the gateway, and tokens
/// minted for the demo's clients and for the person trying the stack. A restart makes a new key, so
/// tokens of an earlier run stop working.
/// </summary>
internal sealed class DevIdentities : IDisposable
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    /// <summary>The partner whose ready token is printed: a school safety platform, as in the field reports.</summary>
    public static readonly SuiteIdentity DemoPartner = SuiteIdentity.Partner("school-safety-platform");

    /// <summary>The demo scenario files its reports as a partner system under its own source.</summary>
    public static readonly SuiteIdentity ScenarioPartner = SuiteIdentity.Partner(DemoScenario.Source);

    public static readonly SuiteIdentity DemoOperator = SuiteIdentity.Operator("devstack-operator");

    public static readonly SuiteIdentity DemoAdmin = SuiteIdentity.Admin("devstack-admin");

    private readonly DevSigningKey _key = DevSigningKey.Create();
    private readonly TokenIssuer _issuer;

    public DevIdentities() => _issuer = new TokenIssuer(_key.Credentials);

    /// <summary>Auth__SigningKeys__0__KeyId / __PublicKey for a child process's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment
        => _key.HostSettings().ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);

    public string KeyId => _key.KeyId;

    public string TokenFor(SuiteIdentity identity) => _issuer.Issue(identity, TokenLifetime);

    /// <summary>Calls on <paramref name="channel"/> as <paramref name="identity"/>.</summary>
    public CallInvoker As(ChannelBase channel, SuiteIdentity identity)
    {
        var header = $"Bearer {TokenFor(identity)}";
        return channel.Intercept(metadata =>
        {
            metadata.Add("authorization", header);
            return metadata;
        });
    }

    public void Dispose() => _key.Dispose();
}
