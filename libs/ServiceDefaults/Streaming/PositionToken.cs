using System.Globalization;
using System.Text;

namespace ServiceDefaults.Streaming;

/// <summary>
/// The text of a resume token: where a stream's caller is, as the last Kafka offset delivered per source
/// (a partition, or a topic's partition), "key:offset;key:offset..." in base64 (opaque to callers). It does not
/// depend on the replica, so a caller can resume on any of them. Each stream formats and parses its own keys.
/// </summary>
public static class PositionToken
{
    /// <summary>The token of <paramref name="positions"/>, in the order given (callers sort, so equal positions give equal tokens).</summary>
    public static string Encode(IEnumerable<(string Key, long Offset)> positions)
    {
        var text = new StringBuilder();
        foreach (var (key, offset) in positions)
        {
            if (text.Length > 0)
            {
                text.Append(';');
            }
            text.Append(key).Append(':').Append(offset.ToString(CultureInfo.InvariantCulture));
        }
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>
    /// The keys and offsets of a token <see cref="Encode"/> made; false for anything else (not base64, an offset that
    /// is not a plain non-negative number, no position at all). A key is the text before an entry's last ':'.
    /// </summary>
    public static bool TryDecode(string token, out List<(string Key, long Offset)> positions)
    {
        positions = [];
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return false;
        }
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            if (colon < 0 || !long.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return false;
            }
            positions.Add((entry[..colon], offset));
        }
        return positions.Count > 0;
    }

    /// <summary>A partition number as it stands in a key: digits only.</summary>
    public static bool TryParsePartition(string text, out int partition)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out partition);
}
