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
local j = rcall('HMGET', k, 'state', 'type', 'priority', 'dedupeKey')
if j[1] == 'processing' then
  rcall('HSET', k, 'cancel', 1)
  return { 'requested', hash }
end
if j[1] == 'pending' then
  dropPending(id, j[2], j[3])
  tidyPriority(j[3])
  dropDedupe(j[4], id)
else
  rcall('ZREM', base .. 'failed', mem(id))
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
local j = rcall('HMGET', k, 'state', 'type', 'priority', 'dedupeKey')
if j[1] ~= 'failed' then return false end
if j[4] then
  if rcall('HEXISTS', base .. 'dedupe', j[4]) == 1 then return 'DEDUPE' end
  rcall('HSET', base .. 'dedupe', j[4], id)
end
rcall('HSET', k, 'state', 'pending', 'attempts', 0, 'stalls', 0, 'runAt', now)
rcall('HDEL', k, 'failedAt', 'cancel')
rcall('ZREM', base .. 'failed', mem(id))
count('failed', j[2], -1)
addPending(id, j[2], j[3], now)
bump()
return rcall('HGETALL', k)
`;

/**
 * ARGV: base, now, state (`pending` | `delayed` | `processing` | `failed` | `all`), type
 * (`''` for any), limit, offset. Pending and delayed jobs come out already in claim order
 * and stop early; the other states return every match for the caller to sort and slice.
 * Returns job hashes.
 */
export const LIST_SCRIPT = `${LUA_PRELUDE}
local now, state, typ, limit, offset = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local out = {}
local function matches(k) return typ == '' or rcall('HGET', k, 'type') == typ end
if state == 'pending' or state == 'delayed' then
  local lo, hi = '-inf', now
  if state == 'delayed' then lo, hi = '(' .. now, '+inf' end
  local skipped = 0
  for _, p in ipairs(livePriorities()) do
    if #out >= limit then break end
    for _, m in ipairs(rcall('ZRANGEBYSCORE', pk(p), lo, hi)) do
      local k = jk(idOf(m))
      if matches(k) then
        if skipped < offset then skipped = skipped + 1
        else
          out[#out + 1] = rcall('HGETALL', k)
          if #out >= limit then break end
        end
      end
    end
  end
  return out
end
local sets = {}
if state == 'processing' or state == 'all' then sets[#sets + 1] = rcall('ZRANGE', base .. 'active', 0, -1) end
if state == 'failed' or state == 'all' then sets[#sets + 1] = rcall('ZRANGE', base .. 'failed', 0, -1) end
if state == 'all' then
  for _, p in ipairs(livePriorities()) do sets[#sets + 1] = rcall('ZRANGE', pk(p), 0, -1) end
end
for _, ms in ipairs(sets) do
  for _, m in ipairs(ms) do
    local k = jk(idOf(m))
    if matches(k) then out[#out + 1] = rcall('HGETALL', k) end
  end
end
return out
`;

/**
 * ARGV: base, now. Returns `{ totals, perType }`: totals = pending, delayed, processing,
 * failed; perType = type followed by the same four counts, for each type with any job.
 */
export const STATS_SCRIPT = `${LUA_PRELUDE}
local now = ARGV[2]
local pending, delayed = 0, 0
for _, p in ipairs(livePriorities()) do
  pending = pending + rcall('ZCOUNT', pk(p), '-inf', now)
  delayed = delayed + rcall('ZCOUNT', pk(p), '(' .. now, '+inf')
end
local totals = { pending, delayed, rcall('ZCARD', base .. 'active'), rcall('ZCARD', base .. 'failed') }
local running = {}
for _, m in ipairs(rcall('ZRANGE', base .. 'active', 0, -1)) do
  local t = rcall('HGET', jk(idOf(m)), 'type')
  if t then running[t] = (running[t] or 0) + 1 end
end
local perType = {}
for _, t in ipairs(rcall('SMEMBERS', base .. 'types')) do
  local tp = rcall('ZCOUNT', tk(t), '-inf', now)
  local td = rcall('ZCOUNT', tk(t), '(' .. now, '+inf')
  local tr = running[t] or 0
  local tf = tonumber(rcall('HGET', base .. 'counts', 'failed:' .. t)) or 0
  if tp + td + tr + tf > 0 then
    perType[#perType + 1] = t
    perType[#perType + 1] = tp
    perType[#perType + 1] = td
    perType[#perType + 1] = tr
    perType[#perType + 1] = tf
  end
end
return { totals, perType }
`;

/** ARGV: base. Earliest run time among pending jobs as a string, or false. */
export const NEXT_RUN_AT_SCRIPT = `${LUA_PRELUDE}
local min = false
for _, p in ipairs(livePriorities()) do
  local first = rcall('ZRANGE', pk(p), 0, 0, 'WITHSCORES')
  if first[2] and (not min or tonumber(first[2]) < min) then min = tonumber(first[2]) end
end
if not min then return false end
return string.format('%d', min)
`;
