/**
 * The one-time upgrade of a queue's Redis keys to the layout of the queue controls
 * (`meta` field `layout` = 2): pending jobs indexed per job type and priority
 * (`tpending:<p>:<t>`, `tprios:<t>`, replacing the per-priority `pending:<p>` and `prios`
 * and the per-type `type:<t>` sets), and the running counts per type and group key
 * (`running`, `grunning:<t>`). `init()` runs it; on a queue already in this layout (or a
 * new one) it only reads `meta`.
 *
 * It runs as one script, so no claim sees a half-built index; on a deep queue it holds
 * Redis for about a microsecond per job, once. Every process of a queue must run a
 * version with this layout: an older one would keep filling the old per-type sets.
 */
import { LUA_PRELUDE } from './luaPrelude.js';

/** The layout this code reads and writes. */
export const LAYOUT_VERSION = 2;

/** ARGV: base. Returns 1 when it upgraded the keys, 0 when they were up to date. */
export const LAYOUT_SCRIPT = `${LUA_PRELUDE}
if tonumber(rcall('HGET', base .. 'meta', 'layout')) == ${LAYOUT_VERSION} then return 0 end
for _, p in ipairs(rcall('SMEMBERS', base .. 'prios')) do
  local ms = rcall('ZRANGE', base .. 'pending:' .. p, 0, -1, 'WITHSCORES')
  for i = 1, #ms, 2 do
    local id = idOf(ms[i])
    local j = rcall('HMGET', jk(id), 'type', 'groupKey')
    if j[1] then
      rcall('ZADD', tpk(p, j[1]), ms[i + 1], tmem(id, j[2]))
      rcall('SADD', base .. 'tprios:' .. j[1], p)
    end
  end
  rcall('DEL', base .. 'pending:' .. p)
end
rcall('DEL', base .. 'prios')
for _, t in ipairs(rcall('SMEMBERS', base .. 'types')) do rcall('DEL', base .. 'type:' .. t) end
rcall('DEL', base .. 'running')
for _, m in ipairs(rcall('ZRANGE', base .. 'active', 0, -1)) do
  local j = rcall('HMGET', jk(idOf(m)), 'type', 'groupKey')
  if j[1] then enterRunning(j[1], j[2]) end
end
rcall('HSET', base .. 'meta', 'layout', ${LAYOUT_VERSION})
return 1
`;
