namespace ServiceDefaults.Security;

/// <summary>The suite's roles: a token carries exactly one.</summary>
public static class SuiteRoles
{
    /// <summary>A field terminal, bound to one unit (claim <see cref="SuiteClaims.UnitId"/>).</summary>
    public const string Terminal = "terminal";

    /// <summary>A partner system, bound to one report source (claim <see cref="SuiteClaims.SourceId"/>).</summary>
    public const string Partner = "partner";

    /// <summary>A command-centre operator: watches the feeds, queries, takes hotline reports.</summary>
    public const string Operator = "operator";

    /// <summary>Manages watchlists and response plans; sees what operators see.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Terminal, Partner, Operator, Admin];
}

/// <summary>Claim names in the suite's JWTs (kept as they are on the wire: no inbound claim mapping).</summary>
public static class SuiteClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string UnitId = "unit_id";
    public const string SourceId = "source_id";
}
