/**
 * Redis scripts that claim and complete jobs, and their combination (one round trip for a
 * turn's completions and claims): the claim filter (types, pauses, concurrency per type
 * and key, rate windows) is applied here, atomically. ARGV[1] is always the key base (see
 * the prelude).
 */
import type { ClaimFilter } from '../../storage/claims.js';
import { LUA_PRELUDE } from './luaPrelude.js';
import { RATE_FUNCTIONS } from './rateFunctions.js';
import type { ScriptArg } from './RedisScript.js';

/** Lua functions shared by the claim and complete scripts and their combination. */
const CLAIM_COMPLETE_FUNCTIONS = `${RATE_FUNCTIONS}
-- Reads a claim filter from ARGV[at]: a count of types (-1: no filter), then for each its
-- name, its concurrency, its group concurrency, its rate limit's max and duration, and
-- its group rate limit's max and duration ('' for none). Returns the rules (nil without a
-- filter) and the index after them.
local FILTER_FIELDS = 7
local function readFilter(at)
  local n = tonumber(ARGV[at])
  if n < 0 then return nil, at + 1 end
  local rules = {}
  for i = 0, n - 1 do
    local o = at + 1 + i * FILTER_FIELDS
    rules[#rules + 1] = { typ = ARGV[o], conc = tonumber(ARGV[o + 1]), gconc = tonumber(ARGV[o + 2]),
      rmax = tonumber(ARGV[o + 3]), rdur = tonumber(ARGV[o + 4]), grmax = tonumber(ARGV[o + 5]),
      grdur = tonumber(ARGV[o + 6]) }
  end
  return rules, at + 1 + n * FILTER_FIELDS
end
-- The first n ready jobs of type typ, in claim order, appended to out: members alone, or
-- with scores as candidates { p, score, m, first } (to merge several types; first is 0
-- for a type with a concurrency limit, see byClaimOrder). Each priority set it took from
-- goes to touched, to be tidied once the jobs are leased.
local function firstOfType(typ, now, n, out, scored, touched, first)
  local got = 0
  for _, p in ipairs(livePriorities(typ)) do
    if got >= n then break end
    local key = tpk(p, typ)
    if scored then
      local ms = rcall('ZRANGEBYSCORE', key, '-inf', now, 'WITHSCORES', 'LIMIT', 0, n - got)
      for i = 1, #ms, 2 do out[#out + 1] = { p, tonumber(ms[i + 1]), ms[i], first } end
      got = got + #ms / 2
    else
      local ms = rcall('ZRANGEBYSCORE', key, '-inf', now, 'LIMIT', 0, n - got)
      for i = 1, #ms do out[#out + 1] = ms[i] end
      got = got + #ms
    end
    if got > 0 then touched[#touched + 1] = { p, typ } end
  end
end
-- Up to n ready jobs of a grouped type, in claim order, with at most gconc running per key
-- (counting those running now) and, with a per-key rate limit (r.grmax), no more starts
-- per key than its window allows, appended to out as candidates { p, score, m, first }.
-- Walks each priority's set by rank, CHUNK members at a time; a member carries its group
-- key, so no job is read. Returns the next slot of a key window found full (or nil).
local CHUNK = 100
local function walkGroups(r, now, n, out, touched, first, slot)
  local typ, gconc = r.typ, r.gconc
  local nowN = tonumber(now)
  local got, keys, windows = 0, {}, {}
  local gkey = base .. 'grunning:' .. typ
  for _, p in ipairs(livePriorities(typ)) do
    local key = tpk(p, typ)
    local ready = rcall('ZCOUNT', key, '-inf', now)
    local from, before = 0, got
    while got < n and from < ready do
      local ms = rcall('ZRANGE', key, from, math.min(ready, from + CHUNK) - 1, 'WITHSCORES')
      from = from + CHUNK
      for i = 1, #ms, 2 do
        local m = ms[i]
        local gk = string.sub(m, 18)
        local fits = true
        if gk ~= '' then
          local c = keys[gk] or tonumber(rcall('HGET', gkey, gk)) or 0
          keys[gk] = c
          fits = c < gconc
          local w = nil
          if fits and r.grmax then
            w = windows[gk]
            if not w then
              w = rateWindow(rateKey(typ, gk), nowN, r.grdur)
              windows[gk] = w
            end
            fits = w.n < r.grmax
            slot = slotOf(w, nowN, r.grmax, slot)
          end
          if fits then
            keys[gk] = c + 1
            if w then
              w.n = w.n + 1
              w.oldest = w.oldest or nowN
              slot = slotOf(w, nowN, r.grmax, slot)
            end
          end
        end
        if fits then
          out[#out + 1] = { p, tonumber(ms[i + 1]), m, first }
          got = got + 1
          if got >= n then break end
        end
      end
    end
    if got > before then touched[#touched + 1] = { p, typ } end
    if got >= n then break end
  end
  return slot
end
-- Claim order, except that within a priority the candidates of a type with a concurrency
-- limit (at most its free slots) come first, so that a limited type runs at its limit
-- while its jobs wait (in plain claim order its free slots waited for the order to reach
-- its jobs again).
local function byClaimOrder(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  if a[4] ~= b[4] then return a[4] < b[4] end
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[3] < b[3]
end
-- Adds by to the running counts of the types and keys in counts ({ typ = { [''] = n,
-- [groupKey] = n } }): one command per type and key, not per job.
local function addRunning(counts, by)
  for typ, c in pairs(counts) do
    for gk, n in pairs(c) do
      if gk == '' then
        if rcall('HINCRBY', base .. 'running', typ, by * n) <= 0 then rcall('HDEL', base .. 'running', typ) end
      elseif rcall('HINCRBY', base .. 'grunning:' .. typ, gk, by * n) <= 0 then
        rcall('HDEL', base .. 'grunning:' .. typ, gk)
      end
    end
  end
end
local function countRunning(counts, typ, gk)
  local c = counts[typ]
  if not c then
    c = {}
    counts[typ] = c
  end
  c[''] = (c[''] or 0) + 1
  if gk and gk ~= '' then c[gk] = (c[gk] or 0) + 1 end
end
-- Leases up to limit ready jobs, best priority first, then run time, then insertion, and
-- counts the attempt. With rules (a claim filter) only their types, none while the queue
-- or their type is paused, within their limits; each type is read on its own, so jobs of
-- other types are never walked over. Returns the job hashes (flat) and the next slot of
-- a rate window that is full (-1 when none).
local function claimJobs(worker, now, untilT, limit, rules)
  local nowN = tonumber(now)
  local chosen, touched = {}, {}
  local paused = {}
  local slot, rated = nil, {}
  if rules == nil then
    -- No filter (tools): every type, without limits, paused or not.
    rules = {}
    for _, t in ipairs(rcall('SMEMBERS', base .. 'types')) do rules[#rules + 1] = { typ = t } end
  else
    for _, t in ipairs(rcall('SMEMBERS', base .. 'paused')) do paused[t] = true end
    if paused[''] then return {}, -1 end
  end
  local open = {}
  for _, r in ipairs(rules) do
    if not paused[r.typ] then
      local n = limit
      if r.conc then n = math.min(n, r.conc - (tonumber(rcall('HGET', base .. 'running', r.typ)) or 0)) end
      if r.rmax or r.grmax then rated[r.typ] = r end
      if r.rmax and n > 0 then
        r.window = rateWindow(rateKey(r.typ), nowN, r.rdur)
        n = math.min(n, r.rmax - r.window.n)
        slot = slotOf(r.window, nowN, r.rmax, slot)
      end
      if n > 0 then open[#open + 1] = { r, n } end
    end
  end
  if #open == 1 and not open[1][1].gconc then
    -- One type without groups: its members are already in claim order.
    firstOfType(open[1][1].typ, now, open[1][2], chosen, false, touched)
  else
    local candidates = {}
    for _, o in ipairs(open) do
      local r, n = o[1], o[2]
      local first = r.conc and 0 or 1
      if r.gconc then
        slot = walkGroups(r, now, n, candidates, touched, first, slot)
      else
        firstOfType(r.typ, now, n, candidates, true, touched, first)
      end
    end
    if #open > 1 then table.sort(candidates, byClaimOrder) end
    for i = 1, math.min(limit, #candidates) do chosen[i] = candidates[i][3] end
  end
  local out, counts = {}, {}
  local seq = nil
  for i, m in ipairs(chosen) do
    local id = idOf(m)
    local k = jk(id)
    local j = toMap(rcall('HGETALL', k))
    dropPending(id, j.type, j.priority, j.groupKey)
    countRunning(counts, j.type, j.groupKey)
    local r = rated[j.type]
    if r then
      seq = seq or rcall('INCR', base .. 'rateseq')
      local member = seq .. ':' .. i
      if r.rmax then
        recordStart(rateKey(j.type), nowN, r.rdur, member)
        r.window.n = r.window.n + 1
        r.window.oldest = r.window.oldest or nowN
        slot = slotOf(r.window, nowN, r.rmax, slot)
      end
      if r.grmax and r.gconc and j.groupKey and j.groupKey ~= '' then
        recordStart(rateKey(j.type, j.groupKey), nowN, r.grdur, member)
      end
    end
    j.state, j.lockedBy, j.lockedUntil, j.claimedAt = 'processing', worker, untilT, now
    j.attempts = tostring(tonumber(j.attempts) + 1)
    -- claimedAt: the completion event reports the time from claim to completion.
    rcall('HSET', k, 'state', 'processing', 'lockedBy', worker, 'lockedUntil', untilT, 'attempts', j.attempts,
      'claimedAt', now)
    rcall('ZADD', base .. 'active', untilT, mem(id))
    out[#out + 1] = toFlat(j)
  end
  addRunning(counts, 1)
  for _, t in ipairs(touched) do tidyPriority(t[1], t[2]) end
  return out, slot or -1
end
-- Deletes the completed jobs named by (id, workerId) pairs in ARGV[from..to] whose lease
-- the worker still holds, at time now. Returns how many.
local function completeJobs(origin, now, from, to)
  local n, counts = 0, {}
  for i = from, to - 1, 2 do
    local id, w = ARGV[i], ARGV[i + 1]
    local k = jk(id)
    local j = toMap(rcall('HGETALL', k))
    if j.state == 'processing' and j.lockedBy == w then
      rcall('DEL', k)
      rcall('ZREM', base .. 'active', mem(id))
      countRunning(counts, j.type, j.groupKey)
      dropDedupe(j.dedupeKey, id)
      local duration = math.max(0, tonumber(now) - (tonumber(j.claimedAt) or tonumber(now)))
      emitJob('completed', j, { 'jobId', id, 'name', j.type, 'attemptsMade', j.attempts, 'returnvalue', 'null',
        'prev', 'active', 'origin', origin, 'duration', duration })
      n = n + 1
    end
  end
  addRunning(counts, -1)
  return n
end
`;

/**
 * ARGV: base, workerId, now, lease expiry, limit, then the claim filter (see readFilter).
 * Returns `{ job hashes, next rate slot (-1: none) }`.
 */
export const CLAIM_SCRIPT = `${LUA_PRELUDE}${CLAIM_COMPLETE_FUNCTIONS}
local rules = readFilter(6)
local jobs, slot = claimJobs(ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), rules)
return { jobs, slot }
`;

/**
 * ARGV: base, origin, now, then (id, workerId) pairs. Deletes completed jobs; returns how
 * many.
 */
export const COMPLETE_SCRIPT = `${LUA_PRELUDE}${CLAIM_COMPLETE_FUNCTIONS}
return completeJobs(ARGV[2], ARGV[3], 4, #ARGV)
`;

/**
 * ARGV: base, origin, workerId, now, lease expiry, limit, the claim filter (see
 * readFilter), then (id, workerId) pairs. Completes, then claims, in one round trip (what
 * BullMQ's `moveToFinished` with `fetchNext` does). Returns `{ completed, job hashes,
 * next rate slot (-1: none) }`.
 */
export const COMPLETE_AND_CLAIM_SCRIPT = `${LUA_PRELUDE}${CLAIM_COMPLETE_FUNCTIONS}
local rules, pairsAt = readFilter(7)
local n = completeJobs(ARGV[2], ARGV[4], pairsAt, #ARGV)
local jobs, slot = claimJobs(ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), rules)
return { n, jobs, slot }
`;

/** A claim filter as the ARGV the claim scripts read (see `readFilter` at the top). */
export function filterArgs(filter: ClaimFilter | undefined): ScriptArg[] {
  if (!filter) return [-1];
  const out: ScriptArg[] = [filter.types.length];
  for (const t of filter.types) {
    const rate = t.rateLimit ?? null;
    const groupRate = t.groupRateLimit ?? null;
    out.push(t.type, t.concurrency ?? '', t.groupConcurrency ?? '');
    out.push(rate?.max ?? '', rate?.durationMs ?? '', groupRate?.max ?? '', groupRate?.durationMs ?? '');
  }
  return out;
}
