/**
 * Outcomes of a sync. For players whose scans cannot be observed (Jellyfin, Plex) what
 * they accepted counts as told, nothing as missing.
 */
import type { SyncChanges, SyncOutcome } from '../types.js';

/**
 * Every change of `changes` as told: added as added, changed as refreshed, removed as removed.
 *
 * @example
 * ```ts
 * acceptedOutcome({ added: [a], changed: [b], removed: [] }); // { added: [a], refreshed: [b], removed: [], missing: [] }
 * ```
 */
export function acceptedOutcome<T>(changes: SyncChanges<T> | undefined): SyncOutcome<T> {
  return {
    added: [...(changes?.added ?? [])],
    refreshed: [...(changes?.changed ?? [])],
    removed: [...(changes?.removed ?? [])],
    missing: [],
  };
}

/** An outcome with nothing in it yet. */
export function emptyOutcome<T>(): SyncOutcome<T> {
  return { added: [], refreshed: [], removed: [], missing: [] };
}
