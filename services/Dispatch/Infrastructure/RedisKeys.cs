namespace Dispatch.Infrastructure;

/// <summary>
/// Redis keys. Each key that a script or multi-key command touches together shares one hash
/// tag, so the same code runs on Redis Cluster.
/// </summary>
internal static class RedisKeys
{
    /// <summary>Set of every known unit id.</summary>
    public const string UnitIndex = "dispatch:units:index";

    /// <summary>Hash: plan id → ResponsePlan (protobuf) stored by admins; built-in plans apply where none is stored.</summary>
    public const string Plans = "dispatch:plans";

    /// <summary>Sorted set of due work (acknowledgement and tier deadlines) by due time in ms; one key, polled by every replica.</summary>
    public const string Deadlines = "dispatch:deadlines";

    /// <summary>GEO set of open incidents, for recognising a second report of the same event.</summary>
    public const string OpenIncidents = "dispatch:incidents:open";

    /// <summary>Sorted set of incident ids by received time in ms, for response statistics.</summary>
    public const string IncidentsByReceived = "dispatch:incidents:received";

    /// <summary>Hash: profile, status, session, lat, lon, posAt, assignment, ver.</summary>
    public static string Unit(string unitId) => $"dispatch:unit:{{{unitId}}}";

    /// <summary>Sorted set of assignment ids withdrawn from the unit, by time: re-sent to its terminal on reconnect.</summary>
    public static string UnitWithdrawals(string unitId) => $"dispatch:unit:{{{unitId}}}:withdrawn";

    /// <summary>Hash: incident (protobuf), state, plan, assignment links, tiers, merge decision, first-response times.</summary>
    public static string Incident(string incidentId) => $"dispatch:incident:{{{incidentId}}}";

    /// <summary>List of TimelineEntry (protobuf), oldest first. Same hash tag as its incident.</summary>
    public static string Timeline(string incidentId) => $"dispatch:incident:{{{incidentId}}}:timeline";

    /// <summary>Set of timeline entry ids already appended: a retried step does not add its entry twice.</summary>
    public static string TimelineIds(string incidentId) => $"dispatch:incident:{{{incidentId}}}:timeline:ids";

    /// <summary>Set of units that let an assignment on this incident time out: not proposed for it again.</summary>
    public static string Declined(string incidentId) => $"dispatch:incident:{{{incidentId}}}:declined";

    /// <summary>Hash: unit (the intended or claimed unit), data (Assignment protobuf), ver, demand, pushed flag.</summary>
    public static string Assignment(string assignmentId) => $"dispatch:assignment:{{{assignmentId}}}";
}
