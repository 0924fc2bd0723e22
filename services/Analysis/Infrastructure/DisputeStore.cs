using Analysis.Domain.Disputes;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>The dispute reports under one dispute key (address or parties), by occurred time; idempotent per incident id.</summary>
public sealed class DisputeStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    /// <summary>Member suffix of a violent report; a plain incident id is a dispute.</summary>
    private const string ViolentSuffix = "|violent";

    private const string AddAndReadScript = """
        local occurred, window = tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('ZADD', KEYS[1], occurred, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (occurred - 2 * window))
        redis.call('PEXPIRE', KEYS[1], 2 * window)
        return redis.call('ZRANGEBYSCORE', KEYS[1], occurred - window, occurred + window, 'WITHSCORES')
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Adds the report and returns every report under the key within <paramref name="window"/> of it (itself included).</summary>
    public async Task<IReadOnlyList<DisputeReport>> AddAndReadAsync(string disputeKey, DisputeReport report, TimeSpan window)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(AddAndReadScript, [keys.Disputes(disputeKey)],
            [report.Violent ? report.IncidentId + ViolentSuffix : report.IncidentId, report.OccurredAt.ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds]))!;
        var reports = new List<DisputeReport>(result.Length / 2);
        for (var i = 0; i + 1 < result.Length; i += 2)
        {
            var member = (string)result[i]!;
            var violent = member.EndsWith(ViolentSuffix, StringComparison.Ordinal);
            reports.Add(new DisputeReport(violent ? member[..^ViolentSuffix.Length] : member, DateTimeOffset.FromUnixTimeMilliseconds((long)result[i + 1]), violent));
        }
        return reports;
    }
}
