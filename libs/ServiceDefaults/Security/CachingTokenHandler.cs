using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Security;

/// <summary>
/// Remembers tokens that validated, until they expire, so a terminal or partner making thousands of calls
/// with one token pays for one signature check instead of one per call (an ES256 verify costs more than the
/// rest of a unary report). Only successes are kept, and each hit hands out its own copy of the identity.
/// The parameters are the host's one fixed set, so a token that validated once validates again until expiry.
/// </summary>
public sealed class CachingTokenHandler(TokenHandler inner, TimeProvider? clock = null, int capacity = 10_000) : TokenHandler
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        if (_validated.TryGetValue(token, out var hit))
        {
            if (now < hit.Expires)
            {
                return Copy(hit.Result);
            }
            _validated.TryRemove(token, out _);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } securityToken && securityToken.ValidTo > now)
        {
            if (_validated.Count >= capacity)
            {
                Evict(now);
            }
            _validated[token] = new Validated(result, securityToken.ValidTo);
        }
        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    public int Count => _validated.Count;

    private void Evict(DateTime now)
    {
        foreach (var (token, entry) in _validated)
        {
            if (entry.Expires <= now)
            {
                _validated.TryRemove(token, out _);
            }
        }
        // Still full of live tokens: start over rather than grow without bound.
        if (_validated.Count >= capacity)
        {
            _validated.Clear();
        }
    }

    private static TokenValidationResult Copy(TokenValidationResult result) => new()
    {
        IsValid = true,
        ClaimsIdentity = result.ClaimsIdentity.Clone(),
        SecurityToken = result.SecurityToken,
        Issuer = result.Issuer,
        TokenType = result.TokenType,
    };

    private sealed record Validated(TokenValidationResult Result, DateTime Expires);
}
