using Contracts.Dispatch.V1;
using Google.Protobuf.WellKnownTypes;

namespace Dispatch.Application;

internal static class Timeline
{
    /// <param name="entryId">Deterministic for the step that writes it, so a retried step does not repeat it.</param>
    public static TimelineEntry Entry(TimeProvider clock, string entryId, TimelineEntryKind kind, string summary, string unitId = "", string assignmentId = "", int tier = 0) => new()
    {
        EntryId = entryId,
        At = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        Kind = kind,
        Summary = summary,
        UnitId = unitId,
        AssignmentId = assignmentId,
        Tier = tier,
    };
}
