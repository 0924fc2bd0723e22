using Contracts.Dispatch.V1;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Application;

internal static class Timeline
{
    public static TimelineEntry Entry(TimeProvider clock, TimelineEntryKind kind, string summary, string unitId = "", string assignmentId = "") => new()
    {
        At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        Kind = kind,
        Summary = summary,
        UnitId = unitId,
        AssignmentId = assignmentId,
    };
}
