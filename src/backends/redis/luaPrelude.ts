/**
 * Lua shared by every Redis script of the Redis backend: key names and the index updates
 * each state change needs. Prepended to each script, so every script is self-contained
 * and runs atomically (Redis runs one script at a time).
 *
 * Layout under `base` (`<prefix>:<queueName>:`):
 * - `job:<id>`      hash: one job (fields named after {@link Job}, plus `claimedAt`,
 *                   `failedAt` and `cancel`; `trace` holds the producer's trace
 *                   context as JSON).
 * - `tpending:<p>:<t>` sorted set of the pending jobs of type `t` and priority `p` (a
 *                   claim reads one type at a time), score = run time; member = the id
 *                   zero-padded to 16 digits, so equal run times sort by insertion, then
 *                   `:` and the group key for a job that has one (a walk of a grouped type
 *                   reads the key without reading the job).
 * - `tprios:<t>`    set of the priorities that have pending jobs of type `t` (claims and
 *                   lists visit only those).
 * - `active`        sorted set of leased jobs, score = lease expiry (stalled sweep).
 * - `running`       hash: type -> jobs of that type processing now; `grunning:<t>` hash:
 *                   group key -> jobs of type `t` with that key processing now. Every
 *                   script that moves a job in or out of `processing` keeps them.
 * - `rate:<t>`      sorted set of the recent starts of rate-limited type `t`, score = start
 *                   time; `grate:<t>:<key>` the same per group key; `rateseq` counter that
 *                   makes their members unique. Pruned by the claims and expiring with
 *                   their window (see rateFunctions.ts).
 * - `paused`        set of paused job types, `''` for the whole queue.
 * - `workers`       sorted set of started queues' ids, score = announcement expiry; and
 *   `workerTypes`   hash: id -> JSON list of the job types it claims.
 * - `failed`        sorted set of retained dead-letter jobs, score = failure time; and
 *   `failed:<p>`    the same jobs per priority, score = run time (lists in claim order).
 * - `dedupe`        hash: dedupe key -> id of the pending or running job holding it.
 * - `counts`        hash: `failed:<t>` counters (per-type stats; running jobs are few and
 *                   counted from `active` when asked).
 * - `types`         set of job types ever stored (stats, lists, claims of every type).
 * - `meta` field `layout`: 2 once the keys are in this layout (see LAYOUT_SCRIPT).
 * - `id`            counter of job ids; `seq` counter bumped whenever work becomes ready,
 *                   and its new value published on channel `work`.
 * - `events`        stream in BullMQ's event format, read by BullMQ's `QueueEvents`,
 *                   trimmed to about `maxEvents` entries (hash `meta`, default 10,000);
 *                   each outcome also carries the job's fields, its payload up to
 *                   `eventPayloadBytes` (hash `meta`, default 8 KiB).
 */
export const LUA_PRELUDE = `
local rcall = redis.call
local base = ARGV[1]
local MAX_PRIORITY = 10
local MAX_EVENTS = 10000
local function mem(id) return string.format('%016d', tonumber(id)) end
-- A member of any pending set: the padded id, maybe followed by ':' and a group key.
local function idOf(m) return string.format('%d', tonumber(string.sub(m, 1, 16))) end
local function jk(id) return base .. 'job:' .. id end
local function tpk(p, typ) return base .. 'tpending:' .. p .. ':' .. typ end
local function tmem(id, gk)
  if gk and gk ~= '' then return mem(id) .. ':' .. gk end
  return mem(id)
end
local function addPending(id, typ, prio, runAt, gk)
  rcall('ZADD', tpk(prio, typ), runAt, tmem(id, gk))
  rcall('SADD', base .. 'tprios:' .. typ, prio)
end
-- Stores a new pending job (dk: dedupe key or '', tmo: timeout or '', gk: group key or
-- '', trace: trace context JSON, '' or nil); returns its id.
local function storeNew(typ, payload, prio, maxr, runAt, dk, tmo, manual, attempts, stalls, createdAt, gk, trace)
  local id = string.format('%d', rcall('INCR', base .. 'id'))
  rcall('HSET', jk(id), 'id', id, 'type', typ, 'payload', payload, 'state', 'pending',
    'priority', prio, 'runAt', runAt, 'attempts', attempts, 'maxRetries', maxr,
    'stalls', stalls, 'manual', manual, 'createdAt', createdAt)
  if dk ~= '' then
    rcall('HSET', jk(id), 'dedupeKey', dk)
    rcall('HSET', base .. 'dedupe', dk, id)
  end
  if tmo ~= '' then rcall('HSET', jk(id), 'timeoutMs', tmo) end
  if gk ~= '' then rcall('HSET', jk(id), 'groupKey', gk) end
  if trace and trace ~= '' then rcall('HSET', jk(id), 'trace', trace) end
  rcall('SADD', base .. 'types', typ)
  addPending(id, typ, prio, runAt, gk)
  return id
end
-- Leaves the priority sets in place: callers tidy (tidyPriority) once per set they touched.
local function dropPending(id, typ, prio, gk)
  rcall('ZREM', tpk(prio, typ), tmem(id, gk))
end
-- A job enters or leaves 'processing': the running counts per type and per group key.
local function enterRunning(typ, gk)
  rcall('HINCRBY', base .. 'running', typ, 1)
  if gk and gk ~= '' then rcall('HINCRBY', base .. 'grunning:' .. typ, gk, 1) end
end
local function leaveRunning(typ, gk)
  if rcall('HINCRBY', base .. 'running', typ, -1) <= 0 then rcall('HDEL', base .. 'running', typ) end
  if gk and gk ~= '' and rcall('HINCRBY', base .. 'grunning:' .. typ, gk, -1) <= 0 then
    rcall('HDEL', base .. 'grunning:' .. typ, gk)
  end
end
-- Retained dead-letters: 'failed' by failure time (counts), 'failed:<p>' by run time (lists).
local function addFailed(id, prio, runAt, now)
  rcall('ZADD', base .. 'failed', now, mem(id))
  rcall('ZADD', base .. 'failed:' .. prio, runAt, mem(id))
end
local function dropFailed(id, prio)
  rcall('ZREM', base .. 'failed', mem(id))
  rcall('ZREM', base .. 'failed:' .. prio, mem(id))
end
-- Forget a priority whose set of type typ ran empty, so that claims and lists do not visit it.
local function tidyPriority(prio, typ)
  if rcall('ZCARD', tpk(prio, typ)) == 0 then rcall('SREM', base .. 'tprios:' .. typ, prio) end
end
-- Priorities that have pending jobs of type typ, best first.
local function livePriorities(typ)
  local ps = rcall('SMEMBERS', base .. 'tprios:' .. typ)
  for i = 1, #ps do ps[i] = tonumber(ps[i]) end
  table.sort(ps)
  return ps
end
-- A flat HGETALL reply as a field table, and back.
local function toMap(flat)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end
local function toFlat(m)
  local flat = {}
  for k, v in pairs(m) do
    flat[#flat + 1] = k
    flat[#flat + 1] = v
  end
  return flat
end
local function count(state, typ, by)
  rcall('HINCRBY', base .. 'counts', state .. ':' .. typ, by)
end
local function dropDedupe(key, id)
  if key and rcall('HGET', base .. 'dedupe', key) == id then
    rcall('HDEL', base .. 'dedupe', key)
  end
end
local function bump()
  rcall('PUBLISH', base .. 'work', rcall('INCR', base .. 'seq'))
end
-- A job out of processing that fails for good (its lease already released): its dedupe
-- key freed, kept as a dead-letter with 'why' when retain, else deleted. j follows the hash.
local function endFailed(k, id, j, why, now, retain)
  dropDedupe(j.dedupeKey, id)
  if retain then
    rcall('HSET', k, 'state', 'failed', 'stalls', j.stalls, 'lastError', why, 'failedAt', now)
    rcall('HDEL', k, 'lockedBy', 'lockedUntil')
    addFailed(id, j.priority, j.runAt, now)
    count('failed', j.type, 1)
  else
    rcall('DEL', k)
  end
  j.state, j.lastError, j.failedAt = 'failed', why, now
end
local MAX_EVENT_PAYLOAD = 8192
local EVENT_JOB_FIELDS = { 'state', 'priority', 'runAt', 'maxRetries', 'stalls', 'manual', 'createdAt' }
local EVENT_JOB_OPTIONAL = { 'dedupeKey', 'groupKey', 'timeoutMs', 'progress', 'lockedBy' }
-- Appends a job outcome to the event stream: the event name and BullMQ's fields (fields:
-- a list name, value, ... that has jobId, name and attemptsMade), then the rest of the job
-- as stored (j: its hash as a field table), so that a node that did not run the job can
-- rebuild it. Its fields go one by one, always in the same order, so that entries of one
-- shape share their field names (the stream stores them once per block). The last error
-- of a failure is its failedReason; the payload goes when it fits the 'eventPayloadBytes'
-- limit of 'meta', else 'payloadBytes' its size (a 1 MiB payload in each of maxEvents
-- entries would cost Redis gigabytes).
local meta = nil
local function emitJob(kind, j, fields)
  meta = meta or rcall('HMGET', base .. 'meta', 'maxEvents', 'eventPayloadBytes')
  local maxEvents = tonumber(meta[1]) or MAX_EVENTS
  local maxPayload = tonumber(meta[2]) or MAX_EVENT_PAYLOAD
  local n = #fields
  local function add(k, v)
    fields[n + 1], fields[n + 2] = k, v
    n = n + 2
  end
  for _, k in ipairs(EVENT_JOB_FIELDS) do add(k, j[k] or '') end
  for _, k in ipairs(EVENT_JOB_OPTIONAL) do
    if j[k] then add(k, j[k]) end
  end
  if j.lastError and kind ~= 'failed' and kind ~= 'retrying' then add('lastError', j.lastError) end
  local payload = j.payload or 'null'
  if #payload <= maxPayload then add('payload', payload) else add('payloadBytes', #payload) end
  rcall('XADD', base .. 'events', 'MAXLEN', '~', maxEvents, '*', 'event', kind, unpack(fields))
end
`;
