// Main's checks of what the renderer sends, beyond the channel schemas in
// bridge/contract.ts: the limits, importSecret's constant-time check, and the
// bounded check that every payload, operation argument and result is plain data.
//
// Every check here is bounded by a limit it enforces before it walks: an
// array's claimed length, an object's key count, depth, the number of values
// and the bytes they add up to are compared with what is left of the budget
// before a single element is read. A message is accepted or refused after
// touching at most MAX_VALUES values, whatever it claims to hold (a sparse
// array of length 2^32-1 is refused after reading its length).
import type { z } from 'zod';

import type { BridgeMethod, ImportRequest } from '../../bridge/contract';
import { SecureMemoryError } from '../errors';
import { refusalFromZod } from '../zod-refusal';

export interface BridgeLimits {
  /** Secrets one window may hold at once. */
  maxSecretsPerWindow: number;
  /** Largest secret a window may create or import, in bytes. */
  maxSecretSize: number;
  /** Largest request payload, in bytes as measureData counts them. */
  maxPayloadBytes: number;
  /** Largest operation result, in bytes as measureData counts them. */
  maxResultBytes: number;
  /** Secrets all windows together may hold through the bridge. */
  maxBridgeSecrets: number;
  /** Bytes of secret all windows together may hold through the bridge. */
  maxBridgeBytes: number;
}

export const DEFAULT_LIMITS: BridgeLimits = Object.freeze({
  maxSecretsPerWindow: 64,
  maxSecretSize: 4096,
  maxPayloadBytes: 64 * 1024,
  maxResultBytes: 64 * 1024,
  maxBridgeSecrets: 256,
  maxBridgeBytes: 256 * 1024,
});

/** Structural bounds of plain data, the same for every channel. */
export const DATA_BOUNDS = Object.freeze({
  /** Nesting below the top value. */
  maxDepth: 8,
  /** Values in all, counting every slot of an array (holes too) and every key of an object. */
  maxValues: 1000,
});

/** No error message the renderer gets is longer than this. */
export const MAX_ERROR_MESSAGE = 200;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(0|[1-9][0-9]*)$/;

/** A real Uint8Array (or Buffer), not a proxy or another view; reading byteLength then runs no page code. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && value instanceof Uint8Array;
}

/**
 * Accepts only plain data: null, undefined, booleans, finite numbers,
 * strings, Uint8Arrays, arrays (indices only) and plain objects (string keys
 * other than __proto__/constructor/prototype, data properties only), at most
 * DATA_BOUNDS deep and many, and at most `maxBytes` bytes counted as: 2 per
 * string character or key character, 8 per number, 1 per other value, plus
 * each Uint8Array's length. Returns that count.
 *
 * Refuses with INVALID_ARGUMENT (shape) or LIMIT_EXCEEDED (bytes). Work per
 * call: at most maxValues values visited and, per array or object, one
 * ownKeys call checked against the remaining budget before any value is read.
 */
export function measureData(value: unknown, what: string, maxBytes: number): number {
  let values = 0;
  let bytes = 0;
  const shape = (message: string) => new SecureMemoryError('INVALID_ARGUMENT', `${what}${message}`);
  const count = (n: number) => {
    values += n;
    if (values > DATA_BOUNDS.maxValues) throw shape(` has more than ${DATA_BOUNDS.maxValues} values`);
  };
  const spend = (n: number) => {
    bytes += n;
    if (bytes > maxBytes) throw new SecureMemoryError('LIMIT_EXCEEDED', `${what} is larger than ${maxBytes} bytes`);
  };
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth > DATA_BOUNDS.maxDepth) throw shape(` is nested deeper than ${DATA_BOUNDS.maxDepth}`);
    if (v === null || v === undefined || typeof v === 'boolean') return spend(1);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw shape(`${path} is not a finite number`);
      return spend(8);
    }
    // Only the length is read; the characters are never walked here.
    if (typeof v === 'string') return spend(v.length * 2);
    if (typeof v !== 'object') throw shape(`${path} is a ${typeof v}, not plain data`);
    if (isUint8Array(v)) return spend(v.byteLength);
    const array = Array.isArray(v);
    if (array) {
      // The claim first: holes count, so a length the budget cannot hold is
      // refused before a single slot is read.
      const length = (v as unknown[]).length;
      count(length);
      spend(length);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw shape(`${path} is not a plain object`);
    }
    const keys = Reflect.ownKeys(v);
    if (array) {
      // Indices (at most length of them) and 'length': anything more is a
      // named property, which a structured clone keeps too.
      if (keys.length > (v as unknown[]).length + 1) throw shape(`${path} is an array with a named property`);
    } else {
      count(keys.length);
    }
    for (const key of keys) {
      if (array && key === 'length') continue;
      if (typeof key !== 'string') throw shape(`${path} has a symbol key`);
      if (array ? !INDEX.test(key) : FORBIDDEN_KEYS.has(key)) {
        throw shape(array ? `${path} is an array with a named property ${key.slice(0, 40)}` : `${path} has a forbidden key ${key}`);
      }
      if (!array) spend(key.length * 2);
      const descriptor = Reflect.getOwnPropertyDescriptor(v, key);
      if (descriptor === undefined || !('value' in descriptor)) throw shape(`${path} has an accessor property, not data`);
      walk(descriptor.value, depth + 1, array ? `${path}[${key}]` : `${path}.${key.slice(0, 40)}`);
    }
  };
  walk(value, 0, '');
  return bytes;
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
  const proto = Object.getPrototypeOf(payload);
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

/** Caps a message the renderer will see, so no error echoes a payload back. */
export function boundMessage(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE ? message : `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
}
