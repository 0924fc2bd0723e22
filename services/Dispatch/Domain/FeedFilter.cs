using Contracts.Common.V1;
using Contracts.Dispatch.V1;

namespace Dispatch.Domain;

/// <summary>
/// An operator's view of the feed: an area, a minimum priority, event kinds. Events without a
/// location do not pass an area filter; unit events carry no priority and pass a priority filter.
/// </summary>
public sealed class FeedFilter
{
    public static readonly FeedFilter All = new(null, Priority.Unspecified, []);

    private readonly GeoBox? _area;
    private readonly Priority _minPriority;
    private readonly HashSet<FeedEventKind> _kinds;

    private FeedFilter(GeoBox? area, Priority minPriority, IEnumerable<FeedEventKind> kinds)
    {
        _area = area;
        _minPriority = minPriority;
        _kinds = [.. kinds];
    }

    /// <summary>The filter a request asks for, or the field violations that make it unusable.</summary>
    public static (FeedFilter? Filter, List<FieldViolation> Violations) From(WatchFeedRequest request)
    {
        var violations = new List<FieldViolation>();
        if (request.Area is { } area && (!IsValidBox(area)))
        {
            violations.Add(new FieldViolation
            {
                Field = "area",
                Reason = "OUT_OF_RANGE",
                Description = "the area needs min_latitude <= max_latitude within ±90 and min_longitude <= max_longitude within ±180",
            });
        }
        if (!Enum.IsDefined(request.MinPriority))
        {
            violations.Add(new FieldViolation { Field = "min_priority", Reason = "UNKNOWN_VALUE", Description = "min_priority must be P1..P4 or unspecified" });
        }
        if (request.Kinds.Any(k => k == FeedEventKind.Unspecified || !Enum.IsDefined(k)))
        {
            violations.Add(new FieldViolation { Field = "kinds", Reason = "UNKNOWN_VALUE", Description = "kinds must be defined, non-unspecified values" });
        }
        return violations.Count > 0 ? (null, violations) : (new FeedFilter(request.Area, request.MinPriority, request.Kinds), violations);
    }

    private static bool IsValidBox(GeoBox box)
        => box.MinLatitude is >= -90 and <= 90 && box.MaxLatitude is >= -90 and <= 90 && box.MinLatitude <= box.MaxLatitude
        && box.MinLongitude is >= -180 and <= 180 && box.MaxLongitude is >= -180 and <= 180 && box.MinLongitude <= box.MaxLongitude;

    public static FeedEventKind KindOf(FeedEvent feedEvent) => feedEvent.EventCase switch
    {
        FeedEvent.EventOneofCase.IncidentReported or FeedEvent.EventOneofCase.IncidentUpdate => FeedEventKind.Incident,
        FeedEvent.EventOneofCase.Assignment => FeedEventKind.Assignment,
        FeedEvent.EventOneofCase.Unit => FeedEventKind.Unit,
        FeedEvent.EventOneofCase.Alert when feedEvent.Alert.Kind is AlertKind.Shortfall or AlertKind.SlaAtRisk or AlertKind.SlaBreached => FeedEventKind.Sla,
        FeedEvent.EventOneofCase.Alert => FeedEventKind.Alert,
        _ => FeedEventKind.Unspecified,
    };

    public bool Matches(FeedEvent feedEvent)
    {
        if (_kinds.Count > 0 && !_kinds.Contains(KindOf(feedEvent)))
        {
            return false;
        }
        var (location, priority) = feedEvent.EventCase switch
        {
            FeedEvent.EventOneofCase.IncidentReported => (feedEvent.IncidentReported.Report?.Location, feedEvent.IncidentReported.Priority),
            FeedEvent.EventOneofCase.IncidentUpdate => (feedEvent.IncidentUpdate.Location, feedEvent.IncidentUpdate.Priority),
            FeedEvent.EventOneofCase.Assignment => (feedEvent.Assignment.IncidentLocation, feedEvent.Assignment.Priority),
            FeedEvent.EventOneofCase.Unit => (feedEvent.Unit.Position, Priority.Unspecified),
            FeedEvent.EventOneofCase.Alert => (feedEvent.Alert.Location, feedEvent.Alert.Priority),
            _ => ((GeoPoint?)null, Priority.Unspecified),
        };
        if (_minPriority != Priority.Unspecified && priority != Priority.Unspecified && priority > _minPriority)
        {
            return false;
        }
        if (_area is not null)
        {
            if (location is null || (location.Latitude == 0 && location.Longitude == 0))
            {
                return false;
            }
            return location.Latitude >= _area.MinLatitude && location.Latitude <= _area.MaxLatitude
                && location.Longitude >= _area.MinLongitude && location.Longitude <= _area.MaxLongitude;
        }
        return true;
    }
}
