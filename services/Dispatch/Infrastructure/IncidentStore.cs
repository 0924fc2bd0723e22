using Contracts.Common.V1;
using Contracts.Dispatch.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>Incidents, their timelines and their assignments, in Redis.</summary>
public sealed class IncidentStore(IConnectionMultiplexer redis)
{
    private const string AssignmentFieldPrefix = "asg:";

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Stores the incident once; tells whether it was new and whether it was already fully dispatched.</summary>
    public async Task<(bool IsNew, bool Dispatched)> RecordAsync(Incident incident)
    {
        var key = RedisKeys.Incident(incident.IncidentId);
        var batch = Db.CreateBatch();
        var added = batch.HashSetAsync(key, "incident", incident.ToByteArray(), When.NotExists);
        var dispatched = batch.HashExistsAsync(key, "dispatched");
        batch.Execute();
        return (await added, await dispatched);
    }

    public Task MarkDispatchedAsync(string incidentId)
        => Db.HashSetAsync(RedisKeys.Incident(incidentId), "dispatched", 1);

    public Task AppendTimelineAsync(string incidentId, params TimelineEntry[] entries)
        => Db.ListRightPushAsync(RedisKeys.Timeline(incidentId), entries.Select(e => (RedisValue)e.ToByteArray()).ToArray());

    /// <summary>Records which unit an assignment is about to claim, so a retry after a crash claims the same one.</summary>
    public Task SetIntendedUnitAsync(string assignmentId, string unitId)
        => Db.HashSetAsync(RedisKeys.Assignment(assignmentId), "unit", unitId);

    public async Task<string?> GetIntendedUnitAsync(string assignmentId)
        => await Db.HashGetAsync(RedisKeys.Assignment(assignmentId), "unit") is { IsNull: false } unit ? unit.ToString() : null;

    public async Task SaveAssignmentAsync(Assignment assignment)
    {
        var batch = Db.CreateBatch();
        var data = batch.HashSetAsync(RedisKeys.Assignment(assignment.AssignmentId), "data", assignment.ToByteArray());
        var link = batch.HashSetAsync(RedisKeys.Incident(assignment.IncidentId), AssignmentFieldPrefix + assignment.AssignmentId, 1);
        batch.Execute();
        await Task.WhenAll(data, link);
    }

    public async Task<Assignment?> GetAssignmentAsync(string assignmentId)
        => await Db.HashGetAsync(RedisKeys.Assignment(assignmentId), "data") is { IsNull: false } data
            ? Assignment.Parser.ParseFrom((byte[])data!)
            : null;

    /// <summary>True the first time an assignment is pushed to a terminal; false for every re-delivery.</summary>
    public Task<bool> MarkPushedAsync(string assignmentId)
        => Db.HashSetAsync(RedisKeys.Assignment(assignmentId), "pushed", 1, When.NotExists);

    public async Task<IncidentRecord?> GetRecordAsync(string incidentId)
    {
        var batch = Db.CreateBatch();
        var hash = batch.HashGetAllAsync(RedisKeys.Incident(incidentId));
        var timeline = batch.ListRangeAsync(RedisKeys.Timeline(incidentId));
        batch.Execute();
        var fields = await hash;
        var incident = fields.FirstOrDefault(f => f.Name == "incident");
        if (incident.Value.IsNull)
        {
            return null;
        }

        var record = new IncidentRecord { Incident = Incident.Parser.ParseFrom((byte[])incident.Value!) };
        var assignments = new List<Assignment>();
        foreach (var field in fields.Where(f => f.Name.StartsWith(AssignmentFieldPrefix)))
        {
            if (await GetAssignmentAsync(field.Name.ToString()[AssignmentFieldPrefix.Length..]) is { } assignment)
            {
                assignments.Add(assignment);
            }
        }
        record.Assignments.AddRange(assignments.OrderBy(a => a.AssignedAt).ThenBy(a => a.AssignmentId, StringComparer.Ordinal));
        record.Timeline.AddRange((await timeline).Select(v => TimelineEntry.Parser.ParseFrom((byte[])v!)));
        return record;
    }
}
