using Analysis.Domain.Disputes;
using Redis;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>The dispute reports under one dispute key (address or parties), by occurred time; idempotent per incident id.</summary>
public sealed class DisputeStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    /// <summary>Member suffix of a violent report; a plain incident id is a dispute.</summary>
    private const string ViolentSuffix = "|violent";

    // A report that raised nothing the first time raises nothing when delivered again (an old report redelivered after
    // its group formed must not alert a second time): its decision is kept next to the key, one byte per report. Fewer
    // reports than the threshold within the window either side cannot escalate, so the script decides those itself (most
    // keys hold one or two reports): a second script per key and report was a fifth of Analysis's Redis commands.
    private static readonly RedisScript AddAndReadScript = new("""
        local decided = redis.call('HGET', KEYS[2], ARGV[1])
        if decided == '0' then return {'0'} end
        local occurred, window, threshold = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        redis.call('ZADD', KEYS[1], occurred, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (occurred - 2 * window))
        redis.call('PEXPIRE', KEYS[1], 2 * window)
        if redis.call('ZCOUNT', KEYS[1], occurred - window, occurred + window) < threshold then
          redis.call('HSET', KEYS[2], ARGV[1], '0')
          redis.call('PEXPIRE', KEYS[2], 2 * window)
          return {'0'}
        end
        local found = redis.call('ZRANGEBYSCORE', KEYS[1], occurred - window, occurred + window, 'WITHSCORES')
        table.insert(found, 1, decided or '')
        return found
        """);

    private static readonly RedisScript DecideScript = new("""
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        """);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Adds the report and returns every report under the key within <paramref name="window"/> of it (itself included),
    /// for <see cref="RecordDecisionAsync"/> to follow; null when this report raises nothing under the key, decided here:
    /// judged so before (a redelivery), or fewer than <paramref name="threshold"/> reports within the window either side.
    /// </summary>
    public async Task<IReadOnlyList<DisputeReport>?> AddAndReadAsync(string disputeKey, DisputeReport report, TimeSpan window, int threshold)
    {
        var result = (RedisResult[])(await AddAndReadScript.EvaluateAsync(Db, [keys.Disputes(disputeKey), keys.DisputeDecisions(disputeKey)],
            [Member(report), report.OccurredAt.ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds, threshold]))!;
        if ((string?)result[0] == "0")
        {
            return null;
        }
        var reports = new List<DisputeReport>(result.Length / 2);
        for (var i = 1; i + 1 < result.Length; i += 2)
        {
            var member = (string)result[i]!;
            var violent = member.EndsWith(ViolentSuffix, StringComparison.Ordinal);
            reports.Add(new DisputeReport(violent ? member[..^ViolentSuffix.Length] : member, DateTimeOffset.FromUnixTimeMilliseconds((long)result[i + 1]), violent));
        }
        return reports;
    }

    /// <summary>Keeps whether the report raised an escalation under the key, for its redeliveries.</summary>
    public Task RecordDecisionAsync(string disputeKey, DisputeReport report, bool escalated, TimeSpan window)
        => DecideScript.EvaluateAsync(Db, [keys.DisputeDecisions(disputeKey)],
            [Member(report), escalated ? "1" : "0", (long)(2 * window).TotalMilliseconds]);

    private static string Member(DisputeReport report) => report.Violent ? report.IncidentId + ViolentSuffix : report.IncidentId;
}
