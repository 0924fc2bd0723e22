using Analysis.Domain;
using Contracts.Analysis.V1;
using Google.Protobuf;
using Redis;
using StackExchange.Redis;

namespace Analysis.Infrastructure;

/// <summary>
/// Watchlist entries and their index (identifier or name key → entry ids) under the tag {watchlist}:
/// an upsert replaces an entry and its index lines in one script.
/// </summary>
public sealed class WatchlistStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    // KEYS: entries, index. ARGV: entry id, entry bytes (empty = remove), new index keys...
    private static readonly RedisScript ReplaceScript = new("""
        local function dropFromIndex(key, id)
          local ids = redis.call('HGET', KEYS[2], key)
          if not ids then return end
          local kept = {}
          for e in string.gmatch(ids, '[^\30]+') do if e ~= id then kept[#kept + 1] = e end end
          if #kept == 0 then redis.call('HDEL', KEYS[2], key) else redis.call('HSET', KEYS[2], key, table.concat(kept, '\30')) end
        end
        local id = ARGV[1]
        local previous = redis.call('HGET', KEYS[1], id .. '\31keys')
        if previous then
          for key in string.gmatch(previous, '[^\30]+') do dropFromIndex(key, id) end
        end
        if ARGV[2] == '' then
          local existed = redis.call('HDEL', KEYS[1], id, id .. '\31keys')
          return existed > 0 and 1 or 0
        end
        redis.call('HSET', KEYS[1], id, ARGV[2])
        local indexed = {}
        for i = 3, #ARGV do
          local key = ARGV[i]
          indexed[#indexed + 1] = key
          local ids = redis.call('HGET', KEYS[2], key)
          if not ids then redis.call('HSET', KEYS[2], key, id)
          else
            local present = false
            for e in string.gmatch(ids, '[^\30]+') do if e == id then present = true end end
            if not present then redis.call('HSET', KEYS[2], key, ids .. '\30' .. id) end
          end
        end
        redis.call('HSET', KEYS[1], id .. '\31keys', table.concat(indexed, '\30'))
        return 1
        """);

    private IDatabase Db => redis.GetDatabase();

    public Task UpsertAsync(WatchlistEntry entry, IReadOnlyCollection<string> indexKeys)
        => ReplaceScript.EvaluateAsync(Db, [keys.Watchlist.Entries, keys.Watchlist.Index],
            [entry.EntryId, entry.ToByteArray(), .. indexKeys.Select(k => (RedisValue)k)]);

    public async Task<bool> RemoveAsync(string entryId)
        => (long)(await ReplaceScript.EvaluateAsync(Db, [keys.Watchlist.Entries, keys.Watchlist.Index], [entryId, ""])) == 1;

    public async Task<IReadOnlyList<WatchlistEntry>> ListAsync()
    {
        var all = await Db.HashGetAllAsync(keys.Watchlist.Entries);
        return [.. all.Where(e => !((string)e.Name!).Contains(GraphScripts.FieldSeparator)).Select(e => WatchlistEntry.Parser.ParseFrom((byte[])e.Value!)).OrderBy(e => e.EntryId, StringComparer.Ordinal)];
    }

    /// <summary>The entries any of <paramref name="indexKeys"/> points to, with the keys that matched.</summary>
    public async Task<IReadOnlyList<(WatchlistEntry Entry, IReadOnlyList<string> MatchedKeys)>> MatchAsync(IReadOnlyList<string> indexKeys)
    {
        if (indexKeys.Count == 0)
        {
            return [];
        }
        var ids = await Db.HashGetAsync(keys.Watchlist.Index, [.. indexKeys.Select(k => (RedisValue)k)]);
        var hits = new List<(string EntryId, string Key)>();
        for (var i = 0; i < indexKeys.Count; i++)
        {
            if (!ids[i].IsNullOrEmpty)
            {
                hits.AddRange(((string)ids[i]!).Split(GraphScripts.ListSeparator, StringSplitOptions.RemoveEmptyEntries).Select(id => (id, indexKeys[i])));
            }
        }
        if (hits.Count == 0)
        {
            return [];
        }
        var entryIds = hits.Select(h => h.EntryId).Distinct().ToArray();
        var entries = await Db.HashGetAsync(keys.Watchlist.Entries, [.. entryIds.Select(id => (RedisValue)id)]);
        var byId = entryIds.Zip(entries).Where(p => !p.Second.IsNullOrEmpty)
            .ToDictionary(p => p.First, p => WatchlistEntry.Parser.ParseFrom((byte[])p.Second!));
        return [.. hits.Where(h => byId.ContainsKey(h.EntryId)).GroupBy(h => h.EntryId)
            .Select(g => (byId[g.Key], (IReadOnlyList<string>)[.. g.Select(h => h.Key).Distinct(StringComparer.Ordinal)]))];
    }
}
