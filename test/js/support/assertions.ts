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

/**
 * `value`, or an AssertionError naming `what` when it is null or undefined:
 * a test's assumption that something exists, checked where it is used.
 */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) assert.fail(`expected ${what}, got ${String(value)}`);
  return value;
}

/**
 * `list[index]`, or an AssertionError naming `what` when the index is not one
 * of the list's (an element that is itself undefined is returned as it is).
 */
export function at<T>(list: ArrayLike<T>, index: number, what = 'an element'): T {
  if (!Number.isInteger(index) || index < 0 || index >= list.length) assert.fail(`expected ${what} at index ${index} of ${list.length}`);
  return list[index] as T;
}
