using Analysis.Domain.Hotspots;
using Contracts.Common.V1;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Who raised each hotspot alert, shared by the replicas (the counts themselves are in each replica's memory,
/// <see cref="HotspotCounter"/>): one alert per cell, category and window instance, whichever replica judges it first.
/// </summary>
public sealed class HotspotStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Claims the alert of one cell, category and window instance for <paramref name="incidentId"/>: true for the
    /// first claimant, and again for the same incident (its redelivery must be able to publish the alert it may have lost).
    /// </summary>
    public async Task<bool> ClaimAlertAsync(string cellId, IncidentCategory category, HotspotWindowSpec window, long windowIndex, string incidentId)
    {
        var key = keys.HotspotAlerted(cellId, category, window.Window.ToString(), windowIndex);
        if (await Db.StringSetAsync(key, incidentId, window.Length * 2, When.NotExists))
        {
            return true;
        }
        return await Db.StringGetAsync(key) == incidentId;
    }
}
