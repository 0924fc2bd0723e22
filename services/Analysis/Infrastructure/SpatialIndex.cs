using System.Globalization;
using Analysis.Domain;
using Analysis.Domain.Series;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Where and when incidents happened, for near-duplicate and series candidate searches: one GEO
/// set per category group and time bucket (of <see cref="AnalysisOptions.GeoBucketDays"/>), so a
/// search reads only the buckets its time window overlaps and a bucket expires as a whole once no
/// window can reach it. A member carries the occurred time and category, so time and category are
/// filtered without another read. District plays no part: crews cross district lines.
/// </summary>
public sealed class SpatialIndex(IConnectionMultiplexer redis, RedisKeys keys, IOptions<AnalysisOptions> options)
{
    /// <summary>Redis GEO accepts latitudes within the Web Mercator band only.</summary>
    private const double MaxGeoLatitude = 85.05112878;

    private IDatabase Db => redis.GetDatabase();

    private TimeSpan BucketLength => TimeSpan.FromDays(options.Value.GeoBucketDays);

    /// <summary>Series categories share one group (a crew may burgle one night and rob the next); every other category is its own.</summary>
    public static string GroupOf(IncidentCategory category)
        => SeriesFeatures.IsSeriesCategory(category) ? "property" : RedisKeys.CategoryTag(category);

    public static bool IsIndexable(GeoPoint? location)
        => location is not null && double.IsFinite(location.Latitude) && Math.Abs(location.Latitude) <= MaxGeoLatitude
           && double.IsFinite(location.Longitude) && Math.Abs(location.Longitude) <= 180
           && !(location.Latitude == 0 && location.Longitude == 0);

    /// <param name="keepFor">How long after its bucket ends the bucket must still answer searches.</param>
    public Task AddAsync(string incidentId, IncidentCategory category, GeoPoint location, DateTimeOffset occurredAt, TimeSpan keepFor)
    {
        var bucket = Bucket(occurredAt);
        var key = keys.Geo(GroupOf(category), bucket);
        var bucketEnd = DateTimeOffset.FromUnixTimeMilliseconds((bucket + 1) * (long)BucketLength.TotalMilliseconds);
        var batch = Db.CreateBatch();
        var add = batch.GeoAddAsync(key, location.Longitude, location.Latitude, Member(incidentId, category, occurredAt));
        var expire = batch.KeyExpireAsync(key, (bucketEnd + keepFor).UtcDateTime);
        batch.Execute();
        return Task.WhenAll(add, expire);
    }

    /// <summary>Incidents of <paramref name="category"/>'s group within <paramref name="radiusMeters"/> and <paramref name="window"/> either side, nearest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<NearbyIncident>> SearchAsync(IncidentCategory category, GeoPoint center, double radiusMeters, DateTimeOffset occurredAt, TimeSpan window, int limit)
    {
        var group = GroupOf(category);
        var first = Bucket(occurredAt - window);
        var last = Bucket(occurredAt + window);
        var batch = Db.CreateBatch();
        var searches = new List<Task<GeoRadiusResult[]>>();
        for (var bucket = first; bucket <= last; bucket++)
        {
            searches.Add(batch.GeoSearchAsync(keys.Geo(group, bucket), center.Longitude, center.Latitude,
                new GeoSearchCircle(radiusMeters, GeoUnit.Meters), limit, demandClosest: true, Order.Ascending, GeoRadiusOptions.WithDistance));
        }
        batch.Execute();
        var found = new List<NearbyIncident>();
        foreach (var results in await Task.WhenAll(searches))
        {
            foreach (var result in results)
            {
                if (Parse(result.Member!, result.Distance ?? 0) is { } nearby && (nearby.OccurredAt - occurredAt).Duration() <= window)
                {
                    found.Add(nearby);
                }
            }
        }
        return [.. found.OrderBy(n => n.DistanceMeters).ThenBy(n => n.IncidentId, StringComparer.Ordinal).Take(limit)];
    }

    private long Bucket(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeMilliseconds() / BucketLength.TotalMilliseconds);

    private static string Member(string incidentId, IncidentCategory category, DateTimeOffset occurredAt)
        => string.Create(CultureInfo.InvariantCulture, $"{occurredAt.ToUnixTimeSeconds()}:{(int)category}:{incidentId}");

    private static NearbyIncident? Parse(string member, double distanceMeters)
    {
        var parts = member.Split(':', 3);
        return parts.Length == 3
               && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var category)
            ? new NearbyIncident(parts[2], (IncidentCategory)category, DateTimeOffset.FromUnixTimeSeconds(seconds), distanceMeters)
            : null;
    }
}
