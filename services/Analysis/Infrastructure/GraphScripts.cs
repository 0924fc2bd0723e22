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

    // Needs: KEYS as below, fields/list/join (Helpers). Defines record/getGroup/setGroup and
    // recompute(seeds, id, now, maxReach, bridgeGroups, bridgeShare, decisiveGroups, newlyCommon): judges the bridges and rebuilds the chains
    // around the seed reports (id: the new report, or nil), writes what changed, and returns compOf (report → its chain's
    // members, with .name), the splits ("old>part=size") and rec (report → its record before: .group, .keys).
    private const string FraudRecompute = """
        local incK, idnK, membersK, aliasK, doneK, actK, publicK = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
        local function record(m) local r = redis.call('HGET', incK, m); if not r then return nil end; return fields(r) end
        local function getGroup(m) local f = record(m); if not f then return nil end; return f[1] end
        local function setGroup(m, g)
          local f = record(m)
          if f then f[1] = g; redis.call('HSET', incK, m, table.concat(f, US)) end
        end

        local function recompute(seeds, id, now, maxReach, bridgeGroups, bridgeShare, decisiveGroups, newlyCommon)
          local entries, records = {}, {}
          local function entry(k)
            local e = entries[k]
            if e == nil then
              local raw = redis.call('HGET', idnK, k)
              e = false
              if raw then
                local h = fields(raw)
                e = {count = tonumber(h[1]), flag = h[2], members = list(h[3])}
              end
              entries[k] = e
            end
            return e
          end
          local function rec(m)
            local r = records[m]
            if r == nil then
              local f = record(m)
              r = f and {group = f[1], keys = list(f[4])} or false
              records[m] = r
            end
            return r
          end

          -- Every report the seeds are connected to through linking identifiers (their chains and the chains they join),
          -- and from there through bridges (their standing depends on how their carriers are connected) while fewer than
          -- maxReach reports are read: bridges beyond are neither judged again nor crossed. The seeds are the new report
          -- and the carriers of an identifier whose standing was just set (each part of a chain it held has one of them).
          -- Chains are connected through linking identifiers, so every chain is wholly inside or wholly outside.
          local reports, inReports, idList, inIds, bridges = {}, {}, {}, {}, {}
          local function reach(m) if not inReports[m] and rec(m) then inReports[m] = true; reports[#reports + 1] = m end end
          for _, x in ipairs(seeds) do reach(x) end
          local i, b = 1, 1
          while true do
            while i <= #reports do
              for _, k in ipairs(rec(reports[i]).keys) do
                if not inIds[k] then
                  inIds[k] = true
                  local e = entry(k)
                  if e and e.flag == '0' then
                    idList[#idList + 1] = k
                    for _, x in ipairs(e.members) do reach(x) end
                  elseif e and e.flag == '2' then
                    bridges[#bridges + 1] = k
                  end
                end
              end
              i = i + 1
            end
            if b > #bridges or #reports >= maxReach then break end
            local k = bridges[b]
            b = b + 1
            idList[#idList + 1] = k
            for _, x in ipairs(entries[k].members) do reach(x) end
          end

          -- Bridges, from the least carried identifier up (ties by key): an identifier is judged on the groups its carriers
          -- form through the linking identifiers below it. A carrier with no such identifier (it is all the victim could
          -- name, or the victim's other numbers are carried more widely) is in no group. Deciding upwards makes the answer
          -- unique whatever the arrival order: nothing above an identifier, itself included, enters its own judgement.
          local function below(j, k)
            local a, b = entries[j].count, entries[k].count
            return a < b or (a == b and j < k)
          end
          local linking, heavy = {}, {}
          for _, k in ipairs(idList) do
            if entries[k].count >= bridgeGroups then heavy[#heavy + 1] = k else linking[k] = true end
          end
          table.sort(heavy, below)
          local function groupsOf(k)
            local seen, groups = {}, 0
            local function links(j) return j ~= k and linking[j] and below(j, k) end
            for _, start in ipairs(entries[k].members) do
              local r = rec(start)
              if r and not seen[start] then
                local anchored = false
                for _, j in ipairs(r.keys) do if links(j) then anchored = true; break end end
                if anchored then
                  groups = groups + 1
                  seen[start] = true
                  local queue, q = {start}, 1
                  while q <= #queue do
                    local rq = rec(queue[q])
                    if rq then
                      for _, j in ipairs(rq.keys) do
                        if links(j) then
                          for _, x in ipairs(entries[j].members) do
                            if not seen[x] then seen[x] = true; queue[#queue + 1] = x end
                          end
                        end
                      end
                    end
                    q = q + 1
                  end
                end
              end
            end
            return groups
          end
          local function setFlag(k, flag)
            local e = entries[k]
            if e.flag ~= flag then
              e.flag = flag
              redis.call('HSET', idnK, k, e.count .. US .. flag .. US .. join(e.members))
              if flag == '2' then newlyCommon[#newlyCommon + 1] = k .. '=2' end
            end
          end
          for _, k in ipairs(idList) do
            if linking[k] then setFlag(k, '0') end
          end
          for _, k in ipairs(heavy) do
            local g = groupsOf(k)
            if g >= bridgeGroups and (g >= bridgeShare * entries[k].count or g >= decisiveGroups) then
              setFlag(k, '2')
            else
              linking[k] = true
              setFlag(k, '0')
            end
          end

          -- The chains among these reports: connected through linking identifiers, named after their smallest member.
          local comps, compOf = {}, {}
          for _, start in ipairs(reports) do
            if not compOf[start] then
              local c = {start}
              compOf[start] = c
              local q = 1
              while q <= #c do
                for _, k in ipairs(rec(c[q]).keys) do
                  if linking[k] then
                    for _, x in ipairs(entries[k].members) do
                      if inReports[x] and not compOf[x] then compOf[x] = c; c[#c + 1] = x end
                    end
                  end
                end
                q = q + 1
              end
              local name = c[1]
              for _, m in ipairs(c) do if m < name then name = m end end
              c.name = name
              comps[#comps + 1] = c
            end
          end

          -- Old chains: where their members went (for renames and splits); what changed is written, with the time the
          -- chain was last active (now for this report's, the latest of its parts' for others).
          local oldParts, oldOrder, oldSize = {}, {}, {}
          for _, c in ipairs(comps) do
            for _, m in ipairs(c) do
              local g = rec(m).group
              if g ~= '' then
                if not oldParts[g] then oldParts[g] = {}; oldOrder[#oldOrder + 1] = g; oldSize[g] = 0 end
                oldParts[g][c.name] = (oldParts[g][c.name] or 0) + 1
                oldSize[g] = oldSize[g] + 1
              end
            end
          end
          local function unchanged(c)
            if compOf[id] == c then return false end
            if #c == 1 then return rec(c[1]).group == '' end
            for _, m in ipairs(c) do if rec(m).group ~= c.name then return false end end
            return oldSize[c.name] == #c
          end
          local function activityOf(c)
            if compOf[id] == c then return now end
            local latest, asked = nil, {}
            for _, m in ipairs(c) do
              local g = rec(m).group
              local member = (g ~= '' and 'g:' .. g) or ('i:' .. m)
              if not asked[member] then
                asked[member] = true
                local score = tonumber(redis.call('ZSCORE', actK, member))
                if score and (not latest or score > latest) then latest = score end
              end
            end
            return latest or now
          end

          local newNames = {}
          for _, c in ipairs(comps) do
            if #c > 1 then newNames[c.name] = true end
            if not unchanged(c) then
              local activity = activityOf(c)
              if #c == 1 then
                local m = c[1]
                if rec(m).group ~= '' then setGroup(m, '') end
                redis.call('ZADD', actK, activity, 'i:' .. m)
              else
                for _, m in ipairs(c) do
                  local g = rec(m).group
                  if g ~= c.name then setGroup(m, c.name) end
                  if g == '' then redis.call('ZREM', actK, 'i:' .. m) end
                end
                redis.call('HSET', membersK, c.name, join(c))
                redis.call('ZADD', actK, activity, 'g:' .. c.name)
              end
            end
          end
          local splits = {}
          table.sort(oldOrder)
          for _, g in ipairs(oldOrder) do
            local parts, largest, largestName = {}, 0, nil
            for name, n in pairs(oldParts[g]) do
              parts[#parts + 1] = name
              if n > largest or (n == largest and name < largestName) then largest, largestName = n, name end
            end
            table.sort(parts)
            if #parts > 1 then
              for _, name in ipairs(parts) do splits[#splits + 1] = g .. '>' .. name .. '=' .. #compOf[name] end
            end
            if not newNames[g] then
              redis.call('HDEL', membersK, g)
              redis.call('ZREM', actK, 'g:' .. g)
              if newNames[largestName] then
                redis.call('HSET', aliasK, g, largestName)
                redis.call('ZADD', actK, now, 'a:' .. g)
              end
            end
          end

          return compOf, splits, rec
        end
        """;

    /// <summary>
    /// KEYS: incidents (id → "chain US loss US currency US identifier keys"), identifiers (key → "count US state US ids"),
    /// chains (name → ids), aliases, done, activity, public (identifiers listed at run time). ARGV: incident id, loss
    /// (minor units), currency, common-degree cap, activity time (ms), prune cutoff (ms), bridge minimum groups, bridge
    /// share, groups that make a bridge whatever the share, reports read at most to judge bridges again, count of keys
    /// listed in configuration, those keys..., identifier keys...
    /// Identifier state: 0 links; 1 common (more carriers than the cap); 2 common (a bridge, see
    /// <see cref="Domain.Fraud.CommonIdentifierRule"/>; it keeps its carriers, and links again when they come to belong
    /// together); 3 common (listed as public, in configuration or at run time; it keeps its carriers, so that it can be
    /// unlisted).
    /// Which identifiers are bridges, and so the chains, is a function of the reports alone, not of their order: after
    /// adding a report the script recomputes both over every report it is connected to (through linking identifiers, and
    /// through bridges up to a bound on the reports read), deciding identifiers from the least carried up, each on the
    /// identifiers below it.
    /// Returns "chain US size US before-groups US newly-common key=state... US splits" (chain empty: the incident links to nothing).
    /// </summary>
    public const string FraudLink = Helpers + "\n" + FraudRecompute + "\n" + """

        local id, loss, currency = ARGV[1], ARGV[2], ARGV[3]
        local cap, now, cutoff = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
        local bridgeGroups, bridgeShare, decisiveGroups = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
        local maxReach, listedCount = tonumber(ARGV[10]), tonumber(ARGV[11])
        local prior = redis.call('HGET', doneK, id)
        if prior then return prior end

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

        -- The report's carriers. Over the cap an identifier stops linking for good and forgets its carriers; listed as public
        -- (in configuration or at run time) it stops linking and keeps them (up to the cap); no longer listed, it is judged
        -- by the rule again. Either way the reports it carried are judged again below.
        local listed, idents = {}, {}
        for i = 12, 11 + listedCount do listed[ARGV[i]] = true end
        for i = 12 + listedCount, #ARGV do idents[#idents + 1] = ARGV[i] end
        redis.call('HSET', incK, id, '' .. US .. loss .. US .. currency .. US .. join(idents))
        local newlyCommon, seeds = {}, {id}
        for _, k in ipairs(idents) do
          local raw = redis.call('HGET', idnK, k)
          local count, flag, members = 0, '0', ''
          if raw then
            local h = fields(raw)
            count, flag, members = tonumber(h[1]), h[2], h[3]
          end
          count = count + 1
          if flag ~= '1' then
            if count <= cap then members = (members == '') and id or (members .. RS .. id) end
            local isListed = listed[k] or redis.call('SISMEMBER', publicK, k) == 1
            local s = (isListed and '3') or (count > cap and '1') or nil
            if s and s ~= flag then
              for _, x in ipairs(list(members)) do seeds[#seeds + 1] = x end
              newlyCommon[#newlyCommon + 1] = k .. '=' .. s
              flag = s
              if s == '1' then members = '' end
            elseif not s and flag == '3' then
              for _, x in ipairs(list(members)) do seeds[#seeds + 1] = x end
              flag = '0'
            end
          end
          redis.call('HSET', idnK, k, count .. US .. flag .. US .. members)
        end

        local compOf, splits, rec = recompute(seeds, id, now, maxReach, bridgeGroups, bridgeShare, decisiveGroups, newlyCommon)

        -- This report's chain, with what it was made of: each earlier chain's members now in it, or a lone report.
        local own = compOf[id]
        local result
        if #own == 1 then
          result = '' .. US .. '1' .. US .. ''
        else
          local before, counted = {}, {}
          for _, m in ipairs(own) do
            local g = rec(m).group
            local key = (g ~= '') and g or m
            if not counted[key] then counted[key] = 0; before[#before + 1] = key end
            counted[key] = counted[key] + 1
          end
          local groups = {}
          for _, key in ipairs(before) do groups[#groups + 1] = key .. '=' .. counted[key] end
          result = own.name .. US .. #own .. US .. join(groups)
        end
        result = result .. US .. join(newlyCommon) .. US .. join(splits)
        redis.call('HSET', doneK, id, result)
        return result
        """;

    /// <summary>
    /// Lists an identifier as public at run time, or unlists it; KEYS as <see cref="FraudLink"/>. ARGV: identifier key,
    /// "1" to list or "0" to unlist, now (ms), reports read at most to judge bridges again, bridge minimum groups, bridge
    /// share, groups that make a bridge whatever the share, common-degree cap, "1" when configuration lists it (it then
    /// stays listed).
    /// The chains its carriers were in are rebuilt at once. Returns "reports US chain=size... US splits".
    /// </summary>
    public const string FraudSetListed = Helpers + "\n" + FraudRecompute + "\n" + """

        local k, listing, now = ARGV[1], ARGV[2] == '1', tonumber(ARGV[3])
        local maxReach, bridgeGroups, bridgeShare, decisiveGroups = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
        local cap, isListed = tonumber(ARGV[8]), listing or ARGV[9] == '1'
        if listing then redis.call('SADD', publicK, k) else redis.call('SREM', publicK, k) end
        local raw = redis.call('HGET', idnK, k)
        if not raw then return '0' .. US .. '' .. US .. '' end
        local h = fields(raw)
        local count, flag, members = tonumber(h[1]), h[2], h[3]
        local newFlag = flag
        if isListed then newFlag = '3'
        elseif flag == '3' then newFlag = (count > cap) and '1' or '0' end
        local newlyCommon = {}
        if newFlag ~= flag then
          if newFlag == '1' then members = '' end
          redis.call('HSET', idnK, k, count .. US .. newFlag .. US .. members)
        end
        local seeds = list(members)
        local compOf, splits = recompute(seeds, nil, now, maxReach, bridgeGroups, bridgeShare, decisiveGroups, newlyCommon)
        local chains, seen = {}, {}
        for _, m in ipairs(seeds) do
          local c = compOf[m]
          if c and #c > 1 and not seen[c.name] then seen[c.name] = true; chains[#chains + 1] = c.name .. '=' .. #c end
        end
        table.sort(chains)
        return count .. US .. join(chains) .. US .. join(splits)
        """;
}
