// Assertions the suites share.
import assert from 'node:assert/strict';

import { SecureMemoryError } from '../../../main/errors';

/**
 * Asserts that `fn` throws a SecureMemoryError with `code`. With `actionable`,
 * its message must also be long enough to tell a user what to do.
 */
export function rejects(fn: () => unknown, code: string, options: { actionable?: boolean } = {}): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SecureMemoryError, `expected SecureMemoryError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (options.actionable === true) assert.ok(error.message.length > 10, 'a message a user can act on');
    return true;
  });
}
