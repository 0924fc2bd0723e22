using Contracts.Common.V1;
using Google.Protobuf.Reflection;

namespace Analysis.Infrastructure;

/// <summary>
/// Redis keys. Keys that a script or multi-key command touches together share one hash tag, so
/// the same code runs on Redis Cluster: an incident's key stands alone (tag = incident id), and a
/// category's GEO index and its received-time index share the tag of the category.
/// </summary>
internal static class RedisKeys
{
    private const string CategoryPrefix = "INCIDENT_CATEGORY_";

    private static readonly EnumDescriptor CategoryDescriptor
        = CommonReflection.Descriptor.EnumTypes.Single(e => e.ClrType == typeof(IncidentCategory));

    /// <summary>Hash: <c>incident</c> (common.v1.Incident protobuf). Expires with the retention.</summary>
    public static string Incident(string incidentId) => $"analysis:incident:{{{incidentId}}}";

    /// <summary>GEO set of the indexed incidents of one category (member = incident id).</summary>
    public static string Geo(IncidentCategory category) => $"analysis:geo:{{{CategoryTag(category)}}}";

    /// <summary>
    /// Sorted set of the same members scored by received time (Unix ms): GEO members cannot expire,
    /// so this is what finds and removes the ones past retention. Same hash tag as <see cref="Geo"/>.
    /// </summary>
    public static string Received(IncidentCategory category) => $"analysis:received:{{{CategoryTag(category)}}}";

    /// <summary>"robbery", "missing_person": the proto value name, stable across code renames; the number for a value this build does not know.</summary>
    public static string CategoryTag(IncidentCategory category)
        => CategoryDescriptor.FindValueByNumber((int)category)?.Name is { } name
            ? (name.StartsWith(CategoryPrefix, StringComparison.Ordinal) ? name[CategoryPrefix.Length..] : name).ToLowerInvariant()
            : ((int)category).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
