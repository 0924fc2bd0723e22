using System.Globalization;
using System.Text;

namespace Dispatch.Streaming;

/// <summary>
/// Where an operator is in the feed: the last Kafka offset delivered for every topic partition
/// the feed is built from. Independent of the replica, so a feed can resume on any of them.
/// Text form: "topic:partition:offset;..." (opaque to clients).
/// </summary>
public static class ResumeToken
{
    public static string Encode(IReadOnlyDictionary<(string Topic, int Partition), long> positions)
    {
        var text = new StringBuilder();
        foreach (var ((topic, partition), offset) in positions.OrderBy(p => p.Key.Topic, StringComparer.Ordinal).ThenBy(p => p.Key.Partition))
        {
            if (text.Length > 0)
            {
                text.Append(';');
            }
            text.Append(topic).Append(':').Append(partition.ToString(CultureInfo.InvariantCulture)).Append(':').Append(offset.ToString(CultureInfo.InvariantCulture));
        }
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToString()));
    }

    public static bool TryDecode(string token, out Dictionary<(string Topic, int Partition), long> positions)
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
            if (pieces.Length != 3
                || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(pieces[2], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return false;
            }
            positions[(pieces[0], partition)] = offset;
        }
        return true;
    }
}
