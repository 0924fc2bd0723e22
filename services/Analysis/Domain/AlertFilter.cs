using Contracts.Analysis.V1;
using Contracts.Common.V1;

namespace Analysis.Domain;

/// <summary>
/// Which alerts one WatchAlerts caller wants: no kinds = every kind; an unspecified maximum
/// priority = every priority, otherwise that priority and the more urgent ones (P2 = P1 and P2).
/// </summary>
public sealed class AlertFilter
{
    private readonly HashSet<AlertKind> _kinds;
    private readonly Priority _maxPriority;

    public AlertFilter(IEnumerable<AlertKind> kinds, Priority maxPriority)
    {
        _kinds = [.. kinds];
        _maxPriority = maxPriority;
    }

    public static AlertFilter All { get; } = new([], Priority.Unspecified);

    public static AlertFilter From(WatchAlertsRequest request) => new(request.Kinds, request.MaxPriority);

    public bool Matches(Alert alert)
        => (_kinds.Count == 0 || _kinds.Contains(alert.Kind))
           && (_maxPriority == Priority.Unspecified
               // An alert without a priority is not known to be urgent enough for a priority filter.
               || (alert.Priority != Priority.Unspecified && alert.Priority <= _maxPriority));
}
