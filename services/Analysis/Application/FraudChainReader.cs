using Analysis.Domain;
using Analysis.Domain.Fraud;
using Analysis.Infrastructure;
using Contracts.Analysis.V1;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;

namespace Analysis.Application;

/// <summary>A fraud chain as the API and the alerts show it: incidents, identifiers, total loss, choke points, common identifiers.</summary>
public sealed class FraudChainReader(FraudGraph graph, IOptions<FraudOptions> options)
{
    public async Task<(FraudChain Chain, FraudChainState State)?> ReadAsync(string chainId)
    {
        if (await graph.ReadChainAsync(chainId) is not { } state)
        {
            return null;
        }
        var chain = new FraudChain
        {
            ChainId = state.ChainId,
            IncidentIds = { state.Incidents.Select(i => i.IncidentId) },
            Identifiers = { FraudGraph.LinkingIdentifiers(state).Select(IdentifierKeys.FromKey) },
            TotalLoss = Money(state.Incidents.Sum(i => i.LossMinor), state.Currency),
            CommonIdentifiers = { state.CommonIdentifiers.Keys.Order(StringComparer.Ordinal).Select(IdentifierKeys.FromKey) },
        };
        chain.ChokePoints.AddRange(ChokePoints.Rank(state.Incidents, options.Value.MaxChokePoints).Select(c => new ChokePoint
        {
            Identifier = IdentifierKeys.FromKey(c.IdentifierKey),
            IncidentsDisconnected = c.IncidentsDisconnected,
            LossDisconnected = Money(c.LossDisconnected, state.Currency),
            Degree = c.Degree,
        }));
        return (chain, state);
    }

    public static Money Money(long minor, string currency) => new() { MinorUnits = minor, CurrencyCode = currency };

    /// <summary>"12,345.00 CNY".</summary>
    public static string Format(Money money)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{money.MinorUnits / 100.0:N2} {(money.CurrencyCode.Length > 0 ? money.CurrencyCode : "(currency unknown)")}");
}
