using Contracts.Common.V1;

namespace Dispatch.Domain;

/// <summary>Ranks candidate units for an incident by estimated travel time. Pure: no I/O.</summary>
public sealed class UnitSelector(double roadFactor, TimeSpan positionMaxAge)
{
    public Recommendation Recommend(GeoPoint incidentLocation, IEnumerable<UnitCandidate> candidates, DateTimeOffset now)
    {
        var ranked = new List<RankedUnit>();
        var rejected = new List<RejectedUnit>();
        foreach (var unit in candidates)
        {
            var reason = unit switch
            {
                { Connected: false } => "no open terminal stream",
                { Status: not UnitStatus.Available } => $"status {unit.Status}",
                _ when now - unit.PositionAt > positionMaxAge => $"position {(int)(now - unit.PositionAt).TotalSeconds} s old",
                _ => null,
            };
            if (reason is not null)
            {
                rejected.Add(new RejectedUnit(unit, reason));
                continue;
            }
            var distance = TravelTime.DistanceMeters(incidentLocation, unit.Position);
            ranked.Add(new RankedUnit(unit, distance, TravelTime.Estimate(distance, unit.Kind, roadFactor)));
        }
        ranked.Sort((a, b) => a.EstimatedTravel != b.EstimatedTravel
            ? a.EstimatedTravel.CompareTo(b.EstimatedTravel)
            : string.CompareOrdinal(a.Unit.UnitId, b.Unit.UnitId));
        return new Recommendation(ranked, rejected);
    }
}
