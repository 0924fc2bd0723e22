using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDefaults.Security;

namespace Security.UnitTests;

public sealed class CachingTokenHandlerTests : IDisposable
{
    private readonly DevSigningKey _key = DevSigningKey.Create("k1");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly CountingHandler _inner = new();

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task A_token_that_validated_is_not_verified_again_and_each_caller_gets_its_own_identity()
    {
        var handler = new CachingTokenHandler(_inner, _clock);
        var token = Issue(TimeSpan.FromMinutes(10));

        var first = await handler.ValidateTokenAsync(token, Parameters());
        var second = await handler.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _inner.Validations);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal("unit-7", second.ClaimsIdentity.FindFirst(SuiteClaims.UnitId)?.Value);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        var handler = new CachingTokenHandler(_inner, _clock);
        var token = Issue(TimeSpan.FromMinutes(2));
        Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);

        _clock.Advance(TimeSpan.FromMinutes(3));

        var late = await handler.ValidateTokenAsync(token, Parameters());
        Assert.False(late.IsValid);
        Assert.IsAssignableFrom<SecurityTokenValidationException>(late.Exception);
        Assert.Equal(2, _inner.Validations);
    }

    [Fact]
    public async Task Refused_tokens_are_checked_every_time()
    {
        var handler = new CachingTokenHandler(_inner, _clock);
        using var stranger = DevSigningKey.Create("k1");
        var forged = new TokenIssuer(stranger.Credentials, clock: _clock).Issue(SuiteIdentity.Terminal("unit-7"), TimeSpan.FromMinutes(10));

        Assert.False((await handler.ValidateTokenAsync(forged, Parameters())).IsValid);
        Assert.False((await handler.ValidateTokenAsync(forged, Parameters())).IsValid);
        Assert.Equal(2, _inner.Validations);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task The_cache_never_grows_past_its_capacity()
    {
        var handler = new CachingTokenHandler(_inner, _clock, capacity: 5);
        for (var i = 0; i < 12; i++)
        {
            Assert.True((await handler.ValidateTokenAsync(Issue(TimeSpan.FromMinutes(10)), Parameters())).IsValid);
            Assert.InRange(handler.Count, 1, 5);
        }
    }

    private string Issue(TimeSpan lifetime)
        => new TokenIssuer(_key.Credentials, clock: _clock).Issue(SuiteIdentity.Terminal("unit-7"), lifetime);

    private TokenValidationParameters Parameters() => new()
    {
        ValidIssuer = "incident-suite",
        ValidAudience = "incident-suite",
        IssuerSigningKey = SigningKeys.TryParse(new SigningKeyOptions { KeyId = "k1", PublicKey = _key.PublicKeyBase64 }, out var key, out _) ? key : null,
        ClockSkew = TimeSpan.Zero,
        LifetimeValidator = (_, expires, _, _) => expires > _clock.GetUtcNow().UtcDateTime,
    };

    private sealed class CountingHandler : TokenHandler
    {
        private readonly JsonWebTokenHandler _real = new() { MapInboundClaims = false };

        public int Validations { get; private set; }

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Validations++;
            return _real.ValidateTokenAsync(token, validationParameters);
        }
    }
}
