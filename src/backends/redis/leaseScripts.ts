/**
 * Redis scripts for the job lifecycle: add, and every change to a leased job (the claim
 * and complete scripts are in claimScripts.ts).
 * Each is one atomic script, the Redis counterpart of one SQLite statement. Every change
 * to a leased job checks `state = processing` and `lockedBy = <caller>` first and does
 * nothing otherwise, so a worker presumed dead cannot overwrite the one that took over.
 * ARGV[1] is always the key base (see the prelude).
 */
import type { NewJob } from '../../storage/types.js';
import { LUA_PRELUDE } from './luaPrelude.js';
import type { ScriptArg } from './RedisScript.js';

/**
 * ARGV: base, now, then 12 values per job: type, payload JSON, priority, maxRetries, run
 * time, dedupe key (`''` for none, else `'='` + key), timeout (`''` for none), manual (0/1),
 * group key (`''` for none), debounce ms and max wait ms (`''` for none), trace context
 * JSON (`''` for none).
 * Returns `[id, created(1|0), ...]` in input order.
 *
 * A debounced add whose key a job of the same type holds: a pending holder gets the new
 * payload and group key, and its run time moves to max(runAt, min(now + ms, createdAt +
 * maxWait)) (it leaves and re-enters its pending set: the member carries the group key);
 * a running holder loses the key, and the job is stored as its new holder.
 */
export const ADD_SCRIPT = `${LUA_PRELUDE}
local now = ARGV[2]
local out = {}
local created = false
for o = 3, #ARGV - 1, 12 do
  local typ, payload, prio, maxr, runAt, dk, tmo, manual, gk, dms, dmax, trace =
    ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], ARGV[o + 5], ARGV[o + 6], ARGV[o + 7], ARGV[o + 8],
    ARGV[o + 9], ARGV[o + 10], ARGV[o + 11]
  local existing = false
  if dk ~= '' then
    dk = string.sub(dk, 2)
    existing = rcall('HGET', base .. 'dedupe', dk)
  end
  if existing and dms ~= '' then
    local h = rcall('HMGET', jk(existing), 'type', 'state', 'runAt', 'createdAt', 'priority', 'groupKey')
    if h[1] == typ and h[2] == 'processing' then
      rcall('HDEL', jk(existing), 'dedupeKey')
      existing = false
    elseif h[1] == typ and h[2] == 'pending' then
      local at = math.max(tonumber(h[3]), math.min(tonumber(now) + tonumber(dms), tonumber(h[4]) + tonumber(dmax)))
      dropPending(existing, typ, h[5], h[6])
      rcall('HSET', jk(existing), 'payload', payload, 'runAt', at)
      if gk ~= '' then rcall('HSET', jk(existing), 'groupKey', gk) else rcall('HDEL', jk(existing), 'groupKey') end
      addPending(existing, typ, h[5], at, gk)
    end
  end
  if existing then
    out[#out + 1] = existing
    out[#out + 1] = 0
  else
    local id = storeNew(typ, payload, prio, maxr, runAt, dk, tmo, manual, 0, 0, now, gk, trace)
    created = true
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
if created then bump() end
return out
`;

/** The ARGV (after the key base) of {@link ADD_SCRIPT} for `jobs` added at `now`. */
export function addArgs(jobs: readonly NewJob[], now: number): ScriptArg[] {
  const args: ScriptArg[] = [now];
  for (const j of jobs) {
    args.push(
      j.type,
      j.payloadJson,
      j.priority,
      j.maxRetries,
      j.runAt,
      j.dedupeKey === null ? '' : `=${j.dedupeKey}`,
      j.timeoutMs === null ? '' : j.timeoutMs,
      j.manual ? 1 : 0,
      j.groupKey ?? '',
      j.debounce ? j.debounce.ms : '',
      j.debounce ? j.debounce.maxWaitMs : '',
      j.trace ?? '',
    );
  }
  return args;
}

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
endFailed(k, id, j, err, now, mode == 'retain')
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
 * ARGV: base, id, workerId, run time, note. Back to pending at the run time, giving the
 * attempt back, the note kept as its last error. Returns 1, or 0 when the lease was lost.
 */
export const POSTPONE_SCRIPT = `${LUA_PRELUDE}
local id, w, runAt, note = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local k = jk(id)
local j = rcall('HMGET', k, 'state', 'lockedBy', 'type', 'priority', 'attempts', 'groupKey')
if j[1] ~= 'processing' or j[2] ~= w then return 0 end
rcall('HSET', k, 'state', 'pending', 'attempts', math.max(0, tonumber(j[5]) - 1), 'runAt', runAt, 'lastError', note)
rcall('HDEL', k, 'lockedBy', 'lockedUntil')
rcall('ZREM', base .. 'active', mem(id))
leaveRunning(j[3], j[6])
addPending(id, j[3], j[4], runAt, j[6])
bump()
return 1
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
    endFailed(k, id, j, why, now, retain and not cancelled)
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
