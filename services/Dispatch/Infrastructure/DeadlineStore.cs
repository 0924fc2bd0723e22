using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>
/// Due work (acknowledgement timeouts, tier deadlines) in one Redis sorted set scored by due time,
/// so it outlives any replica. A replica takes due items with a script that pushes each one's
/// score a lease ahead: no other replica sees it while it is handled, and if the replica dies
/// before <see cref="CompleteAsync"/> the item comes due again after the lease.
/// </summary>
public sealed class DeadlineStore(IConnectionMultiplexer redis)
{
    private static readonly LuaScript TakeDueScript = LuaScript.Prepare("""
        local due = redis.call('ZRANGEBYSCORE', @deadlines, '-inf', @now, 'LIMIT', 0, @max)
        for _, item in ipairs(due) do
          redis.call('ZADD', @deadlines, @leaseUntil, item)
        end
        return due
        """);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Schedules an item once; scheduling it again keeps the first due time.</summary>
    public Task ScheduleAsync(string item, DateTimeOffset due)
        => Db.SortedSetAddAsync(RedisKeys.Deadlines, item, due.ToUnixTimeMilliseconds(), SortedSetWhen.NotExists);

    public async Task<IReadOnlyList<string>> TakeDueAsync(DateTimeOffset now, TimeSpan lease, int max)
    {
        var result = await Db.ScriptEvaluateAsync(TakeDueScript, new
        {
            deadlines = (RedisKey)RedisKeys.Deadlines,
            now = now.ToUnixTimeMilliseconds(),
            leaseUntil = (now + lease).ToUnixTimeMilliseconds(),
            max,
        });
        return ((RedisResult[])result!).Select(r => r.ToString()!).ToList();
    }

    public Task CompleteAsync(string item) => Db.SortedSetRemoveAsync(RedisKeys.Deadlines, item);

    public async Task<DateTimeOffset?> DueAsync(string item)
        => await Db.SortedSetScoreAsync(RedisKeys.Deadlines, item) is { } score ? DateTimeOffset.FromUnixTimeMilliseconds((long)score) : null;
}
