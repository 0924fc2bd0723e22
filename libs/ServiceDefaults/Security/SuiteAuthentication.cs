using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Security;

/// <summary>The caller of one request as the bearer token says, or why its token was refused.</summary>
public static class SuiteAuthentication
{
    /// <summary>
    /// Authenticates with the default (JWT bearer) scheme. The handler caches its result per request,
    /// so this costs nothing after the authentication middleware ran.
    /// </summary>
    public static async Task<(SuiteIdentity? Identity, string? Failure)> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync();
        return result.Succeeded ? (SuiteIdentity.From(result.Principal), null) : (null, Describe(result.Failure));
    }

    /// <summary>A caller-facing reason: what to fix, never the token's content.</summary>
    public static string? Describe(Exception? failure) => failure switch
    {
        null => null,
        SecurityTokenExpiredException => "the bearer token has expired",
        SecurityTokenNotYetValidException => "the bearer token is not valid yet",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the bearer token's signature does not verify with any trusted key",
        SecurityTokenInvalidAudienceException => "the bearer token is meant for another audience",
        SecurityTokenInvalidIssuerException => "the bearer token comes from an untrusted issuer",
        SecurityTokenInvalidAlgorithmException => "the bearer token's algorithm is not accepted (ES256 or RS256)",
        _ => "the bearer token is not valid",
    };
}
