/**
 * Redis script that imports jobs moved from another backend (see `migrateStorage`),
 * keeping what the contract's `add` resets: attempts, stalls, creation time, last error.
 * Safe to re-run: each job carries its origin key (`<source label>#<source id>`), and an
 * origin already imported returns the id it got the first time.
 */
import type { ImportedJob, ImportResult } from '../../storage/types.js';
import { LUA_PRELUDE } from './luaPrelude.js';
import type { ScriptArg } from './RedisScript.js';

/** The ARGV (after the key base) of {@link IMPORT_SCRIPT} for `jobs`. */
export function importArgs(jobs: readonly ImportedJob[]): ScriptArg[] {
  const args: ScriptArg[] = [];
  for (const { origin, job: j } of jobs) {
    args.push(
      origin,
      j.type,
      JSON.stringify(j.payload),
      j.priority,
      j.maxRetries,
      j.runAt,
      j.dedupeKey === null ? '' : `=${j.dedupeKey}`,
      j.timeoutMs === null ? '' : j.timeoutMs,
      j.manual ? 1 : 0,
      j.attempts,
      j.stalls,
      j.createdAt,
      j.lastError === null ? '' : `=${j.lastError}`,
      j.groupKey ?? '',
    );
  }
  return args;
}

/** Reads the `[id, status, ...]` reply of {@link IMPORT_SCRIPT}. */
export function parseImportReply(reply: readonly unknown[]): ImportResult[] {
  const out: ImportResult[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const code = reply[i + 1];
    out.push({ id: String(reply[i]), status: code === 1 ? 'imported' : code === 0 ? 'before' : 'dedupe' });
  }
  return out;
}

/**
 * ARGV: base, then 14 values per job: origin key, type, payload JSON, priority, maxRetries,
 * run time, dedupe key (`''` | `'='` + key), timeout (`''` | ms), manual (0/1), attempts,
 * stalls, createdAt, last error (`''` | `'='` + text), group key (`''` for none).
 * Returns `[id, status, ...]`: status 1 imported, 0 imported before (id of then),
 * 2 refused because a live job holds its dedupe key (id of that job).
 */
export const IMPORT_SCRIPT = `${LUA_PRELUDE}
local out = {}
local any = false
for o = 2, #ARGV - 1, 14 do
  local origin, typ, payload, prio, maxr, runAt, dk, tmo, manual, attempts, stalls, createdAt, lastErr, gk =
    ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], ARGV[o + 5], ARGV[o + 6],
    ARGV[o + 7], ARGV[o + 8], ARGV[o + 9], ARGV[o + 10], ARGV[o + 11], ARGV[o + 12], ARGV[o + 13]
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
    local id = storeNew(typ, payload, prio, maxr, runAt, dk, tmo, manual, attempts, stalls, createdAt, gk)
    if lastErr ~= '' then rcall('HSET', jk(id), 'lastError', string.sub(lastErr, 2)) end
    rcall('HSET', base .. 'imported', origin, id)
    any = true
    out[#out + 1] = id
    out[#out + 1] = 1
  end
end
if any then bump() end
return out
`;
