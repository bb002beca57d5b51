/**
 * Redis script that imports jobs moved from another backend (see `migrateStorage`),
 * keeping what the contract's `add` resets: attempts, stalls, creation time, last error.
 * Safe to re-run: each job carries its origin key (`<source label>#<source id>`), and an
 * origin already imported returns the id it got the first time.
 */
import { LUA_PRELUDE } from './luaPrelude.js';

/**
 * ARGV: base, then 13 values per job: origin key, type, payload JSON, priority, maxRetries,
 * run time, dedupe key (`''` | `'='` + key), timeout (`''` | ms), manual (0/1), attempts,
 * stalls, createdAt, last error (`''` | `'='` + text).
 * Returns `[id, status, ...]`: status 1 imported, 0 imported before (id of then),
 * 2 refused because a live job holds its dedupe key (id of that job).
 */
export const IMPORT_SCRIPT = `${LUA_PRELUDE}
local out = {}
local any = false
for o = 2, #ARGV - 1, 13 do
  local origin, typ, payload, prio, maxr, runAt, dk, tmo, manual, attempts, stalls, createdAt, lastErr =
    ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], ARGV[o + 5], ARGV[o + 6],
    ARGV[o + 7], ARGV[o + 8], ARGV[o + 9], ARGV[o + 10], ARGV[o + 11], ARGV[o + 12]
  local before = rcall('HGET', base .. 'imported', origin)
  local holder = false
  if dk ~= '' then
    dk = string.sub(dk, 2)
    holder = rcall('HGET', base .. 'dedupe', dk)
  end
  if before then
    out[#out + 1] = before
    out[#out + 1] = 0
  elseif holder then
    out[#out + 1] = holder
    out[#out + 1] = 2
  else
    local id = string.format('%d', rcall('INCR', base .. 'id'))
    rcall('HSET', jk(id), 'id', id, 'type', typ, 'payload', payload, 'state', 'pending',
      'priority', prio, 'runAt', runAt, 'attempts', attempts, 'maxRetries', maxr,
      'stalls', stalls, 'manual', manual, 'createdAt', createdAt)
    if dk ~= '' then
      rcall('HSET', jk(id), 'dedupeKey', dk)
      rcall('HSET', base .. 'dedupe', dk, id)
    end
    if tmo ~= '' then rcall('HSET', jk(id), 'timeoutMs', tmo) end
    if lastErr ~= '' then rcall('HSET', jk(id), 'lastError', string.sub(lastErr, 2)) end
    rcall('HSET', base .. 'imported', origin, id)
    rcall('SADD', base .. 'types', typ)
    addPending(id, typ, prio, runAt)
    any = true
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
if any then bump() end
return out
`;
