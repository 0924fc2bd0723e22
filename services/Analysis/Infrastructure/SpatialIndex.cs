using Analysis.Domain;
using Analysis.Domain.Series;
using Contracts.Common.V1;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Where and when incidents happened, for near-duplicate and series candidate searches: one sorted set per
/// category group and grid cell of about <see cref="AnalysisOptions.GeoCellMeters"/>, scored by occurred time, so a
/// search reads the cells its circle touches and only the members inside its time window (ZRANGEBYSCORE, O(log n)
/// per cell). The member carries position, category, id and the series sketch (<see cref="CandidateSketch"/>), so
/// distance, time and category are filtered, and a series pair's best possible score bounded, without another read.
/// Plain sorted sets rather than GEO commands: GEOSEARCH scans the whole key on Garnet (milliseconds per search at a
/// month of a city), and a cell lookup is as cheap on Redis. District plays no part: crews cross district lines.
/// </summary>
public sealed class SpatialIndex(IConnectionMultiplexer redis, RedisKeys keys, IOptions<AnalysisOptions> options)
{
    /// <summary>Positions are kept to 6 decimals (~0.1 m) and limited to the Web Mercator band, as Redis GEO was.</summary>
    private const double MaxGeoLatitude = 85.05112878;

    private readonly SpatialGrid _grid = new(options.Value.GeoCellMeters);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Series categories share one group (a crew may burgle one night and rob the next); every other category is its own.</summary>
    public static string GroupOf(IncidentCategory category)
        => SeriesFeatures.IsSeriesCategory(category) ? "property" : RedisKeys.CategoryTag(category);

    public static bool IsIndexable(GeoPoint? location)
        => location is not null && double.IsFinite(location.Latitude) && Math.Abs(location.Latitude) <= MaxGeoLatitude
           && double.IsFinite(location.Longitude) && Math.Abs(location.Longitude) <= 180
           && !(location.Latitude == 0 && location.Longitude == 0);

    /// <summary>
    /// Adds the incident to its cell. Members that occurred more than <paramref name="keepFor"/> before
    /// <paramref name="now"/> are trimmed from the cell, and a cell no incident was added to for that long expires.
    /// </summary>
    /// <param name="indexedAt">Its occurred time, or its reception when it has none: what searches' time windows compare.</param>
    public Task AddAsync(string incidentId, CandidateSketch sketch, DateTimeOffset indexedAt, DateTimeOffset now, TimeSpan keepFor)
    {
        var key = keys.Geo(GroupOf(sketch.Category), _grid.CellOf(new GeoPoint { Latitude = sketch.Latitude, Longitude = sketch.Longitude }));
        var batch = Db.CreateBatch();
        var add = batch.SortedSetAddAsync(key, sketch.Encode(incidentId), indexedAt.ToUnixTimeSeconds());
        var trim = batch.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, (now - keepFor).ToUnixTimeSeconds(), Exclude.Stop);
        var expire = batch.KeyExpireAsync(key, keepFor);
        batch.Execute();
        return Task.WhenAll(add, trim, expire);
    }

    /// <summary>
    /// Incidents of <paramref name="category"/>'s group within <paramref name="radiusMeters"/> and <paramref name="window"/>
    /// either side, nearest first, at most <paramref name="limit"/>. The circle grows from one cell outwards (doubling)
    /// and stops as soon as <paramref name="limit"/> incidents lie inside it: those are then the nearest in the full
    /// radius, so a busy area costs a few cells, not the whole radius.
    /// </summary>
    public async Task<IReadOnlyList<NearbyIncident>> SearchAsync(IncidentCategory category, GeoPoint center, double radiusMeters, DateTimeOffset occurredAt, TimeSpan window, int limit)
    {
        var group = GroupOf(category);
        var from = (occurredAt - window).ToUnixTimeSeconds();
        var to = (occurredAt + window).ToUnixTimeSeconds();
        var read = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<NearbyIncident>();
        for (var radius = Math.Min(radiusMeters, _grid.CellMeters); ; radius = Math.Min(radiusMeters, radius * 2))
        {
            var batch = Db.CreateBatch();
            var reads = new List<Task<SortedSetEntry[]>>();
            foreach (var (cell, _) in _grid.Cells(center, radius))
            {
                if (read.Add(cell))
                {
                    reads.Add(batch.SortedSetRangeByScoreWithScoresAsync(keys.Geo(group, cell), from, to));
                }
            }
            batch.Execute();
            foreach (var entries in await Task.WhenAll(reads))
            {
                foreach (var entry in entries)
                {
                    if (Parse(entry.Element, entry.Score, center) is { } nearby && nearby.DistanceMeters <= radiusMeters)
                    {
                        found.Add(nearby);
                    }
                }
            }
            var inside = found.Count(n => n.DistanceMeters <= radius);
            if (inside >= limit || radius >= radiusMeters)
            {
                return [.. found.Where(n => n.DistanceMeters <= radius)
                    .OrderBy(n => n.DistanceMeters).ThenBy(n => n.IncidentId, StringComparer.Ordinal).Take(limit)];
            }
        }
    }

    private static NearbyIncident? Parse(RedisValue member, double indexedSeconds, GeoPoint center)
        => CandidateSketch.TryDecode(((ReadOnlyMemory<byte>)member).Span, out var sketch, out var incidentId)
            ? new NearbyIncident(incidentId, sketch.Category, DateTimeOffset.FromUnixTimeSeconds((long)indexedSeconds),
                Geo.DistanceM(center.Latitude, center.Longitude, sketch.Latitude, sketch.Longitude)) { Sketch = sketch }
            : null;
}
