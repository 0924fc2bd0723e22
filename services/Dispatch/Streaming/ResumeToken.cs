using System.Globalization;
using ServiceDefaults.Streaming;

namespace Dispatch.Streaming;

/// <summary>
/// Where an operator is in the feed: the last Kafka offset delivered for every topic partition
/// the feed is built from, as a <see cref="PositionToken"/> with "topic:partition" as key
/// ("topic:partition:offset;...").
/// </summary>
public static class ResumeToken
{
    public static string Encode(IReadOnlyDictionary<(string Topic, int Partition), long> positions)
        => PositionToken.Encode(positions.OrderBy(p => p.Key.Topic, StringComparer.Ordinal).ThenBy(p => p.Key.Partition)
            .Select(p => ($"{p.Key.Topic}:{p.Key.Partition.ToString(CultureInfo.InvariantCulture)}", p.Value)));

    public static bool TryDecode(string token, out Dictionary<(string Topic, int Partition), long> positions)
    {
        positions = [];
        if (!PositionToken.TryDecode(token, out var entries))
        {
            return false;
        }
        foreach (var (key, offset) in entries)
        {
            var pieces = key.Split(':');
            if (pieces.Length != 2 || !PositionToken.TryParsePartition(pieces[1], out var partition))
            {
                return false;
            }
            positions[(pieces[0], partition)] = offset;
        }
        return true;
    }
}
