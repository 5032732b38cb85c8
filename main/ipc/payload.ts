// Main's checks of what the renderer sends, beyond the channel schemas in
// bridge/contract.ts: the limits, importSecret's constant-time check, and the
// bounded check that every payload, operation argument and result is plain
// data (the walk itself is bridge/plain-data.ts, shared with the preload).
import type { z } from 'zod';

import type { BridgeMethod, ImportRequest } from '../../bridge/contract';
import { DATA_BOUNDS, measurePlainData, type PlainDataRules } from '../../bridge/plain-data';
import { SecureMemoryError } from '../errors';
import { refusalFromZod } from '../zod-refusal';

/** A real Uint8Array (or Buffer), not a proxy or another view; reading byteLength then runs no page code. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && value instanceof Uint8Array;
}

/** Main's rules for plain data: its own realm's Uint8Arrays and plain objects; refusals are SecureMemoryErrors. */
const MAIN_RULES: PlainDataRules = {
  isBytes: isUint8Array,
  isPlainObject: (value) => {
    const proto: unknown = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  },
  refuse: (kind, message) => new SecureMemoryError(kind === 'size' ? 'LIMIT_EXCEEDED' : 'INVALID_ARGUMENT', message),
};

/**
 * measurePlainData (bridge/plain-data.ts) with main's rules: INVALID_ARGUMENT
 * for a shape it refuses, LIMIT_EXCEEDED for more than `maxBytes`. Returns the
 * byte count.
 */
export function measureData(value: unknown, what: string, maxBytes: number): number {
  return measurePlainData(value, what, maxBytes, MAIN_RULES);
}

/**
 * Checks importSecret's payload by type and length only, in constant time:
 * exactly one own data property, `bytes` (a Uint8Array of 1 to maxSecretSize
 * bytes) or `text` (a string of 1 to maxSecretSize characters). The payload
 * is the secret itself: it is never walked, serialized, handed to a schema
 * library or echoed in a message.
 */
export function parseImportPayload(payload: unknown, maxSecretSize: number): ImportRequest {
  const shape = () =>
    new SecureMemoryError('INVALID_ARGUMENT', 'importSecret: the payload must be { bytes: Uint8Array } or { text: string }');
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || isUint8Array(payload)) throw shape();
  const proto: unknown = Object.getPrototypeOf(payload);
  if (proto !== Object.prototype && proto !== null) throw shape();
  const keys = Reflect.ownKeys(payload);
  if (keys.length !== 1 || (keys[0] !== 'bytes' && keys[0] !== 'text')) throw shape();
  const descriptor = Reflect.getOwnPropertyDescriptor(payload, keys[0]);
  if (descriptor === undefined || !('value' in descriptor)) throw shape();
  const value: unknown = descriptor.value;
  const tooBig = () => new SecureMemoryError('INVALID_SIZE', `importSecret: a secret is 1 to ${maxSecretSize} bytes`);
  if (keys[0] === 'bytes') {
    if (!isUint8Array(value)) throw shape();
    if (value.byteLength < 1 || value.byteLength > maxSecretSize) throw tooBig();
    return { bytes: value };
  }
  if (typeof value !== 'string') throw shape();
  if (value.length < 1 || value.length > maxSecretSize) throw tooBig();
  return { text: value };
}

function wipeView(view: Uint8Array): void {
  view.fill(0);
  // A structured clone carries a view's whole ArrayBuffer, not only the
  // bytes it shows. Node Buffers can share a pool with unrelated data, and
  // never arrive over IPC: for them, only the view.
  if (!Buffer.isBuffer(view) && view.byteLength !== view.buffer.byteLength && !(view.buffer instanceof SharedArrayBuffer)) {
    new Uint8Array(view.buffer).fill(0);
  }
}

/**
 * Zeroes every Uint8Array in what the renderer sent (the bare value, or
 * within DATA_BOUNDS of it), whatever the payload's shape, so a refused
 * import leaves no copy of the bytes in main. Never throws.
 */
export function wipeReceived(payload: unknown): void {
  let values = 0;
  const walk = (v: unknown, depth: number): void => {
    if (++values > DATA_BOUNDS.maxValues || depth > DATA_BOUNDS.maxDepth) return;
    if (isUint8Array(v)) return wipeView(v);
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
    const keys = Reflect.ownKeys(v);
    if (keys.length > DATA_BOUNDS.maxValues) return;
    for (const key of keys) {
      const descriptor = Reflect.getOwnPropertyDescriptor(v, key);
      if (descriptor !== undefined && 'value' in descriptor) walk(descriptor.value, depth + 1);
    }
  };
  try {
    walk(payload, 0);
  } catch {
    // A hostile proxy can only come from inside main; nothing more to wipe.
  }
}

/** A request checked by its channel's schema, typed by it. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown, method: BridgeMethod): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw refusalFromZod(
      parsed.error,
      payload,
      method === 'generate' ? 'size' : undefined,
      (path, message) => `${method}${path === undefined ? '' : ` ${path}`}: ${message}`,
    );
  }
  return parsed.data;
}
