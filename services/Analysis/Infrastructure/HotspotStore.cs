using Analysis.Domain.Hotspots;
using Contracts.Common.V1;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Per cell and category, the incidents of the baseline period in a sorted set scored by occurred
/// time. Adding is idempotent (the member is the incident id), so counting survives redelivery;
/// the set trims itself to the baseline period and expires when the cell goes quiet.
/// </summary>
public sealed class HotspotStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    // KEYS: the cell's set. ARGV: incident id, occurred (ms), baseline period (ms), window lengths (ms)...
    // Returns: 1 when the set was created by this add, then per window: its end, the count in it, the count in the baseline before it.
    // A window ends at the latest incident within one window length after this one: partitions are processed in
    // parallel, so the incident that completes a cluster in event time may be processed before the others.
    private const string AddAndCountScript = """
        local occurred, period = tonumber(ARGV[2]), tonumber(ARGV[3])
        local added = redis.call('ZADD', KEYS[1], occurred, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (occurred - period))
        redis.call('PEXPIRE', KEYS[1], period)
        local result = {0}
        if added == 1 and redis.call('ZCARD', KEYS[1]) == 1 then result[1] = 1 end
        for i = 4, #ARGV do
          local length = tonumber(ARGV[i])
          local stop = occurred
          local last = redis.call('ZREVRANGEBYSCORE', KEYS[1], occurred + length, occurred, 'WITHSCORES', 'LIMIT', 0, 1)
          if #last == 2 then stop = tonumber(last[2]) end
          local from = stop - length
          result[#result + 1] = stop
          result[#result + 1] = redis.call('ZCOUNT', KEYS[1], '(' .. from, stop)
          result[#result + 1] = redis.call('ZCOUNT', KEYS[1], stop - period, from)
        end
        return result
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Adds the incident and counts, at its occurred time, each window of <paramref name="rule"/>.</summary>
    public async Task<IReadOnlyList<(HotspotCounts Counts, DateTimeOffset WindowEnd)>> AddAndCountAsync(string cellId, GeoPoint cellCenter, IncidentCategory category, string incidentId, DateTimeOffset occurredAt, HotspotRule rule)
    {
        var result = (long[])(await Db.ScriptEvaluateAsync(AddAndCountScript, [keys.HotspotCell(cellId, category)],
            [incidentId, occurredAt.ToUnixTimeMilliseconds(), (long)rule.BaselinePeriod.TotalMilliseconds,
             .. rule.Windows.Select(w => (RedisValue)(long)w.Length.TotalMilliseconds)]))!;
        if (result[0] == 1)
        {
            // A cell that comes back to life is registered again: GEOADD of a known member changes nothing.
            await Db.GeoAddAsync(keys.HotspotCells(category), cellCenter.Longitude, cellCenter.Latitude, cellId);
        }
        return [.. rule.Windows.Select((_, i) => (new HotspotCounts(result[2 + 3 * i], result[3 + 3 * i]), DateTimeOffset.FromUnixTimeMilliseconds(result[1 + 3 * i])))];
    }

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

    /// <summary>Cells of a category inside a box (centre and half-sizes in metres).</summary>
    public async Task<IReadOnlyList<(string CellId, GeoPoint Center)>> CellsInAsync(IncidentCategory category, GeoPoint center, double widthMeters, double heightMeters)
    {
        var found = await Db.GeoSearchAsync(keys.HotspotCells(category), center.Longitude, center.Latitude,
            new GeoSearchBox(heightMeters, widthMeters, GeoUnit.Meters), options: GeoRadiusOptions.WithCoordinates);
        return [.. found.Select(r => ((string)r.Member!, new GeoPoint { Latitude = r.Position!.Value.Latitude, Longitude = r.Position!.Value.Longitude }))];
    }

    /// <summary>Counts of one cell at <paramref name="now"/> for one window.</summary>
    public async Task<IReadOnlyList<HotspotCounts>> CountAsync(IReadOnlyList<(string CellId, IncidentCategory Category)> cells, DateTimeOffset now, HotspotWindowSpec window, TimeSpan baselinePeriod)
    {
        var end = now.ToUnixTimeMilliseconds();
        var from = end - (long)window.Length.TotalMilliseconds;
        var start = end - (long)baselinePeriod.TotalMilliseconds;
        var batch = Db.CreateBatch();
        var counts = cells.Select(c =>
        {
            var key = keys.HotspotCell(c.CellId, c.Category);
            return (In: batch.SortedSetLengthAsync(key, from, end, Exclude.Start), Before: batch.SortedSetLengthAsync(key, start, from));
        }).ToList();
        batch.Execute();
        var result = new List<HotspotCounts>();
        foreach (var (inWindow, before) in counts)
        {
            result.Add(new HotspotCounts(await inWindow, await before));
        }
        return result;
    }
}
