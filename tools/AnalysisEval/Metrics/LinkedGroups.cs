namespace AnalysisEval.Metrics;

/// <summary>The groups a set of links connects (union-find): each item maps to its group's smallest item, ordinal.</summary>
public static class LinkedGroups
{
    public static Dictionary<string, string> Of(IEnumerable<(string A, string B)> links)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Root(string x)
        {
            parent.TryAdd(x, x);
            while (parent[x] != x)
            {
                x = parent[x] = parent[parent[x]];
            }
            return x;
        }
        foreach (var (a, b) in links)
        {
            var (ra, rb) = (Root(a), Root(b));
            if (ra != rb)
            {
                var (keep, join) = string.CompareOrdinal(ra, rb) < 0 ? (ra, rb) : (rb, ra);
                parent[join] = keep;
            }
        }
        return parent.Keys.ToList().ToDictionary(k => k, Root, StringComparer.Ordinal);
    }
}
