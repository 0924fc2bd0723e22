using System.Security.Cryptography;
using System.Text;
using Contracts.Common.V1;

namespace Analysis.Domain.Disputes;

/// <summary>What ties dispute reports together: the same normalised address, or the same two parties.</summary>
/// <param name="Key">Stable, short: a hash of the normalised text (a Redis hash tag).</param>
/// <param name="Description">Plain words for evidence: "address '12 jiefang rd, unit 3'".</param>
public sealed record DisputeKey(string Key, string Description);

public static class DisputeKeys
{
    public static IReadOnlyList<DisputeKey> For(Report report)
    {
        var keys = new List<DisputeKey>();
        if (NormaliseAddress(report.Address) is { Length: > 0 } address)
        {
            keys.Add(new DisputeKey("a-" + Hash(address), $"address '{address}'"));
        }

        // Every pair of identified parties (reporters included: in a dispute the caller is usually one side).
        var parties = report.Parties.Select(PartyIdentity).Where(p => p is not null).Select(p => p!).Distinct().Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < parties.Count; i++)
        {
            for (var j = i + 1; j < parties.Count; j++)
            {
                keys.Add(new DisputeKey("p-" + Hash(parties[i] + "\n" + parties[j]), $"parties {Display(parties[i])} and {Display(parties[j])}"));
            }
        }
        return keys;
    }

    /// <summary>
    /// Lower case, full-width folded, punctuation as spaces, common abbreviations unified:
    /// "No. 12, Jiefang Road (Unit 3)" and "12 jiefang rd unit 3" both become "12 jiefang rd unit 3".
    /// </summary>
    public static string NormaliseAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "";
        }
        var text = TextFolding.Fold(address).ToLowerInvariant();
        var cleaned = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            cleaned.Append(char.IsLetterOrDigit(c) ? c : ' ');
        }
        var words = cleaned.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w switch
            {
                "road" => "rd",
                "street" => "st",
                "avenue" => "ave",
                "building" or "bldg" => "bldg",
                "apartment" or "apt" or "flat" or "room" or "rm" => "unit",
                "number" or "no" => "",
                _ => w,
            })
            .Where(w => w.Length > 0);
        return string.Join(' ', words);
    }

    /// <summary>An ID number when given (strongest), otherwise the normalised name; null for an anonymous party.</summary>
    private static string? PartyIdentity(Party party)
    {
        if (party.Identifiers.FirstOrDefault(i => i.Type == IdentifierType.IdNumber) is { } id && IdentifierKeys.Key(id) is { } idKey)
        {
            return idKey;
        }
        return IdentifierKeys.NameKey(party.Name);
    }

    private static string Display(string identity) => identity.StartsWith("name:", StringComparison.Ordinal)
        ? $"'{identity[5..]}'"
        : IdentifierKeys.Describe(identity);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
}
