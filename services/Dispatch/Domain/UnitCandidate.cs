using Contracts.Common.V1;

namespace Dispatch.Domain;

/// <summary>A unit near an incident, as read from the unit store.</summary>
public sealed record UnitCandidate(
    string UnitId,
    UnitKind Kind,
    UnitStatus Status,
    bool Connected,
    GeoPoint Position,
    DateTimeOffset PositionAt);

/// <summary>A candidate that can go, with its estimate.</summary>
public sealed record RankedUnit(UnitCandidate Unit, double DistanceMeters, TimeSpan EstimatedTravel);

/// <summary>Why a candidate was passed over, for the incident's timeline.</summary>
public sealed record RejectedUnit(UnitCandidate Unit, string Reason);

public sealed record Recommendation(IReadOnlyList<RankedUnit> Ranked, IReadOnlyList<RejectedUnit> Rejected);
