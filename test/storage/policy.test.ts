import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { dedupeRetryError, listWindow, MAX_LIST_LIMIT, stallVerdict } from '../../src/storage/policy.js';

describe('storage policy: the rules every backend shares', () => {
  it('clamps a list page to whole numbers within 0..MAX_LIST_LIMIT', () => {
    expect(listWindow({})).toEqual({ limit: 50, offset: 0 });
    expect(listWindow({ limit: 5000, offset: -3 })).toEqual({ limit: MAX_LIST_LIMIT, offset: 0 });
    expect(listWindow({ limit: 2.9, offset: 4.2 })).toEqual({ limit: 2, offset: 4 });
    expect(listWindow({ limit: -1 })).toEqual({ limit: 0, offset: 0 });
  });

  it('fails a stalled job when out of stalls, on its last attempt, or when cancelled; else puts it back', () => {
    const job = { stalls: 0, attempts: 1, maxRetries: 3, cancelRequested: false };
    expect(stallVerdict(job, 1)).toMatchObject({ stalls: 1, fail: false });
    expect(stallVerdict({ ...job, stalls: 1 }, 1)).toEqual({
      stalls: 2,
      fail: true,
      why: 'stalled 2 time(s): its worker stopped renewing the lease (process died?)',
    });
    expect(stallVerdict({ ...job, attempts: 4 }, 1)).toEqual({ stalls: 1, fail: true, why: 'stalled on its last attempt' });
    expect(stallVerdict({ ...job, cancelRequested: true }, 1).fail).toBe(true);
  });

  it('names the dedupe key in the retry error', () => {
    const error = dedupeRetryError('42');
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('Job 42 cannot be retried');
    expect(error.issues[0]?.path).toBe('dedupeKey');
  });
});
