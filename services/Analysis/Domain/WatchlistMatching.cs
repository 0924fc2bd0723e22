using System.Globalization;
using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>A watchlist entry a report matches, with the evidence an operator reads on the P1 alert.</summary>
public sealed record WatchlistMatch(WatchlistEntry Entry, IReadOnlyList<string> Evidence);

/// <summary>
/// Whether a report that shares index keys with a watchlist entry is a hit. An identifier (ID number, plate, phone,
/// device) is a hit on its own. A person's name is not: common names have thousands of bearers, so a name match
/// needs a corroborating attribute the entry has and the sighting reports (birth year within the reported age
/// range, the same sex), and any contradiction (another ID number, the other sex, an age that does not fit) rules
/// the namesake out. An 18-digit resident ID number on the entry gives its birth year and sex (GB 11643: birth date
/// in digits 7-14, an odd 17th digit for a man).
/// </summary>
public static class WatchlistMatching
{
    public static WatchlistMatch? Judge(WatchlistEntry entry, IReadOnlyCollection<string> matchedKeys, Report report, DateTimeOffset occurredAt)
    {
        var who = Who(entry);
        var identifiers = matchedKeys.Where(k => !k.StartsWith("name:", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (identifiers.Count > 0)
        {
            return new WatchlistMatch(entry, [.. identifiers.Select(k => $"{WatchlistKeys.Describe(k)} matches watchlist entry {entry.EntryId} {who}: {entry.Reason}")]);
        }

        // By name only: judged per party that bears the name; the first corroborated one wins.
        var entryIdNumbers = entry.Identifiers.Where(i => i.Type == IdentifierType.IdNumber).Select(IdentifierKeys.Key).Where(k => k is not null).ToHashSet(StringComparer.Ordinal);
        var (birthYear, sex) = Attributes(entry);
        foreach (var party in report.Parties.Where(p => IdentifierKeys.NameKey(p.Name) is { } key && matchedKeys.Contains(key)))
        {
            var partyIdNumbers = party.Identifiers.Where(i => i.Type == IdentifierType.IdNumber).Select(IdentifierKeys.Key).Where(k => k is not null).ToList();
            if (entryIdNumbers.Count > 0 && partyIdNumbers.Count > 0 && !partyIdNumbers.Any(entryIdNumbers.Contains))
            {
                continue; // another person's ID number: a namesake
            }
            var corroborated = new List<string>();
            var partySex = NormaliseSex(party.Sex);
            if (sex is not null && partySex is not null)
            {
                if (sex != partySex)
                {
                    continue;
                }
                corroborated.Add($"sex {sex}");
            }
            if (birthYear is { } year && AgeRange(party) is { } ages)
            {
                var (earliest, latest) = (occurredAt.Year - ages.Max - 1, occurredAt.Year - ages.Min);
                if (year < earliest || year > latest)
                {
                    continue;
                }
                corroborated.Add($"born {year}, reported age {ages.Min}-{ages.Max}");
            }
            if (corroborated.Count == 0)
            {
                continue;
            }
            return new WatchlistMatch(entry,
            [
                $"name '{party.Name.Trim()}' and {string.Join(" and ", corroborated)} match watchlist entry {entry.EntryId} {who}: {entry.Reason}",
                "matched by name and description, not by an identifier: confirm the identity before acting",
            ]);
        }
        return null;
    }

    /// <summary>The entry's birth year and sex: its own fields first, else from an 18-digit resident ID number.</summary>
    public static (int? BirthYear, string? Sex) Attributes(WatchlistEntry entry)
    {
        int? birthYear = entry.BirthYear > 0 ? entry.BirthYear : null;
        var sex = NormaliseSex(entry.Sex);
        foreach (var id in entry.Identifiers.Where(i => i.Type == IdentifierType.IdNumber).Select(i => IdentifierKeys.Normalise(i.Type, i.Value)))
        {
            if (id.Length != 18 || !id[..17].All(char.IsAsciiDigit)
                || !DateOnly.TryParseExact(id[6..14], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
            {
                continue;
            }
            birthYear ??= born.Year;
            sex ??= (id[16] - '0') % 2 == 1 ? "male" : "female";
        }
        return (birthYear, sex);
    }

    private static (int Min, int Max)? AgeRange(Party party)
    {
        if (party.AgeMin <= 0 && party.AgeMax <= 0)
        {
            return null;
        }
        var min = party.AgeMin > 0 ? party.AgeMin : party.AgeMax;
        var max = party.AgeMax > 0 ? party.AgeMax : party.AgeMin;
        return min <= max ? (min, max) : (max, min);
    }

    /// <summary>"male" or "female"; null when empty or not recognised.</summary>
    public static string? NormaliseSex(string? sex) => sex?.Trim().ToLowerInvariant() switch
    {
        "m" or "male" or "man" or "男" => "male",
        "f" or "female" or "woman" or "女" => "female",
        _ => null,
    };

    private static string Who(WatchlistEntry entry) => entry.Name.Length > 0 ? $"'{entry.Name}'" : $"entry {entry.EntryId}";
}
