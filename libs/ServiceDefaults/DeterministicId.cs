using System.Security.Cryptography;
using System.Text;

namespace ServiceDefaults;

/// <summary>
/// UUIDs derived from their inputs: the same inputs give the same id on every replica and after
/// any loss of state, which is what makes retries and redeliveries idempotent.
/// </summary>
public static class DeterministicId
{
    public static string From(params ReadOnlySpan<string> parts)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts.ToArray())), hash);
        var bytes = hash[..16];
        // RFC 9562 version 8 (custom) and variant bits, so the id is a well-formed UUID.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
