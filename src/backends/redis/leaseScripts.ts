/**
 * Redis scripts for the job lifecycle: add, claim, and every change to a leased job.
 * Each is one atomic script, the Redis counterpart of one SQLite statement. Every change
 * to a leased job checks `state = processing` and `lockedBy = <caller>` first and does
 * nothing otherwise, so a worker presumed dead cannot overwrite the one that took over.
 * ARGV[1] is always the key base (see the prelude).
 */
import { LUA_PRELUDE } from './luaPrelude.js';

/**
 * ARGV: base, now, then 9 values per job: type, payload JSON, priority, maxRetries, run
 * time, dedupe key (`''` for none, else `'='` + key), timeout (`''` for none), manual (0/1),
 * group key (`''` for none).
 * Returns `[id, created(1|0), ...]` in input order.
 */
export const ADD_SCRIPT = `${LUA_PRELUDE}
local now = ARGV[2]
local out = {}
local created = false
for o = 3, #ARGV - 1, 9 do
  local typ, payload, prio, maxr, runAt, dk, tmo, manual, gk =
    ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], ARGV[o + 5], ARGV[o + 6], ARGV[o + 7], ARGV[o + 8]
  local existing = false
  if dk ~= '' then
    dk = string.sub(dk, 2)
    existing = rcall('HGET', base .. 'dedupe', dk)
  end
  if existing then
    out[#out + 1] = existing
    out[#out + 1] = 0
  else
    local id = storeNew(typ, payload, prio, maxr, runAt, dk, tmo, manual, 0, 0, now, gk)
    created = true
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
if created then bump() end
return out
`;

/** Lua functions shared by the claim and complete scripts and their combination. */
const CLAIM_COMPLETE_FUNCTIONS = `
-- Reads a claim filter from ARGV[at]: a count of types (-1: no filter), then for each its
-- name, its concurrency and its group concurrency ('' for none). Returns the rules (nil
-- without a filter) and the index after them.
local function readFilter(at)
  local n = tonumber(ARGV[at])
  if n < 0 then return nil, at + 1 end
  local rules = {}
  for i = 0, n - 1 do
    local o = at + 1 + i * 3
    rules[#rules + 1] = { typ = ARGV[o], conc = tonumber(ARGV[o + 1]), gconc = tonumber(ARGV[o + 2]) }
  end
  return rules, at + 1 + n * 3
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
-- (counting those running now), appended to out as candidates { p, score, m, first }. Walks
-- each priority's set by rank, CHUNK members at a time; a member carries its group key,
-- so no job is read.
local CHUNK = 100
local function walkGroups(typ, now, n, gconc, out, touched, first)
  local got, keys = 0, {}
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
          fits = c < gconc
          if fits then keys[gk] = c + 1 else keys[gk] = c end
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
-- other types are never walked over. Returns the job hashes (flat).
local function claimJobs(worker, now, untilT, limit, rules)
  local chosen, touched = {}, {}
  local paused = {}
  if rules == nil then
    -- No filter (tools): every type, without limits, paused or not.
    rules = {}
    for _, t in ipairs(rcall('SMEMBERS', base .. 'types')) do rules[#rules + 1] = { typ = t } end
  else
    for _, t in ipairs(rcall('SMEMBERS', base .. 'paused')) do paused[t] = true end
    if paused[''] then return {} end
  end
  local open = {}
  for _, r in ipairs(rules) do
    if not paused[r.typ] then
      local n = limit
      if r.conc then n = math.min(n, r.conc - (tonumber(rcall('HGET', base .. 'running', r.typ)) or 0)) end
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
        walkGroups(r.typ, now, n, r.gconc, candidates, touched, first)
      else
        firstOfType(r.typ, now, n, candidates, true, touched, first)
      end
    end
    if #open > 1 then table.sort(candidates, byClaimOrder) end
    for i = 1, math.min(limit, #candidates) do chosen[i] = candidates[i][3] end
  end
  local out, counts = {}, {}
  for _, m in ipairs(chosen) do
    local id = idOf(m)
    local k = jk(id)
    local j = toMap(rcall('HGETALL', k))
    dropPending(id, j.type, j.priority, j.groupKey)
    countRunning(counts, j.type, j.groupKey)
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
  return out
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
 * Returns the claimed job hashes.
 */
export const CLAIM_SCRIPT = `${LUA_PRELUDE}${CLAIM_COMPLETE_FUNCTIONS}
local rules = readFilter(6)
return claimJobs(ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), rules)
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
 * BullMQ's `moveToFinished` with `fetchNext` does). Returns `{ completed, job hashes }`.
 */
export const COMPLETE_AND_CLAIM_SCRIPT = `${LUA_PRELUDE}${CLAIM_COMPLETE_FUNCTIONS}
local rules, pairsAt = readFilter(7)
local n = completeJobs(ARGV[2], ARGV[4], pairsAt, #ARGV)
return { n, claimJobs(ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), rules) }
`;

/**
 * ARGV: base, origin, id, workerId, mode (`retry` | `retain` | `delete`), retry time, error,
 * now. Returns 1 when the failure was recorded, 0 when the lease was lost.
 */
export const FAIL_SCRIPT = `${LUA_PRELUDE}
local origin, id, w, mode, retryAt, err, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local k = jk(id)
local j = toMap(rcall('HGETALL', k))
if j.state ~= 'processing' or j.lockedBy ~= w then return 0 end
rcall('ZREM', base .. 'active', mem(id))
leaveRunning(j.type, j.groupKey)
-- j follows the hash, for the job the event carries.
j.lockedBy, j.lockedUntil, j.lastError = nil, nil, err
if mode == 'retry' then
  rcall('HSET', k, 'state', 'pending', 'runAt', retryAt, 'lastError', err)
  rcall('HDEL', k, 'lockedBy', 'lockedUntil')
  addPending(id, j.type, j.priority, retryAt, j.groupKey)
  bump()
  j.state, j.runAt = 'pending', retryAt
  emitJob('retrying', j, { 'jobId', id, 'name', j.type, 'attemptsMade', j.attempts, 'failedReason', err,
    'nextRunAt', retryAt, 'origin', origin })
  return 1
end
dropDedupe(j.dedupeKey, id)
if mode == 'retain' then
  rcall('HSET', k, 'state', 'failed', 'lastError', err, 'failedAt', now)
  rcall('HDEL', k, 'lockedBy', 'lockedUntil')
  addFailed(id, j.priority, j.runAt, now)
  count('failed', j.type, 1)
else
  rcall('DEL', k)
end
j.state, j.failedAt = 'failed', now
emitJob('failed', j, { 'jobId', id, 'name', j.type, 'attemptsMade', j.attempts, 'failedReason', err,
  'prev', 'active', 'origin', origin })
return 1
`;

/** ARGV: base, then (id, workerId) pairs. Back to pending, giving the attempt back. */
export const RELEASE_SCRIPT = `${LUA_PRELUDE}
local any = false
for i = 2, #ARGV - 1, 2 do
  local id, w = ARGV[i], ARGV[i + 1]
  local k = jk(id)
  local j = rcall('HMGET', k, 'state', 'lockedBy', 'type', 'priority', 'runAt', 'attempts', 'groupKey')
  if j[1] == 'processing' and j[2] == w then
    local attempts = math.max(0, tonumber(j[6]) - 1)
    rcall('HSET', k, 'state', 'pending', 'attempts', attempts)
    rcall('HDEL', k, 'lockedBy', 'lockedUntil')
    rcall('ZREM', base .. 'active', mem(id))
    leaveRunning(j[3], j[7])
    addPending(id, j[3], j[4], j[5], j[7])
    any = true
  end
end
if any then bump() end
return 0
`;

/**
 * ARGV: base, new expiry, then (id, workerId) pairs. Renews held leases.
 * Returns `{ lost ids, cancel-requested ids }`.
 */
export const EXTEND_SCRIPT = `${LUA_PRELUDE}
local untilT = ARGV[2]
local lost, cancel = {}, {}
for i = 3, #ARGV - 1, 2 do
  local id, w = ARGV[i], ARGV[i + 1]
  local k = jk(id)
  local j = rcall('HMGET', k, 'state', 'lockedBy', 'cancel')
  if j[1] == 'processing' and j[2] == w then
    rcall('HSET', k, 'lockedUntil', untilT)
    rcall('ZADD', base .. 'active', 'XX', untilT, mem(id))
    if j[3] == '1' then cancel[#cancel + 1] = id end
  else
    lost[#lost + 1] = id
  end
end
return { lost, cancel }
`;

/**
 * ARGV: base, origin, now, maxStalls, retain (0/1). Jobs whose lease expired before `now`
 * go back to pending (a stall counts as an attempt: it was counted at claim), or fail for
 * good when out of stalls or attempts, or when cancelled. Returns `{ kind, why, hash }`
 * triples, kind `r` (recovered) or `f` (failed), with the hash as it was before.
 */
export const RECOVER_SCRIPT = `${LUA_PRELUDE}
local origin, now, maxStalls, retain = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5] == '1'
local out = {}
local back = false
local ms = rcall('ZRANGEBYSCORE', base .. 'active', '-inf', '(' .. now)
for _, m in ipairs(ms) do
  local id = idOf(m)
  local k = jk(id)
  local hash = rcall('HGETALL', k)
  local j = toMap(hash)
  local stalls = tonumber(j.stalls) + 1
  local outOfStalls = stalls > maxStalls
  local outOfAttempts = tonumber(j.attempts) > tonumber(j.maxRetries)
  local cancelled = j.cancel == '1'
  -- j follows the hash, for the job the event carries.
  j.stalls, j.lockedBy, j.lockedUntil = tostring(stalls), nil, nil
  rcall('ZREM', base .. 'active', m)
  leaveRunning(j.type, j.groupKey)
  if outOfStalls or outOfAttempts or cancelled then
    local why
    if outOfStalls then
      why = 'stalled ' .. stalls .. ' time(s): its worker stopped renewing the lease (process died?)'
    else
      why = 'stalled on its last attempt'
    end
    dropDedupe(j.dedupeKey, id)
    if retain and not cancelled then
      rcall('HSET', k, 'state', 'failed', 'stalls', stalls, 'lastError', why, 'failedAt', now)
      rcall('HDEL', k, 'lockedBy', 'lockedUntil')
      addFailed(id, j.priority, j.runAt, now)
      count('failed', j.type, 1)
    else
      rcall('DEL', k)
    end
    j.state, j.lastError, j.failedAt = 'failed', why, now
    -- 'stalled' tells listeners the lease expired, as the local queue's job:stalled does.
    emitJob('failed', j, { 'jobId', id, 'name', j.type, 'attemptsMade', j.attempts, 'failedReason', why,
      'prev', 'active', 'origin', origin, 'stalled', '1' })
    out[#out + 1] = { 'f', why, hash }
  else
    rcall('HSET', k, 'state', 'pending', 'stalls', stalls)
    rcall('HDEL', k, 'lockedBy', 'lockedUntil')
    addPending(id, j.type, j.priority, j.runAt, j.groupKey)
    j.state = 'pending'
    emitJob('stalled', j, { 'jobId', id, 'name', j.type, 'attemptsMade', j.attempts, 'origin', origin })
    back = true
    out[#out + 1] = { 'r', '', hash }
  end
end
if back then bump() end
return out
`;

/** ARGV: base, id, workerId, progress JSON. Stores progress on a held lease. */
export const PROGRESS_SCRIPT = `${LUA_PRELUDE}
local k = jk(ARGV[2])
local j = rcall('HMGET', k, 'state', 'lockedBy')
if j[1] ~= 'processing' or j[2] ~= ARGV[3] then return 0 end
rcall('HSET', k, 'progress', ARGV[4])
return 1
`;
