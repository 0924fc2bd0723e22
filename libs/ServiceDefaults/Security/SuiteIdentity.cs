using System.Security.Claims;

namespace ServiceDefaults.Security;

/// <summary>Who a token speaks for: one subject, one role and, for terminals and partners, what it is bound to.</summary>
public sealed record SuiteIdentity(string Subject, string Role, string? UnitId = null, string? SourceId = null)
{
    /// <summary>The report source a hotline operator's reports carry.</summary>
    public const string HotlineSource = "hotline";

    /// <summary>The report source field terminals' reports carry.</summary>
    public const string TerminalSource = "terminal";

    public static SuiteIdentity Terminal(string unitId) => new($"unit:{unitId}", SuiteRoles.Terminal, UnitId: unitId);

    public static SuiteIdentity Partner(string sourceId) => new($"partner:{sourceId}", SuiteRoles.Partner, SourceId: sourceId);

    public static SuiteIdentity Operator(string name) => new(name, SuiteRoles.Operator);

    public static SuiteIdentity Admin(string name) => new(name, SuiteRoles.Admin);

    /// <summary>The identity of an authenticated principal; null when it is not one of ours.</summary>
    public static SuiteIdentity? From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        var roles = user.FindAll(SuiteClaims.Role).Select(c => c.Value).Distinct().ToList();
        return new SuiteIdentity(
            user.FindFirst(SuiteClaims.Subject)?.Value ?? "",
            roles.Count == 1 ? roles[0] : "", // several roles in one token: none counts (one role per identity)
            NonEmpty(user.FindFirst(SuiteClaims.UnitId)?.Value),
            NonEmpty(user.FindFirst(SuiteClaims.SourceId)?.Value));
    }

    /// <summary>
    /// The only report source this identity may write: its own source id (partner), "terminal" or "hotline".
    /// A source is a namespace of incident ids, so writing into another's would let a caller shadow its reports.
    /// </summary>
    public string? ReportSource => Role switch
    {
        SuiteRoles.Partner => SourceId,
        SuiteRoles.Terminal => TerminalSource,
        SuiteRoles.Operator => HotlineSource,
        _ => null,
    };

    /// <summary>Why this identity is unusable as its role, or null: a terminal without its unit, a partner without its source.</summary>
    public string? BindingProblem => Role switch
    {
        SuiteRoles.Terminal when UnitId is null => "a terminal token must carry unit_id",
        SuiteRoles.Partner when SourceId is null => "a partner token must carry source_id",
        _ when Subject.Length == 0 => "the token has no subject",
        _ => null,
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
