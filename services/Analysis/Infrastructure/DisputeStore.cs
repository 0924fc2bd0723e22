using Analysis.Domain.Disputes;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>The dispute reports under one dispute key (address or parties), by occurred time; idempotent per incident id.</summary>
public sealed class DisputeStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    /// <summary>Member suffix of a violent report; a plain incident id is a dispute.</summary>
    private const string ViolentSuffix = "|violent";

    // The reports read the first time an incident is added are stored with it (same hash tag) and returned on a
    // redelivery: the incident decides as it did then, so a redelivered old report never raises a second alert.
    private const string AddAndReadScript = """
        local prior = redis.call('HGET', KEYS[2], ARGV[1])
        if prior then return prior end
        local occurred, window = tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('ZADD', KEYS[1], occurred, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (occurred - 2 * window))
        local snapshot = table.concat(redis.call('ZRANGEBYSCORE', KEYS[1], occurred - window, occurred + window, 'WITHSCORES'), ' ')
        redis.call('HSET', KEYS[2], ARGV[1], snapshot)
        redis.call('PEXPIRE', KEYS[1], 2 * window)
        redis.call('PEXPIRE', KEYS[2], 2 * window)
        return snapshot
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Adds the report and returns every report under the key within <paramref name="window"/> of it (itself included),
    /// as they were when the report was first added.
    /// </summary>
    public async Task<IReadOnlyList<DisputeReport>> AddAndReadAsync(string disputeKey, DisputeReport report, TimeSpan window)
    {
        var key = keys.Disputes(disputeKey);
        var snapshot = (string)(await Db.ScriptEvaluateAsync(AddAndReadScript, [key, key + ":done"],
            [report.Violent ? report.IncidentId + ViolentSuffix : report.IncidentId, report.OccurredAt.ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds]))!;
        var fields = snapshot.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var reports = new List<DisputeReport>(fields.Length / 2);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var member = fields[i];
            var violent = member.EndsWith(ViolentSuffix, StringComparison.Ordinal);
            var occurredAt = (long)double.Parse(fields[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            reports.Add(new DisputeReport(violent ? member[..^ViolentSuffix.Length] : member, DateTimeOffset.FromUnixTimeMilliseconds(occurredAt), violent));
        }
        return reports;
    }
}
