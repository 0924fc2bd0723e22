using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Security;

/// <summary>
/// How every host validates bearer tokens. Only public keys live here: the identity provider (or the
/// local stack) holds the private key, so a compromised service cannot mint tokens.
/// Rotation: add the new key, switch the issuer to it, remove the old one once its tokens have expired.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    [Required]
    public string Issuer { get; set; } = "incident-suite";

    [Required]
    public string Audience { get; set; } = "incident-suite";

    /// <summary>Every key a valid token may be signed with, each under the key id (JWT "kid") its tokens name.</summary>
    [MinLength(1, ErrorMessage = "Auth:SigningKeys needs at least one public key (see docs/SECURITY.md)")]
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    /// <summary>Tolerance for clocks that disagree, on expiry and not-before.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;
}

public sealed class SigningKeyOptions
{
    public string KeyId { get; set; } = "";

    /// <summary>An EC P-256 (ES256) or RSA (RS256) public key: PEM, or base64 of the DER SubjectPublicKeyInfo.</summary>
    public string PublicKey { get; set; } = "";
}

/// <summary>Every key must parse as a public key under a unique id: a host with a key it cannot use does not start.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.SigningKeys.Count; i++)
        {
            var key = options.SigningKeys[i];
            if (string.IsNullOrWhiteSpace(key.KeyId))
            {
                failures.Add($"Auth:SigningKeys:{i}:KeyId is required");
            }
            else if (!ids.Add(key.KeyId))
            {
                failures.Add($"Auth:SigningKeys:{i}:KeyId '{key.KeyId}' appears twice");
            }
            if (SigningKeys.TryParse(key, out _, out var problem) is false)
            {
                failures.Add($"Auth:SigningKeys:{i}:PublicKey: {problem}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
