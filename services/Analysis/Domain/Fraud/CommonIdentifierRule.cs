namespace Analysis.Domain.Fraud;

/// <summary>Why an identifier does not link fraud reports (the state the fraud graph keeps per identifier).</summary>
public enum CommonReason
{
    /// <summary>Carried by more reports than <see cref="FraudOptions.CommonIdentifierDegree"/>.</summary>
    TooManyReports = 1,

    /// <summary>
    /// A bridge: at least <see cref="FraudOptions.BridgeMinGroups"/> of its reports, and most of them, have nothing
    /// else linking them (a bank's hotline, a popular app's URL).
    /// </summary>
    Bridge = 2,

    /// <summary>Listed in <see cref="FraudOptions.PublicIdentifiers"/> by an administrator.</summary>
    ListedPublic = 3,
}

/// <summary>
/// When an identifier stops linking fraud reports. A scam operation's mule account, caller number or SIM gateway is
/// named by its victims together with the operation's other infrastructure, so the reports carrying it are mostly
/// connected through those too. A bank's hotline or a popular app's URL is named by victims of unrelated scams: its
/// reports otherwise fall apart into as many groups as there are reports. The fraud graph script
/// (<see cref="Infrastructure.GraphScripts.FraudLink"/>) applies the thresholds held here: an identifier is a bridge
/// when its reports form at least <see cref="BridgeMinGroups"/> groups, at least <see cref="BridgeShare"/> of its
/// reports (or at least <see cref="BridgeDecisiveGroups"/> groups, whatever the share), through the linking identifiers
/// carried by fewer reports than it (ties by key). Judging each identifier
/// only on those below it, from the least carried up, makes the answer a function of the reports, whatever their
/// order: two hotlines named together cannot hold each other up, and a bridge links again as soon as its reports come
/// together. The degree cap bounds what one identifier can cost, and the public list covers what an administrator
/// already knows.
/// </summary>
public sealed class CommonIdentifierRule
{
    private readonly HashSet<string> _publicKeys;
    private readonly string[] _publicHosts;

    public CommonIdentifierRule(FraudOptions options)
    {
        MaxDegree = options.CommonIdentifierDegree;
        BridgeMinGroups = options.BridgeMinGroups;
        BridgeShare = options.BridgeShare;
        BridgeDecisiveGroups = options.BridgeDecisiveGroups;
        MaxNeighbourhoodReports = options.MaxNeighbourhoodReports;
        _publicKeys = options.PublicIdentifiers.Select(ParsePublic).Where(k => k is not null).Select(k => k!).ToHashSet(StringComparer.Ordinal);
        _publicHosts = [.. _publicKeys.Where(k => k.StartsWith(UrlPrefix, StringComparison.Ordinal) && !k.Contains('/', StringComparison.Ordinal)).Select(k => k[UrlPrefix.Length..])];
    }

    private const string UrlPrefix = "url:";

    public int MaxDegree { get; }

    public int BridgeMinGroups { get; }

    public double BridgeShare { get; }

    public int BridgeDecisiveGroups { get; }

    /// <summary>Reports read at most, after a new report, to judge again the bridges around its chain.</summary>
    public int MaxNeighbourhoodReports { get; }

    /// <summary>Listed as public: the key itself, or for a URL any address on a listed host or its subdomains.</summary>
    public bool IsListedPublic(string identifierKey)
    {
        if (_publicKeys.Contains(identifierKey))
        {
            return true;
        }
        if (_publicHosts.Length == 0 || !identifierKey.StartsWith(UrlPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var address = identifierKey[UrlPrefix.Length..];
        var host = address.Split('/', 2)[0];
        return _publicHosts.Any(h => host == h || host.EndsWith("." + h, StringComparison.Ordinal));
    }

    /// <summary>"phone:95588" (type and value as in an identifier key, the value in any spelling); null when it is not one.</summary>
    public static string? ParsePublic(string entry)
    {
        var colon = entry.IndexOf(':');
        if (colon <= 0)
        {
            return null;
        }
        var identifier = IdentifierKeys.FromKey(entry.Trim());
        return identifier.Type == Contracts.Common.V1.IdentifierType.Unspecified || !IdentifierKeys.IsFraudInfrastructure(identifier.Type)
            ? null
            : IdentifierKeys.Key(identifier.Type, identifier.Value);
    }

    /// <summary>The state the script stores ("1", "2", "3"); null for a linking identifier ("0").</summary>
    public static CommonReason? ParseState(string state) => state switch
    {
        "1" => CommonReason.TooManyReports,
        "2" => CommonReason.Bridge,
        "3" => CommonReason.ListedPublic,
        _ => null,
    };

    /// <summary>Alert evidence: why the identifier links nothing.</summary>
    public string Explain(string identifierKey, CommonReason reason) => reason switch
    {
        CommonReason.Bridge => $"{IdentifierKeys.Describe(identifierKey)} is too common to link: the reports carrying it have nothing else in common "
                               + $"(at least {BridgeMinGroups} unrelated groups making up {BridgeShare:P0} of its reports or more, or {BridgeDecisiveGroups} groups or more), like a public hotline or site",
        CommonReason.ListedPublic => $"{IdentifierKeys.Describe(identifierKey)} is a listed public identifier: it never links",
        _ => $"{IdentifierKeys.Describe(identifierKey)} is too common to link (in more than {MaxDegree} reports)",
    };
}
