using Grpc.Core;
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
    private readonly Func<string, string> _centre;

    public TestTokens()
    {
        _issuer = new TokenIssuer(_key.Credentials);
        _centre = ClientTokens.Centre(_issuer, TimeSpan.FromHours(1));
    }

    public IReadOnlyDictionary<string, string?> HostSettings => _key.HostSettings();

    /// <summary>Calls as the command centre makes them (operator; admin for response plans and watchlists).</summary>
    public CallInvoker AsCentre(ChannelBase channel) => channel.WithBearer(_centre);

    /// <summary>Calls as the terminal of <paramref name="unitId"/>.</summary>
    public CallInvoker AsUnit(ChannelBase channel, string unitId) => channel.WithBearer(_issuer.Issue(SuiteIdentity.Terminal(unitId), TimeSpan.FromHours(1)));

    public void Dispose() => _key.Dispose();
}
