/** Storage-level job records for tests that call a storage directly. */
import type { NewJob } from '../../src/storage/types.js';

/**
 * A valid NewJob (type `test`, payload `{ n: 1 }`, due at 1,000) with overrides;
 * `payloadJson` follows `payload` unless given too.
 */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const payload = overrides.payload ?? { n: 1 };
  return {
    type: 'test',
    payload,
    payloadJson: JSON.stringify(payload),
    priority: 5,
    maxRetries: 3,
    runAt: 1_000,
    dedupeKey: null,
    groupKey: null,
    timeoutMs: null,
    manual: false,
    ...overrides,
  };
}
