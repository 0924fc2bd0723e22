using System.Globalization;
using ServiceDefaults.Streaming;

namespace Analysis.Streaming;

/// <summary>
/// Where a WatchAlerts caller is: the last alerts.v1 offset delivered for every partition, as a
/// <see cref="PositionToken"/> with the partition number as key ("partition:offset;...").
/// </summary>
public static class AlertResumeToken
{
    public static string Encode(IReadOnlyDictionary<int, long> positions)
        => PositionToken.Encode(positions.OrderBy(p => p.Key).Select(p => (p.Key.ToString(CultureInfo.InvariantCulture), p.Value)));

    public static bool TryDecode(string token, out Dictionary<int, long> positions)
    {
        positions = [];
        if (!PositionToken.TryDecode(token, out var entries))
        {
            return false;
        }
        foreach (var (key, offset) in entries)
        {
            if (!PositionToken.TryParsePartition(key, out var partition))
            {
                return false;
            }
            positions[partition] = offset;
        }
        return true;
    }
}
