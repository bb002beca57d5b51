import { PRUNE_SLACK_MS } from '../../storage/claimBudget.js';

/**
 * Lua functions of the rate windows, shared by the claim scripts (claimScripts.ts): the
 * start times of each rate-limited type (`rate:<type>`) and group key (`grate:<type>:<key>`)
 * in a sorted set scored by start time, pruned as they leave their window, and expiring
 * a minute after it (on the server's clock, which may differ from the claims'), so a key
 * no longer used leaves nothing behind. Read and written inside the claim script, so two
 * processes never both take a window's last slot. Starts are pruned only
 * PRUNE_SLACK_MS after their window (see claimBudget.ts).
 */
export const RATE_FUNCTIONS = `
local function rateKey(typ, gk)
  if gk == nil or gk == '' then return base .. 'rate:' .. typ end
  return base .. 'grate:' .. typ .. ':' .. gk
end
-- The starts in the window of d ms ending at now: { n, oldest } (oldest nil when none);
-- starts older than the window and the slack are dropped.
local function rateWindow(key, now, d)
  rcall('ZREMRANGEBYSCORE', key, '-inf', now - d - ${PRUNE_SLACK_MS})
  local since = '(' .. string.format('%d', now - d)
  local n = rcall('ZCOUNT', key, since, '+inf')
  local oldest = nil
  if n > 0 then oldest = tonumber(rcall('ZRANGEBYSCORE', key, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]) end
  return { n = n, oldest = oldest, d = d }
end
-- A window that is (or became) full offers its next slot when its oldest start leaves it.
local function slotOf(w, now, max, slot)
  if w.n < max then return slot end
  local at = (w.oldest or now) + w.d
  if slot == nil or at < slot then return at end
  return slot
end
-- Records one start at now; seq makes each member unique (one counter bump per claim).
local function recordStart(key, now, d, member)
  rcall('ZADD', key, now, member)
  rcall('PEXPIRE', key, d + 60000)
end
`;
