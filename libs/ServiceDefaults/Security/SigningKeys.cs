using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Security;

/// <summary>Turns configured public keys into validation keys. Asymmetric only: a shared HMAC secret would let every service mint tokens.</summary>
public static class SigningKeys
{
    /// <summary>The algorithms a token may use; anything else (including "none" and HS256) is refused.</summary>
    public static IReadOnlyList<string> Algorithms { get; } = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256];

    public static bool TryParse(SigningKeyOptions options, [NotNullWhen(true)] out AsymmetricSecurityKey? key, [NotNullWhen(false)] out string? problem)
    {
        key = null;
        var text = options.PublicKey.Trim();
        if (text.Length == 0)
        {
            problem = "is empty";
            return false;
        }

        byte[] spki;
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            if (!PemEncoding.TryFind(text, out var fields))
            {
                problem = "is not valid PEM";
                return false;
            }
            var label = text[fields.Label];
            if (label != "PUBLIC KEY")
            {
                problem = label.Contains("PRIVATE", StringComparison.Ordinal)
                    ? "is a private key; services take the public key only (openssl pkey -pubout)"
                    : $"is a '{label}'; expected 'PUBLIC KEY'";
                return false;
            }
            spki = Convert.FromBase64String(text[fields.Base64Data]);
        }
        else if (!TryFromBase64(text, out spki))
        {
            problem = "is neither PEM nor base64";
            return false;
        }

        try
        {
            var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(spki, out _);
            if (ec.KeySize != 256)
            {
                problem = $"is an EC key of {ec.KeySize} bits; ES256 needs P-256";
                return false;
            }
            key = new ECDsaSecurityKey(ec) { KeyId = options.KeyId };
            problem = null;
            return true;
        }
        catch (CryptographicException)
        {
            // Not EC: try RSA below.
        }
        try
        {
            var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            if (rsa.KeySize < 2048)
            {
                problem = $"is an RSA key of {rsa.KeySize} bits; at least 2048 are required";
                return false;
            }
            key = new RsaSecurityKey(rsa) { KeyId = options.KeyId };
            problem = null;
            return true;
        }
        catch (CryptographicException)
        {
            problem = "is not an EC P-256 or RSA public key (SubjectPublicKeyInfo)";
            return false;
        }
    }

    public static IReadOnlyList<SecurityKey> Parse(IEnumerable<SigningKeyOptions> options)
        => options.Select(o => TryParse(o, out var key, out var problem) ? (SecurityKey)key : throw new InvalidOperationException($"signing key '{o.KeyId}' {problem}")).ToList();

    private static bool TryFromBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) && (bytes = bytes[..written]).Length > 0;
    }
}
