using System.Text;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;

namespace Dispatch.Domain;

/// <summary>One demand of one tier, with the units that could fill it, fastest first.</summary>
public sealed record DemandSearch(ResponseTier Tier, int DemandIndex, UnitDemand Demand, DateTimeOffset ArriveBy, UnitSearchResult Result)
{
    public IEnumerable<RankedUnit> Proposed => Result.Ranked.Take(Demand.Count);
}

/// <summary>Turns a response plan into unit choices, tier by tier. Pure apart from reading the index.</summary>
public static class ResponsePlanner
{
    /// <summary>
    /// For each tier and demand in order, the fastest eligible units: the demand's count plus
    /// <paramref name="spares"/> to fall back on when a claim is lost to another incident. Units an
    /// earlier demand proposed are not proposed again.
    /// </summary>
    public static List<DemandSearch> Plan(
        UnitIndex index, GeoPoint at, IEnumerable<ResponseTier> tiers, DateTimeOffset receivedAt, DateTimeOffset now,
        string? language, IEnumerable<string> exclude, int spares)
    {
        var taken = new HashSet<string>(exclude, StringComparer.Ordinal);
        var searches = new List<DemandSearch>();
        foreach (var tier in tiers)
        {
            var arriveBy = receivedAt + TimeSpan.FromSeconds(tier.TargetSeconds);
            for (var i = 0; i < tier.Units.Count; i++)
            {
                var demand = tier.Units[i];
                var result = index.Search(new UnitQuery(at, demand.Kinds, demand.Capabilities, language, demand.Count + spares, now, taken));
                var search = new DemandSearch(tier, i, demand, arriveBy, result);
                foreach (var unit in search.Proposed)
                {
                    taken.Add(unit.Unit.UnitId);
                }
                searches.Add(search);
            }
        }
        return searches;
    }

    public static string Kinds(UnitDemand demand)
    {
        var kinds = string.Join("/", demand.Kinds.Select(k => k.ToString()));
        return demand.Capabilities.Count == 0 ? kinds : $"{kinds} ({string.Join(", ", demand.Capabilities)})";
    }

    /// <summary>Why the chosen units cannot meet the demand in full and in time; null when they can.</summary>
    public static string? Shortfall(UnitDemand demand, IReadOnlyList<RankedUnit> chosen, DateTimeOffset arriveBy, DateTimeOffset now, int targetSeconds, double radiusMeters)
    {
        var reasons = new List<string>();
        if (chosen.Count < demand.Count)
        {
            reasons.Add($"only {chosen.Count} of {demand.Count} {Kinds(demand)} available within {radiusMeters / 1000:0.#} km");
        }
        var left = arriveBy - now;
        var late = chosen.Where(c => c.EstimatedTravel > left).ToList();
        if (late.Count > 0)
        {
            var fastestLate = late.MinBy(c => c.EstimatedTravel)!;
            reasons.Add(left <= TimeSpan.Zero
                ? $"the {targetSeconds} s target had passed before dispatch"
                : $"{late.Count} unit(s) cannot arrive in time: {fastestLate.Unit.UnitId} needs ~{fastestLate.EstimatedTravel.TotalSeconds:F0} s, {left.TotalSeconds:F0} s left of the {targetSeconds} s target");
        }
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>The decision in plain words: candidates weighed, their travel times, what was chosen and why.</summary>
    public static string Explain(DemandSearch search, IReadOnlyList<RankedUnit> chosen, IReadOnlyCollection<string> lostClaims)
    {
        var text = new StringBuilder();
        text.Append($"tier {search.Tier.Tier} ({search.Tier.TargetSeconds} s), {search.Demand.Count} x {Kinds(search.Demand)}: ");
        text.Append($"{search.Result.Considered} candidates considered");
        if (search.Result.Ranked.Count > 0)
        {
            text.Append("; eligible, fastest first: ");
            text.AppendJoin(", ", search.Result.Ranked.Take(6).Select(r => $"{r.Unit.UnitId} {r.Unit.Kind} {r.DistanceMeters:F0} m ~{r.EstimatedTravel.TotalSeconds:F0} s"));
        }
        if (search.Result.Rejected.Count > 0)
        {
            text.Append("; passed over: ");
            text.AppendJoin(", ", search.Result.Rejected.Take(5).Select(r => $"{r.Unit.UnitId} ({r.Reason})"));
        }
        if (lostClaims.Count > 0)
        {
            text.Append($"; taken by another incident meanwhile: {string.Join(", ", lostClaims)}");
        }
        text.Append(chosen.Count > 0
            ? $"; chose {string.Join(", ", chosen.Select(c => c.Unit.UnitId))}: shortest estimated travel time"
            : "; none chosen");
        return text.ToString();
    }
}
