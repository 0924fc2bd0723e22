using System.Text;
using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Grpc.Core;

namespace DevStack;

/// <summary>
/// An operator's view: DispatchService.WatchFeed through the gateway, one readable line per
/// event. Resumes from the last token when the stream drops.
/// </summary>
internal sealed class FeedPrinter(DispatchService.DispatchServiceClient dispatch)
{
    /// <summary>Last status and connection seen per unit: unit events are printed only when they add something.</summary>
    private readonly Dictionary<string, UnitState> _units = [];

    public async Task RunAsync(CancellationToken stop)
    {
        var resumeToken = "";
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var call = dispatch.WatchFeed(new WatchFeedRequest { ResumeToken = resumeToken }, cancellationToken: stop);
                await foreach (var feedEvent in call.ResponseStream.ReadAllAsync(stop))
                {
                    resumeToken = feedEvent.ResumeToken;
                    if (Format(feedEvent) is { } line)
                    {
                        Output.Feed(line);
                    }
                }
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                return;
            }
            catch (RpcException e)
            {
                if (e.StatusCode == StatusCode.OutOfRange)
                {
                    resumeToken = ""; // too far behind to resume without a gap: start from now
                }
                Output.Feed($"feed stream ended ({e.StatusCode}: {e.Status.Detail}); resuming");
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string? Format(FeedEvent feedEvent)
    {
        var time = (feedEvent.At?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow).ToLocalTime().ToString("HH:mm:ss");
        var text = feedEvent.EventCase switch
        {
            FeedEvent.EventOneofCase.IncidentReported => Reported(feedEvent.IncidentReported),
            FeedEvent.EventOneofCase.Assignment => AssignmentLine(feedEvent.Assignment),
            FeedEvent.EventOneofCase.Unit => UnitLine(feedEvent.Unit),
            FeedEvent.EventOneofCase.Alert => AlertLine(feedEvent.Alert),
            _ => null,
        };
        return text is null ? null : $"{time} {text}";
    }

    private static string Reported(Incident incident)
    {
        var report = incident.Report;
        var where = report.Address.Length > 0 ? $" at {report.Address}" : "";
        return $"{"REPORTED",-9} incident {Short(incident.IncidentId)} {Words(report.Category.ToString())} {incident.Priority}{where} (via {report.Source})";
    }

    private static string AssignmentLine(Assignment a)
    {
        var incident = $"incident {Short(a.IncidentId)} {Words(a.Category.ToString())} {a.Priority}";
        return a.Status switch
        {
            AssignmentStatus.Pending =>
                $"{"ASSIGNED",-9} unit {a.UnitId} → {incident}, {a.DistanceM:F0} m, ~{a.EstimatedTravel?.ToTimeSpan().TotalSeconds ?? 0:F0} s",
            AssignmentStatus.Acknowledged => $"{"ACKED",-9} unit {a.UnitId} accepted {incident}",
            AssignmentStatus.EnRoute => $"{"EN ROUTE",-9} unit {a.UnitId} → {incident}",
            AssignmentStatus.OnScene => $"{"ON SCENE",-9} unit {a.UnitId} at {incident}{(a.Address.Length > 0 ? $", {a.Address}" : "")}",
            AssignmentStatus.Resolved => $"{"RESOLVED",-9} unit {a.UnitId} closed {incident}",
            AssignmentStatus.Withdrawn => $"{"WITHDRAWN",-9} unit {a.UnitId} from {incident}",
            _ => $"{Words(a.Status.ToString()).ToUpperInvariant(),-9} unit {a.UnitId} / {incident}",
        };
    }

    /// <summary>Connections and returns to service; assignment-driven statuses are already on the assignment lines.</summary>
    private string? UnitLine(UnitState unit)
    {
        var before = _units.TryGetValue(unit.UnitId, out var seen) ? seen : null;
        _units[unit.UnitId] = unit;
        var what = $"{unit.UnitId} ({Words(unit.Kind.ToString())}, {unit.CallSign})";
        if (before is null || before.Connected != unit.Connected)
        {
            return unit.Connected
                ? $"{"ON DUTY",-9} unit {what} {Words(unit.Status.ToString())} in {unit.HomeArea}"
                : $"{"OFFLINE",-9} unit {what} terminal disconnected";
        }
        if (before.Status == unit.Status || unit.Status is UnitStatus.Assigned or UnitStatus.EnRoute or UnitStatus.OnScene)
        {
            return null;
        }
        return unit.Status == UnitStatus.Available && before.Status is UnitStatus.Assigned or UnitStatus.EnRoute or UnitStatus.OnScene
            ? $"{"FREE",-9} unit {unit.UnitId} available again"
            : $"{"UNIT",-9} unit {what} {Words(unit.Status.ToString())}";
    }

    private static string AlertLine(Alert alert)
    {
        var incidents = alert.IncidentIds.Count > 0 ? $" [{string.Join(", ", alert.IncidentIds.Select(Short))}]" : "";
        return $"{"ALERT",-9} {Words(alert.Kind.ToString())} {alert.Priority}: {alert.Summary}{incidents}";
    }

    private static string Short(string id) => SimulatedTerminal.Short(id);

    /// <summary>"MissingPerson" → "missing person": enum names read as words.</summary>
    internal static string Words(string pascalCase)
    {
        var text = new StringBuilder(pascalCase.Length + 4);
        for (var i = 0; i < pascalCase.Length; i++)
        {
            var c = pascalCase[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(pascalCase[i - 1]))
            {
                text.Append(' ');
            }
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
