using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDefaults.Security;

/// <summary>
/// A development signing key made at start and never written anywhere: the local stack and the tests
/// sign their tokens with it and configure the hosts with its public half. Production tokens come from
/// the identity provider, whose private key never reaches the suite.
/// </summary>
public sealed class DevSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private DevSigningKey(ECDsa key, string keyId)
    {
        _key = key;
        KeyId = keyId;
        Credentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256);
    }

    public static DevSigningKey Create(string? keyId = null)
        => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), keyId ?? $"dev-{DateTime.UtcNow:yyyyMMddHHmmss}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}");

    public string KeyId { get; }

    public SigningCredentials Credentials { get; }

    /// <summary>Base64 of the DER SubjectPublicKeyInfo: one line, fits an environment variable.</summary>
    public string PublicKeyBase64 => Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The private key, for writing to a file the operator protects (never to the repository).</summary>
    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    public static DevSigningKey FromPrivateKeyPem(string pem, string keyId)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new DevSigningKey(key, keyId);
    }

    /// <summary>Configuration entries (Section:Key) that make a host trust this key.</summary>
    public IReadOnlyDictionary<string, string?> HostSettings(int index = 0) => new Dictionary<string, string?>
    {
        [$"{AuthOptions.Section}:SigningKeys:{index}:KeyId"] = KeyId,
        [$"{AuthOptions.Section}:SigningKeys:{index}:PublicKey"] = PublicKeyBase64,
    };

    public void Dispose() => _key.Dispose();
}

/// <summary>Mints suite tokens (development and tests): issuer, audience, expiry, one role and its binding.</summary>
public sealed class TokenIssuer(SigningCredentials credentials, string issuer = "incident-suite", string audience = "incident-suite", TimeProvider? clock = null)
{
    private static readonly JsonWebTokenHandler Handler = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public string Issue(SuiteIdentity identity, TimeSpan lifetime)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        // An expired token is issued in the past so its not-before stays before its expiry.
        var issuedAt = lifetime > TimeSpan.Zero ? now : now + lifetime - TimeSpan.FromMinutes(5);
        var claims = new List<Claim>
        {
            new(SuiteClaims.Subject, identity.Subject),
            new(SuiteClaims.Role, identity.Role),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
        };
        if (identity.UnitId is not null)
        {
            claims.Add(new Claim(SuiteClaims.UnitId, identity.UnitId));
        }
        if (identity.SourceId is not null)
        {
            claims.Add(new Claim(SuiteClaims.SourceId, identity.SourceId));
        }
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = now + lifetime,
            SigningCredentials = credentials,
        });
    }
}
