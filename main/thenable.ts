// Scopes must be synchronous: a Promise they return would outlive what they
// were given. This is how main tells one apart, whatever realm made it.

/** True for anything a Promise would treat as a Promise: an object or function with a callable `then`. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
  );
}
