using System.Globalization;
using System.Text;

namespace Analysis.Streaming;

/// <summary>
/// Where a WatchAlerts caller is: the last alerts.v1 offset delivered for every partition. It does
/// not depend on the replica, so a caller can resume on any of them. Text form "partition:offset;..."
/// in base64 (opaque to callers).
/// </summary>
public static class AlertResumeToken
{
    public static string Encode(IReadOnlyDictionary<int, long> positions)
    {
        var text = new StringBuilder();
        foreach (var (partition, offset) in positions.OrderBy(p => p.Key))
        {
            if (text.Length > 0)
            {
                text.Append(';');
            }
            text.Append(partition.ToString(CultureInfo.InvariantCulture)).Append(':').Append(offset.ToString(CultureInfo.InvariantCulture));
        }
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToString()));
    }

    public static bool TryDecode(string token, out Dictionary<int, long> positions)
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
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split(':');
            if (pieces.Length != 2
                || !int.TryParse(pieces[0], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return false;
            }
            positions[partition] = offset;
        }
        return positions.Count > 0;
    }
}
