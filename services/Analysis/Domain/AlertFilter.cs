using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>
/// Which alerts one WatchAlerts caller wants: no kinds = every kind; an unspecified maximum
/// priority = every priority, otherwise that priority and the more urgent ones (P2 = P1 and P2);
/// an area = only alerts located inside it (an alert without a location is not known to be inside).
/// </summary>
public sealed class AlertFilter
{
    private readonly HashSet<AlertKind> _kinds;
    private readonly Priority _maxPriority;
    private readonly GeoBox? _area;

    public AlertFilter(IEnumerable<AlertKind> kinds, Priority maxPriority, GeoBox? area = null)
    {
        _kinds = [.. kinds];
        _maxPriority = maxPriority;
        _area = area;
    }

    public static AlertFilter All { get; } = new([], Priority.Unspecified);

    public static AlertFilter From(WatchAlertsRequest request) => new(request.Kinds, request.MaxPriority, request.Area);

    public bool Matches(Alert alert)
        => (_kinds.Count == 0 || _kinds.Contains(alert.Kind))
           && (_maxPriority == Priority.Unspecified
               // An alert without a priority is not known to be urgent enough for a priority filter.
               || (alert.Priority != Priority.Unspecified && alert.Priority <= _maxPriority))
           && (_area is null || (alert.Location is { } at && GeoBoxes.Contains(_area, at)));
}
