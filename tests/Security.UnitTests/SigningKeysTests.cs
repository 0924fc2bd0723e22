using System.Security.Cryptography;
using ServiceDefaults.Security;

namespace Security.UnitTests;

public sealed class SigningKeysTests
{
    [Fact]
    public void Accepts_EC_P256_and_RSA_public_keys_as_PEM_or_base64()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        foreach (var text in new[] { ec.ExportSubjectPublicKeyInfoPem(), Convert.ToBase64String(ec.ExportSubjectPublicKeyInfo()), rsa.ExportSubjectPublicKeyInfoPem() })
        {
            Assert.True(SigningKeys.TryParse(new SigningKeyOptions { KeyId = "k", PublicKey = text }, out var key, out var problem), problem);
            Assert.Equal("k", key.KeyId);
        }
    }

    [Fact]
    public void Refuses_private_keys_weak_keys_and_garbage_with_the_reason()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var weak = RSA.Create(1024);
        var cases = new Dictionary<string, string>
        {
            [ec.ExportPkcs8PrivateKeyPem()] = "private key",
            [Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())] = "P-256",
            [weak.ExportSubjectPublicKeyInfoPem()] = "2048",
            ["not a key"] = "neither PEM nor base64",
            [""] = "empty",
        };
        foreach (var (text, reason) in cases)
        {
            Assert.False(SigningKeys.TryParse(new SigningKeyOptions { KeyId = "k", PublicKey = text }, out _, out var problem));
            Assert.Contains(reason, problem);
        }
    }

    [Fact]
    public void A_key_list_for_rotation_needs_unique_ids_and_usable_keys()
    {
        using var old = DevSigningKey.Create("2026-10");
        using var next = DevSigningKey.Create("2026-11");
        var options = new AuthOptions
        {
            SigningKeys =
            [
                new() { KeyId = old.KeyId, PublicKey = old.PublicKeyBase64 },
                new() { KeyId = next.KeyId, PublicKey = next.PublicKeyPem },
            ],
        };
        Assert.True(new AuthOptionsValidator().Validate(null, options).Succeeded);

        options.SigningKeys.Add(new() { KeyId = old.KeyId, PublicKey = old.PrivateKeyPem });
        var failure = new AuthOptionsValidator().Validate(null, options);
        Assert.True(failure.Failed);
        Assert.Contains("appears twice", failure.FailureMessage);
        Assert.Contains("private key", failure.FailureMessage);
    }
}
