using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>
/// What a watchlist entry is found by, and what an incident offers to be matched: identifiers
/// (ID number, phone, plate, device...) everywhere in the report, and a person's name only on a
/// wanted-person sighting (a partner camera or school platform names who it recognised; a name in
/// an ordinary report is too weak to raise a P1 alert on).
/// </summary>
public static class WatchlistKeys
{
    public static IReadOnlyList<string> ForEntry(WatchlistEntry entry)
    {
        var keys = entry.Identifiers.Select(IdentifierKeys.Key).Where(k => k is not null).Select(k => k!).ToList();
        if (entry.Subject == WatchlistSubject.Person && IdentifierKeys.NameKey(entry.Name) is { } name)
        {
            keys.Add(name);
        }
        return [.. keys.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>In the order found, each once; a loop, not a query: every incident is asked.</summary>
    public static IReadOnlyList<string> ForIncident(Report report)
    {
        List<string>? keys = null;
        foreach (var identifier in report.Identifiers)
        {
            AddOnce(ref keys, IdentifierKeys.Key(identifier));
        }
        foreach (var party in report.Parties)
        {
            foreach (var identifier in party.Identifiers)
            {
                AddOnce(ref keys, IdentifierKeys.Key(identifier));
            }
        }
        if (report.ModusOperandi?.Vehicle?.Plate is { Length: > 0 } plate)
        {
            AddOnce(ref keys, IdentifierKeys.Key(IdentifierType.VehiclePlate, plate));
        }
        if (report.Category == IncidentCategory.WantedPersonSighting)
        {
            foreach (var party in report.Parties)
            {
                AddOnce(ref keys, IdentifierKeys.NameKey(party.Name));
            }
        }
        return keys ?? (IReadOnlyList<string>)[];
    }

    private static void AddOnce(ref List<string>? keys, string? key)
    {
        if (key is null)
        {
            return;
        }
        keys ??= new List<string>(4);
        if (!keys.Contains(key))
        {
            keys.Add(key);
        }
    }

    /// <summary>"ID number 330102199001011234", "name 'zhang wei'".</summary>
    public static string Describe(string key) => key.StartsWith("name:", StringComparison.Ordinal) ? $"name '{key[5..]}'" : IdentifierKeys.Describe(key);

    public static bool IsActive(WatchlistEntry entry, DateTimeOffset now) => entry.ExpiresAt is null || entry.ExpiresAt.ToDateTimeOffset() > now;
}
