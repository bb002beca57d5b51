/**
 * The `code` of a Node.js system error (`'ENOENT'`, `'ELOOP'`, …), or `undefined` for any
 * other value. A rejection is `unknown` until checked: this is the check, so a non-error
 * rejection is rethrown by the caller instead of being read as an error code.
 */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
