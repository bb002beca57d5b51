/**
 * Polling with a chosen interval. Checks that read queue counts scan the table, so the
 * suite polls them every 100 ms or so: polling every few milliseconds would slow the
 * very drain it measures.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 30_000, everyMs = 100, what = 'condition' }: { timeoutMs?: number; everyMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
