namespace Analysis.Domain.Fraud;

/// <summary>One incident of a chain: its loss (minor units) and the identifiers that link it.</summary>
public sealed record ChainIncident(string IncidentId, long LossMinor, IReadOnlyList<string> IdentifierKeys);

/// <param name="IncidentsDisconnected">Incidents cut off from the chain's largest remaining part if the identifier went away.</param>
/// <param name="Degree">Incidents of the chain that carry it.</param>
public sealed record ChokePointScore(string IdentifierKey, int IncidentsDisconnected, long LossDisconnected, int Degree);

/// <summary>
/// "The snake's seven inches": the identifiers whose removal (freezing the account, cutting the
/// number, seizing the SIM gateway) disconnects the most incidents, then the most loss, from the
/// rest of the chain. Exact: each candidate is removed in turn and the components recounted.
/// </summary>
public static class ChokePoints
{
    /// <summary>Past this many distinct identifiers only the most connected ones are tried (each try is linear in the chain).</summary>
    public const int MaxIdentifiersTried = 200;

    public static IReadOnlyList<ChokePointScore> Rank(IReadOnlyList<ChainIncident> chain, int limit)
    {
        if (chain.Count < 2)
        {
            return [];
        }
        var degree = chain.SelectMany(i => i.IdentifierKeys.Distinct()).GroupBy(k => k, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var candidates = degree.Where(d => d.Value >= 2)
            .OrderByDescending(d => d.Value).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Take(MaxIdentifiersTried).Select(d => d.Key);
        var totalLoss = chain.Sum(i => i.LossMinor);

        var scores = new List<ChokePointScore>();
        foreach (var removed in candidates)
        {
            var (largestSize, largestLoss) = LargestComponent(chain, removed);
            var disconnected = chain.Count - largestSize;
            if (disconnected > 0)
            {
                scores.Add(new ChokePointScore(removed, disconnected, totalLoss - largestLoss, degree[removed]));
            }
        }
        return [.. scores
            .OrderByDescending(s => s.IncidentsDisconnected)
            .ThenByDescending(s => s.LossDisconnected)
            .ThenByDescending(s => s.Degree)
            .ThenBy(s => s.IdentifierKey, StringComparer.Ordinal)
            .Take(limit)];
    }

    /// <summary>Size and loss of the largest part left without <paramref name="removed"/> (the richer part on a tie).</summary>
    private static (int Size, long Loss) LargestComponent(IReadOnlyList<ChainIncident> chain, string removed)
    {
        var parent = Enumerable.Range(0, chain.Count).ToArray();
        int Find(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }

        var firstCarrier = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < chain.Count; i++)
        {
            foreach (var key in chain[i].IdentifierKeys)
            {
                if (key == removed)
                {
                    continue;
                }
                if (firstCarrier.TryGetValue(key, out var other))
                {
                    parent[Find(i)] = Find(other);
                }
                else
                {
                    firstCarrier[key] = i;
                }
            }
        }

        var size = new Dictionary<int, (int Size, long Loss)>();
        for (var i = 0; i < chain.Count; i++)
        {
            var root = Find(i);
            var (s, l) = size.GetValueOrDefault(root);
            size[root] = (s + 1, l + chain[i].LossMinor);
        }
        return size.Values.OrderByDescending(v => v.Size).ThenByDescending(v => v.Loss).First();
    }
}
