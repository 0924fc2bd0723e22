using Contracts.Common.V1;

namespace Analysis.Domain.Fraud;

/// <summary>What of a fraud report can link it to others: the infrastructure used against the victim.</summary>
public static class FraudInfrastructure
{
    /// <summary>
    /// The report's identifiers and those of suspects or unnamed roles, as identifier keys (distinct, ordered); never the
    /// victim's, reporter's or witnesses' own (different victims' own phones link nothing that matters).
    /// </summary>
    public static IReadOnlyList<string> IdentifierKeysOf(Report report)
        => [.. report.Identifiers
            .Concat(report.Parties.Where(p => p.Role is not (PartyRole.Victim or PartyRole.Reporter or PartyRole.Witness)).SelectMany(p => p.Identifiers))
            .Where(i => IdentifierKeys.IsFraudInfrastructure(i.Type))
            .Select(IdentifierKeys.Key).Where(k => k is not null).Select(k => k!)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
