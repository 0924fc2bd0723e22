using Contracts.Dispatch.V1;
using Dispatch.Domain;
using Google.Protobuf;
using StackExchange.Redis;

namespace Dispatch.Infrastructure;

/// <summary>Response plans stored by admins (one hash, shared by every replica); built-in plans fill the gaps.</summary>
public sealed class PlanStore(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    public Task SaveAsync(ResponsePlan plan) => Db.HashSetAsync(RedisKeys.Plans, plan.PlanId, plan.ToByteArray());

    /// <summary>The plans in force: built-in ones, replaced or extended by stored ones.</summary>
    public async Task<List<ResponsePlan>> EffectiveAsync()
        => ResponsePlans.Effective((await Db.HashGetAllAsync(RedisKeys.Plans)).Select(e => ResponsePlan.Parser.ParseFrom((byte[])e.Value!)));
}
