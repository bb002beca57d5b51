/**
 * Redis scripts for operations on jobs not held by the caller: cancel, retry, list, stats
 * and the next run time. ARGV[1] is always the key base (see the prelude).
 */
import { LUA_PRELUDE } from './luaPrelude.js';

/**
 * ARGV: base, id. Deletes a pending or failed job, flags a running one.
 * Returns `{ outcome, hash }` with outcome `deleted` | `requested` | `not_found`.
 */
export const CANCEL_SCRIPT = `${LUA_PRELUDE}
local id = ARGV[2]
local k = jk(id)
local hash = rcall('HGETALL', k)
if #hash == 0 then return { 'not_found', {} } end
local j = rcall('HMGET', k, 'state', 'type', 'priority', 'dedupeKey', 'groupKey')
if j[1] == 'processing' then
  rcall('HSET', k, 'cancel', 1)
  return { 'requested', hash }
end
if j[1] == 'pending' then
  dropPending(id, j[2], j[3], j[5])
  tidyPriority(j[3], j[2])
  dropDedupe(j[4], id)
else
  dropFailed(id, j[3])
  count('failed', j[2], -1)
end
rcall('DEL', k)
return { 'deleted', hash }
`;

/**
 * ARGV: base, id, now. Puts a retained failed job back to pending with fresh attempts.
 * Returns the new hash, `false` when the job is not failed, or the string `DEDUPE` when a
 * live job already holds its dedupe key.
 */
export const RETRY_SCRIPT = `${LUA_PRELUDE}
local id, now = ARGV[2], ARGV[3]
local k = jk(id)
local j = rcall('HMGET', k, 'state', 'type', 'priority', 'dedupeKey', 'groupKey')
if j[1] ~= 'failed' then return false end
if j[4] then
  if rcall('HEXISTS', base .. 'dedupe', j[4]) == 1 then return 'DEDUPE' end
  rcall('HSET', base .. 'dedupe', j[4], id)
end
rcall('HSET', k, 'state', 'pending', 'attempts', 0, 'stalls', 0, 'runAt', now)
rcall('HDEL', k, 'failedAt', 'cancel')
dropFailed(id, j[3])
count('failed', j[2], -1)
addPending(id, j[2], j[3], now, j[5])
bump()
return rcall('HGETALL', k)
`;

/**
 * ARGV: base, now, state (`pending` | `delayed` | `processing` | `failed` | `all`), type
 * (`''` for any), limit, offset. Returns job hashes in claim order (priority, run time,
 * id), from `offset`, at most `limit`.
 *
 * Per priority it merges sources already in (run time, id) order: the pending set of each
 * job type (cut at `now` for pending/delayed), the dead-letter set, and the running jobs of
 * that priority (few: sorted here). Sources are read in chunks and the walk stops as soon as
 * the page is full, so a page costs about offset + limit reads, not the queue's depth.
 */
export const LIST_SCRIPT = `${LUA_PRELUDE}
local now, state, typ, limit, offset = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local CHUNK = 100
local out, skipped = {}, 0
if limit <= 0 then return out end
-- Offers one job to the page; true when the page is full.
local function take(m)
  local k = jk(idOf(m))
  if typ ~= '' and rcall('HGET', k, 'type') ~= typ then return false end
  if skipped < offset then
    skipped = skipped + 1
    return false
  end
  out[#out + 1] = rcall('HGETALL', k)
  return #out >= limit
end
-- A cursor over a sorted set between two scores, read CHUNK entries at a time.
local function zcursor(key, lo, hi)
  local c = { buf = {}, i = 1, pos = 0, done = false }
  function c.peek()
    if c.i > #c.buf and not c.done then
      c.buf = rcall('ZRANGEBYSCORE', key, lo, hi, 'WITHSCORES', 'LIMIT', c.pos, CHUNK)
      c.i = 1
      c.pos = c.pos + #c.buf / 2
      if #c.buf < CHUNK * 2 then c.done = true end
    end
    if c.i > #c.buf then return nil end
    return c.buf[c.i], tonumber(c.buf[c.i + 1])
  end
  function c.next() c.i = c.i + 2 end
  return c
end
-- A cursor over an in-memory list of { member, score } already sorted.
local function lcursor(list)
  local c = { i = 1 }
  function c.peek()
    local e = list[c.i]
    if not e then return nil end
    return e[1], e[2]
  end
  function c.next() c.i = c.i + 1 end
  return c
end
local running = {}
if state == 'processing' or state == 'all' then
  for _, m in ipairs(rcall('ZRANGE', base .. 'active', 0, -1)) do
    local j = rcall('HMGET', jk(idOf(m)), 'priority', 'runAt')
    local p = tonumber(j[1])
    running[p] = running[p] or {}
    table.insert(running[p], { m, tonumber(j[2]) })
  end
  for _, list in pairs(running) do
    table.sort(list, function(a, b) return a[2] < b[2] or (a[2] == b[2] and a[1] < b[1]) end)
  end
end
-- The pending sets to merge, per priority: one per job type (only typ's when given).
local pendingTypes = {}
if state == 'pending' or state == 'delayed' or state == 'all' then
  local types = typ ~= '' and { typ } or rcall('SMEMBERS', base .. 'types')
  for _, t in ipairs(types) do
    for _, p in ipairs(rcall('SMEMBERS', base .. 'tprios:' .. t)) do
      p = tonumber(p)
      pendingTypes[p] = pendingTypes[p] or {}
      table.insert(pendingTypes[p], t)
    end
  end
end
for p = 1, MAX_PRIORITY do
  local sources = {}
  for _, t in ipairs(pendingTypes[p] or {}) do
    if state == 'pending' then sources[#sources + 1] = zcursor(tpk(p, t), '-inf', now) end
    if state == 'delayed' then sources[#sources + 1] = zcursor(tpk(p, t), '(' .. now, '+inf') end
    if state == 'all' then sources[#sources + 1] = zcursor(tpk(p, t), '-inf', '+inf') end
  end
  if state == 'failed' or state == 'all' then sources[#sources + 1] = zcursor(base .. 'failed:' .. p, '-inf', '+inf') end
  if running[p] then sources[#sources + 1] = lcursor(running[p]) end
  while true do
    local best, bm, bs = nil, nil, nil
    for _, c in ipairs(sources) do
      local m, sc = c.peek()
      if m and (not best or sc < bs or (sc == bs and m < bm)) then best, bm, bs = c, m, sc end
    end
    if not best then break end
    best.next()
    if take(bm) then return out end
  end
end
return out
`;

/**
 * ARGV: base, now. Returns `{ perType, paused, workers }`: perType = each type with any
 * job followed by its pending, delayed, processing and failed counts; paused = the paused
 * set (`''` the whole queue); workers = the JSON type lists of the announcements that have
 * not expired at `now`.
 */
export const STATS_SCRIPT = `${LUA_PRELUDE}
local now = ARGV[2]
local perType = {}
for _, t in ipairs(rcall('SMEMBERS', base .. 'types')) do
  local tp, td = 0, 0
  for _, p in ipairs(livePriorities(t)) do
    tp = tp + rcall('ZCOUNT', tpk(p, t), '-inf', now)
    td = td + rcall('ZCOUNT', tpk(p, t), '(' .. now, '+inf')
  end
  local tr = tonumber(rcall('HGET', base .. 'running', t)) or 0
  local tf = tonumber(rcall('HGET', base .. 'counts', 'failed:' .. t)) or 0
  if tp + td + tr + tf > 0 then
    perType[#perType + 1] = t
    perType[#perType + 1] = tp
    perType[#perType + 1] = td
    perType[#perType + 1] = tr
    perType[#perType + 1] = tf
  end
end
local workers = {}
local ids = rcall('ZRANGEBYSCORE', base .. 'workers', now, '+inf')
if #ids > 0 then
  for _, types in ipairs(rcall('HMGET', base .. 'workerTypes', unpack(ids))) do
    if types then workers[#workers + 1] = types end
  end
end
return { perType, rcall('SMEMBERS', base .. 'paused'), workers }
`;

/**
 * ARGV: base, then the job types to look at (none: every type). Earliest run time among
 * their pending jobs as a string, or false.
 */
export const NEXT_RUN_AT_SCRIPT = `${LUA_PRELUDE}
local min = false
local function consider(key)
  local first = rcall('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] and (not min or tonumber(first[2]) < min) then min = tonumber(first[2]) end
end
local types = {}
if #ARGV == 1 then types = rcall('SMEMBERS', base .. 'types') else for i = 2, #ARGV do types[#types + 1] = ARGV[i] end end
for _, t in ipairs(types) do
  for _, p in ipairs(livePriorities(t)) do consider(tpk(p, t)) end
end
if not min then return false end
return string.format('%d', min)
`;

/**
 * ARGV: base, `pause` | `resume`, type (`''` for the whole queue), now. Returns 1 when the
 * state changed, else 0. A resume announces work (idle nodes wake and claim).
 */
export const PAUSE_SCRIPT = `${LUA_PRELUDE}
local changed
if ARGV[2] == 'pause' then
  changed = rcall('SADD', base .. 'paused', ARGV[3])
else
  changed = rcall('SREM', base .. 'paused', ARGV[3])
  if changed == 1 then bump() end
end
return changed
`;

/**
 * ARGV: base, `announce` | `retire`, worker id, then for `announce`: expiry, JSON type
 * list, now. An announcement forgets those expired before now.
 */
export const WORKER_SCRIPT = `${LUA_PRELUDE}
local id = ARGV[3]
if ARGV[2] == 'announce' then
  local gone = rcall('ZRANGEBYSCORE', base .. 'workers', '-inf', '(' .. ARGV[6])
  for _, old in ipairs(gone) do
    rcall('ZREM', base .. 'workers', old)
    rcall('HDEL', base .. 'workerTypes', old)
  end
  rcall('ZADD', base .. 'workers', ARGV[4], id)
  rcall('HSET', base .. 'workerTypes', id, ARGV[5])
else
  rcall('ZREM', base .. 'workers', id)
  rcall('HDEL', base .. 'workerTypes', id)
end
return 1
`;
