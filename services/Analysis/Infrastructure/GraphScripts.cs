namespace Analysis.Infrastructure;

/// <summary>
/// The Lua behind the series and fraud graphs. Each graph lives under one hash tag and every key a
/// script touches is passed in KEYS, so a script is atomic on Redis, on Redis Cluster (one slot) and
/// on Garnet (which locks the declared keys). Groups (series, chains) are named after their
/// smallest incident id: the name is a function of the membership, so a replay in any order gives
/// the same names. Records use control characters as separators (identifier keys never contain them).
/// </summary>
internal static class GraphScripts
{
    /// <summary>Field separator (US) and list separator (RS).</summary>
    public const char FieldSeparator = '\u001f';
    public const char ListSeparator = '\u001e';

    private const string Helpers = """
        local US, RS = '\31', '\30'
        local function fields(s)
          local out, start = {}, 1
          while true do
            local i = string.find(s, US, start, true)
            if not i then out[#out + 1] = string.sub(s, start); return out end
            out[#out + 1] = string.sub(s, start, i - 1)
            start = i + 1
          end
        end
        local function list(s)
          local out = {}
          if s and s ~= '' then
            for part in string.gmatch(s, '[^\30]+') do out[#out + 1] = part end
          end
          return out
        end
        local function join(t) return table.concat(t, RS) end
        """;

    // Needs: membersK, aliasK, actK, getGroup(m), setGroup(m, name). Joins id with the groups of `others`
    // (and its own): returns the surviving name, its size and "name=size" of every group before.
    private const string Union = """
        local function union(id, others, now)
          local groups, seen = {}, {}
          local candidates = {id}
          for _, m in ipairs(others) do candidates[#candidates + 1] = m end
          for _, m in ipairs(candidates) do
            local g = getGroup(m)
            if g == '' then g = nil end
            local key = g or ('=' .. m)
            if not seen[key] then
              seen[key] = true
              local members = g and list(redis.call('HGET', membersK, g)) or {m}
              if #members == 0 then members = {m} end
              groups[#groups + 1] = {name = g, members = members}
            end
          end
          local all, name = {}, id
          for _, grp in ipairs(groups) do
            for _, m in ipairs(grp.members) do
              all[#all + 1] = m
              if m < name then name = m end
            end
          end
          local before = {}
          for _, grp in ipairs(groups) do
            before[#before + 1] = (grp.name or grp.members[1]) .. '=' .. #grp.members
            if grp.name ~= name then
              for _, m in ipairs(grp.members) do setGroup(m, name) end
              if grp.name then
                redis.call('HDEL', membersK, grp.name)
                redis.call('ZREM', actK, 'g:' .. grp.name)
                redis.call('HSET', aliasK, grp.name, name)
                redis.call('ZADD', actK, now, 'a:' .. grp.name)
              else
                redis.call('ZREM', actK, 'i:' .. grp.members[1])
              end
            end
          end
          if #all > 1 then
            redis.call('HSET', membersK, name, join(all))
            redis.call('ZADD', actK, now, 'g:' .. name)
          end
          return name, #all, before
        end
        """;

    /// <summary>
    /// KEYS: incidents (id → series name), members (name → ids), aliases (old name → new), done (id → result), activity (zset).
    /// ARGV: incident id, activity time (ms), prune cutoff (ms), linked incident ids...
    /// Returns "name US size US before-groups US" (stored per incident, so a redelivery gets the same answer).
    /// </summary>
    public const string SeriesUnion = Helpers + "\n" + """

        local incK, membersK, aliasK, doneK, actK = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
        local id, now, cutoff = ARGV[1], tonumber(ARGV[2]), ARGV[3]
        local prior = redis.call('HGET', doneK, id)
        if prior then return prior end
        local function getGroup(m) local g = redis.call('HGET', incK, m); if not g then return nil end; return g end
        local function setGroup(m, g) redis.call('HSET', incK, m, g) end
        -- A series idle past the retention leaves the graph.
        local expired = redis.call('ZRANGEBYSCORE', actK, '-inf', cutoff, 'LIMIT', 0, 16)
        for _, e in ipairs(expired) do
          local kind, name = string.sub(e, 1, 1), string.sub(e, 3)
          if kind == 'g' then
            for _, m in ipairs(list(redis.call('HGET', membersK, name))) do
              redis.call('HDEL', incK, m)
              redis.call('HDEL', doneK, m)
            end
            redis.call('HDEL', membersK, name)
          elseif kind == 'a' then
            redis.call('HDEL', aliasK, name)
          end
          redis.call('ZREM', actK, e)
        end
        """ + "\n" + Union + "\n" + """

        local others = {}
        for i = 4, #ARGV do others[#others + 1] = ARGV[i] end
        local name, size, before = union(id, others, now)
        local result = name .. US .. size .. US .. join(before) .. US
        redis.call('HSET', doneK, id, result)
        return result
        """;

    /// <summary>
    /// KEYS: incidents (id → "chain US loss US currency US identifier keys"), identifiers (key → "count US state US ids"),
    /// chains (name → ids), aliases, done, activity. ARGV: incident id, loss (minor units), currency, common-degree cap,
    /// activity time (ms), prune cutoff (ms), bridge minimum groups, bridge share, relink groups, count of listed public keys,
    /// the listed public keys..., identifier keys...
    /// Identifier state: 0 links; 1 common (more carriers than the cap); 2 common (a bridge: its carriers have nothing
    /// else linking them, see <see cref="Domain.Fraud.CommonIdentifierRule"/>; it keeps its carriers and links again
    /// when they come to belong together); 3 common (listed as public).
    /// Returns "chain US size US before-groups US newly-common key=state... US splits" (chain empty: the incident links to nothing).
    /// </summary>
    public const string FraudLink = Helpers + "\n" + """

        local incK, idnK, membersK, aliasK, doneK, actK = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
        local id, loss, currency = ARGV[1], ARGV[2], ARGV[3]
        local cap, now, cutoff = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
        local bridgeGroups, bridgeShare, relinkGroups, listedCount = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
        local prior = redis.call('HGET', doneK, id)
        if prior then return prior end
        local function record(m) local r = redis.call('HGET', incK, m); if not r then return nil end; return fields(r) end
        local function getGroup(m) local f = record(m); if not f then return nil end; return f[1] end
        local function setGroup(m, g)
          local f = record(m)
          if f then f[1] = g; redis.call('HSET', incK, m, table.concat(f, US)) end
        end

        -- A chain (or lone incident) idle past the retention leaves the graph, with its identifier counts.
        local function drop(m)
          local f = record(m)
          if f then
            for _, k in ipairs(list(f[4])) do
              local e = redis.call('HGET', idnK, k)
              if e then
                local h = fields(e)
                local count = tonumber(h[1]) - 1
                if count <= 0 then
                  redis.call('HDEL', idnK, k)
                else
                  local kept = {}
                  for _, x in ipairs(list(h[3])) do if x ~= m then kept[#kept + 1] = x end end
                  redis.call('HSET', idnK, k, count .. US .. h[2] .. US .. join(kept))
                end
              end
            end
          end
          redis.call('HDEL', incK, m)
          redis.call('HDEL', doneK, m)
        end
        local expired = redis.call('ZRANGEBYSCORE', actK, '-inf', cutoff, 'LIMIT', 0, 16)
        for _, e in ipairs(expired) do
          local kind, name = string.sub(e, 1, 1), string.sub(e, 3)
          if kind == 'g' then
            for _, m in ipairs(list(redis.call('HGET', membersK, name))) do drop(m) end
            redis.call('HDEL', membersK, name)
          elseif kind == 'i' then
            drop(name)
          else
            redis.call('HDEL', aliasK, name)
          end
          redis.call('ZREM', actK, e)
        end

        -- Recomputes a chain's parts without the common identifiers (one just crossed the cap).
        local function split(g)
          local members = list(redis.call('HGET', membersK, g))
          local inChain, part, parts = {}, {}, {}
          for _, m in ipairs(members) do inChain[m] = true end
          for _, start in ipairs(members) do
            if not part[start] then
              local c = {start}
              part[start] = true
              local i = 1
              while i <= #c do
                local f = record(c[i])
                if f then
                  for _, k in ipairs(list(f[4])) do
                    local e = redis.call('HGET', idnK, k)
                    if e then
                      local h = fields(e)
                      if h[2] == '0' then
                        for _, x in ipairs(list(h[3])) do
                          if inChain[x] and not part[x] then part[x] = true; c[#c + 1] = x end
                        end
                      end
                    end
                  end
                end
                i = i + 1
              end
              parts[#parts + 1] = c
            end
          end
          local activity = redis.call('ZSCORE', actK, 'g:' .. g) or now
          redis.call('HDEL', membersK, g)
          redis.call('ZREM', actK, 'g:' .. g)
          local largest, largestName, names = 0, nil, {}
          for _, c in ipairs(parts) do
            local name = c[1]
            for _, m in ipairs(c) do if m < name then name = m end end
            if #c == 1 then
              setGroup(c[1], '')
              redis.call('ZADD', actK, activity, 'i:' .. c[1])
            else
              for _, m in ipairs(c) do setGroup(m, name) end
              redis.call('HSET', membersK, name, join(c))
              redis.call('ZADD', actK, activity, 'g:' .. name)
            end
            if #c > largest then largest, largestName = #c, name end
            names[#names + 1] = g .. '>' .. name .. '=' .. #c
          end
          if largest > 1 and largestName ~= g then
            redis.call('HSET', aliasK, g, largestName)
            redis.call('ZADD', actK, activity, 'a:' .. g)
          end
          return names
        end
        """ + "\n" + Union + "\n" + """

        local listed, idents = {}, {}
        for i = 11, 10 + listedCount do listed[ARGV[i]] = true end
        for i = 11 + listedCount, #ARGV do idents[#idents + 1] = ARGV[i] end
        redis.call('HSET', incK, id, '' .. US .. loss .. US .. currency .. US .. join(idents))
        local newlyCommon, toSplit = {}, {}
        local entries = {}
        -- Marks k common (state s): it stops linking, and the chain it was holding together is split again.
        -- A bridge keeps its carriers (at most the cap), so that it can link again once they are found to belong together.
        local function makeCommon(k, e, s)
          local first = list(e.members)[1]
          if e.flag == '0' and first and first ~= id then
            local g = getGroup(first)
            if g and g ~= '' then toSplit[#toSplit + 1] = g end
          end
          e.flag = s
          newlyCommon[#newlyCommon + 1] = k .. '=' .. s
          if s ~= '2' then e.members = '' end
        end
        local function save(k, e) redis.call('HSET', idnK, k, e.count .. US .. e.flag .. US .. e.members) end
        for _, k in ipairs(idents) do
          local raw = redis.call('HGET', idnK, k)
          local e = {count = 0, flag = '0', members = ''}
          if raw then
            local h = fields(raw)
            e = {count = tonumber(h[1]), flag = h[2], members = h[3]}
          end
          e.count = e.count + 1
          local tracked = e.flag == '0' or e.flag == '2'
          if tracked then e.members = (e.members == '') and id or (e.members .. RS .. id) end
          if tracked and listed[k] then makeCommon(k, e, '3')
          elseif tracked and e.count > cap then makeCommon(k, e, '1') end
          entries[k] = e
          save(k, e)
        end

        -- Groups among k's carriers without k: each carrier that has another linking identifier starts a search over
        -- linking identifiers other than k; carriers reached from an earlier one are in its group. Carriers with
        -- nothing else (k is all the victim could name) belong to no group.
        local function linking(j)
          local raw = redis.call('HGET', idnK, j)
          if not raw then return nil end
          local h = fields(raw)
          if h[2] ~= '0' then return nil end
          return list(h[3])
        end
        local function bridgeGroupsOf(k, carriers)
          local seen, groups = {}, 0
          for _, start in ipairs(carriers) do
            if not seen[start] then
              local f = record(start)
              local anchored = false
              if f then
                for _, j in ipairs(list(f[4])) do
                  if j ~= k and linking(j) then anchored = true; break end
                end
              end
              if anchored then
                groups = groups + 1
                seen[start] = true
                local queue, i = {start}, 1
                while i <= #queue do
                  local r = record(queue[i])
                  if r then
                    for _, j in ipairs(list(r[4])) do
                      if j ~= k then
                        local ms = linking(j)
                        if ms then
                          for _, x in ipairs(ms) do
                            if not seen[x] then seen[x] = true; queue[#queue + 1] = x end
                          end
                        end
                      end
                    end
                  end
                  i = i + 1
                end
              end
            end
          end
          return groups
        end
        -- Only this report's identifiers can have become bridges: it adds a carrier to them and only joins everything else.
        for _, k in ipairs(idents) do
          local e = entries[k]
          if e.flag == '0' and e.count >= bridgeGroups then
            local groups = bridgeGroupsOf(k, list(e.members))
            if groups >= bridgeGroups and groups >= bridgeShare * e.count then
              makeCommon(k, e, '2')
              save(k, e)
            end
          end
        end

        local others = {}
        for _, k in ipairs(idents) do
          local e = entries[k]
          if e.flag == '0' then
            local first = list(e.members)[1]
            if first and first ~= id then others[#others + 1] = first end
          end
        end

        table.sort(toSplit)
        local splits, done = {}, {}
        for _, g in ipairs(toSplit) do
          if not done[g] then
            done[g] = true
            for _, n in ipairs(split(g)) do splits[#splits + 1] = n end
          end
        end

        -- A bridge whose carriers have since been linked through other identifiers (a young operation's fresh numbers,
        -- reused by later victims) was the operation's own infrastructure after all: it links again when its carriers
        -- fall into at most relinkGroups groups (below the bridge threshold, so it does not flip back and forth).
        -- Carriers only come together when parts merge, so only then are the merged chain's bridges counted again.
        local function relink(name)
          for _ = 1, 8 do
            local bridges, seen = {}, {}
            for _, m in ipairs(list(redis.call('HGET', membersK, name))) do
              local f = record(m)
              if f then
                for _, k in ipairs(list(f[4])) do
                  if not seen[k] then
                    seen[k] = true
                    local raw = redis.call('HGET', idnK, k)
                    if raw then
                      local h = fields(raw)
                      if h[2] == '2' then bridges[#bridges + 1] = {key = k, count = h[1], members = list(h[3])} end
                    end
                  end
                end
              end
            end
            local changed = false
            for _, b in ipairs(bridges) do
              if bridgeGroupsOf(b.key, b.members) <= relinkGroups then
                redis.call('HSET', idnK, b.key, b.count .. US .. '0' .. US .. join(b.members))
                local rest = {}
                for i = 2, #b.members do rest[#rest + 1] = b.members[i] end
                union(b.members[1], rest, now)
                changed = true
              end
            end
            if not changed then return end
            name = getGroup(id)
          end
        end

        local result
        if #others == 0 then
          redis.call('ZADD', actK, now, 'i:' .. id)
          result = '' .. US .. '1' .. US .. ''
        else
          local name, size, before = union(id, others, now)
          -- "before" holds this report's own part too: three or more parts means existing parts were merged.
          if #before >= 3 then
            relink(name)
            name = getGroup(id)
            size = #list(redis.call('HGET', membersK, name))
          end
          result = name .. US .. size .. US .. join(before)
        end
        result = result .. US .. join(newlyCommon) .. US .. join(splits)
        redis.call('HSET', doneK, id, result)
        return result
        """;
}
