using Analysis.Domain;
using Contracts.Common.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>What indexing one incident did.</summary>
public enum IndexOutcome
{
    /// <summary>Stored and added to its category's GEO index.</summary>
    Indexed,

    /// <summary>Stored, but its location cannot go into a Redis GEO index (missing or beyond ±85.05° latitude).</summary>
    IndexedWithoutLocation,

    /// <summary>Received longer ago than the retention: nothing stored.</summary>
    OutsideRetention,
}

/// <summary>
/// The incidents Analysis knows, in Redis: the incident itself under its own key, expiring with
/// the retention, and its position in a GEO index per category for linking to search. Writing the
/// same incident again leaves the same state (hash field and GEO/sorted-set members are
/// overwritten, not added), so redelivered records change nothing.
/// </summary>
public sealed class IncidentIndex(IConnectionMultiplexer redis, IOptions<AnalysisOptions> options, TimeProvider clock)
{
    /// <summary>Redis GEO accepts latitudes within the Web Mercator band only.</summary>
    private const double MaxGeoLatitude = 85.05112878;

    /// <summary>Expired members removed per write, so that one script stays short however large the backlog.</summary>
    private const int PruneBatch = 256;

    private const string IncidentField = "incident";

    // KEYS: the category's GEO and received sets (one hash tag). Adds the incident, then drops members past retention.
    private static readonly LuaScript AddToCategoryScript = LuaScript.Prepare("""
        redis.call('GEOADD', @geo, @longitude, @latitude, @incidentId)
        redis.call('ZADD', @received, @receivedAt, @incidentId)
        local expired = redis.call('ZRANGEBYSCORE', @received, '-inf', @cutoff, 'LIMIT', 0, @pruneBatch)
        for _, member in ipairs(expired) do
          redis.call('ZREM', @geo, member)
          redis.call('ZREM', @received, member)
        end
        return #expired
        """);

    private IDatabase Db => redis.GetDatabase();

    private TimeSpan Retention => TimeSpan.FromDays(options.Value.IncidentRetentionDays);

    public async Task<IndexOutcome> IndexAsync(Incident incident)
    {
        ArgumentException.ThrowIfNullOrEmpty(incident.IncidentId);
        var now = clock.GetUtcNow();
        // Retention counts from reception, so re-processing an old record never extends it.
        var receivedAt = incident.ReceivedAt?.ToDateTimeOffset() ?? now;
        var expiresAt = receivedAt + Retention;
        if (expiresAt <= now)
        {
            return IndexOutcome.OutsideRetention;
        }

        // One key: the value and its expiry are set together.
        var key = RedisKeys.Incident(incident.IncidentId);
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(key, IncidentField, incident.ToByteArray());
        _ = transaction.KeyExpireAsync(key, expiresAt.UtcDateTime);
        if (!await transaction.ExecuteAsync())
        {
            throw new InvalidOperationException($"Redis did not execute the transaction storing incident {incident.IncidentId}");
        }

        var location = incident.Report?.Location;
        if (location is null || !IsGeoIndexable(location))
        {
            return IndexOutcome.IndexedWithoutLocation;
        }

        var category = incident.Report!.Category;
        await Db.ScriptEvaluateAsync(AddToCategoryScript, new
        {
            geo = (RedisKey)RedisKeys.Geo(category),
            received = (RedisKey)RedisKeys.Received(category),
            longitude = location.Longitude,
            latitude = location.Latitude,
            incidentId = incident.IncidentId,
            receivedAt = receivedAt.ToUnixTimeMilliseconds(),
            cutoff = (now - Retention).ToUnixTimeMilliseconds(),
            pruneBatch = PruneBatch,
        });
        return IndexOutcome.Indexed;
    }

    /// <summary>True while the incident is indexed (known and within retention).</summary>
    public Task<bool> ContainsAsync(string incidentId)
        => Db.HashExistsAsync(RedisKeys.Incident(incidentId), IncidentField);

    internal static bool IsGeoIndexable(GeoPoint location)
        => double.IsFinite(location.Latitude) && Math.Abs(location.Latitude) <= MaxGeoLatitude
           && double.IsFinite(location.Longitude) && Math.Abs(location.Longitude) <= 180
           && !(location.Latitude == 0 && location.Longitude == 0);
}
