namespace Dispatch.Infrastructure;

/// <summary>
/// Redis keys. Each key that a script or multi-key command touches together shares one hash
/// tag, so the same code runs on Redis Cluster. Scripts here touch a single key.
/// </summary>
internal static class RedisKeys
{
    /// <summary>GEO set of every unit's last position (an index; the unit hash is the truth).</summary>
    public const string UnitPositions = "dispatch:units:geo";

    /// <summary>Set of every known unit id.</summary>
    public const string UnitIndex = "dispatch:units:index";

    /// <summary>Hash: profile, status, session, lat, lon, posAt, assignment.</summary>
    public static string Unit(string unitId) => $"dispatch:unit:{{{unitId}}}";

    /// <summary>Hash: incident (protobuf), dispatched flag, assignment ids.</summary>
    public static string Incident(string incidentId) => $"dispatch:incident:{{{incidentId}}}";

    /// <summary>List of TimelineEntry (protobuf), oldest first. Same hash tag as its incident.</summary>
    public static string Timeline(string incidentId) => $"dispatch:incident:{{{incidentId}}}:timeline";

    /// <summary>Hash: unit (the intended or claimed unit), data (Assignment protobuf), pushed flag.</summary>
    public static string Assignment(string assignmentId) => $"dispatch:assignment:{{{assignmentId}}}";
}
