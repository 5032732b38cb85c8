// Schemas for what the renderer may send, one per channel, and the check
// that operation arguments and results are plain, bounded data.
import * as v8 from 'node:v8';

import { z } from 'zod';

import { SecureMemoryError } from '../errors';
import type { BridgeMethod } from './contract';

export interface BridgeLimits {
  /** Secrets one window may hold at once. */
  maxSecretsPerWindow: number;
  /** Largest secret a window may create or import, in bytes. */
  maxSecretSize: number;
  /** Largest request payload, in structured-clone bytes. */
  maxPayloadBytes: number;
  /** Largest operation result, in structured-clone bytes. */
  maxResultBytes: number;
}

export const DEFAULT_LIMITS: BridgeLimits = Object.freeze({
  maxSecretsPerWindow: 64,
  maxSecretSize: 4096,
  maxPayloadBytes: 64 * 1024,
  maxResultBytes: 64 * 1024,
});

/** 128 random bits, base64url: 22 characters. */
export const SECRET_ID = /^[A-Za-z0-9_-]{22}$/;
export const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const id = z.string().regex(SECRET_ID, 'not a secret id');

export function payloadSchemas(limits: BridgeLimits): Record<BridgeMethod, z.ZodType> {
  const size = z.number().int().min(1).max(limits.maxSecretSize);
  return {
    status: z.undefined(),
    list: z.undefined(),
    generate: z.strictObject({ size }),
    importSecret: z.union([
      z.strictObject({ bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength >= 1 && b.byteLength <= limits.maxSecretSize, `1 to ${limits.maxSecretSize} bytes`) }),
      z.strictObject({ text: z.string().min(1).max(limits.maxSecretSize) }),
    ]),
    inspect: z.strictObject({ id }),
    destroy: z.strictObject({ id }),
    run: z.strictObject({
      operation: z.string().regex(OPERATION_NAME, 'not an operation name'),
      id,
      args: z.unknown(),
    }),
  };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 8;
const MAX_NODES = 1000;

/**
 * Accepts only plain data: null, booleans, finite numbers, strings, arrays,
 * Uint8Arrays and plain objects without __proto__/constructor/prototype
 * keys, at most 8 deep and 1000 values. Throws INVALID_ARGUMENT otherwise.
 */
export function assertPlainData(value: unknown, what: string): void {
  let nodes = 0;
  const walk = (v: unknown, depth: number, path: string): void => {
    if (++nodes > MAX_NODES) throw new SecureMemoryError('INVALID_ARGUMENT', `${what} has more than ${MAX_NODES} values`);
    if (depth > MAX_DEPTH) throw new SecureMemoryError('INVALID_ARGUMENT', `${what} is nested deeper than ${MAX_DEPTH}`);
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'string') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new SecureMemoryError('INVALID_ARGUMENT', `${what}${path} is not a finite number`);
      return;
    }
    if (v instanceof Uint8Array) return;
    if (Array.isArray(v)) {
      // Named properties survive a structured clone too: only indices may exist.
      for (const key of Reflect.ownKeys(v)) {
        if (key === 'length') continue;
        if (typeof key !== 'string' || !/^(0|[1-9][0-9]*)$/.test(key)) {
          throw new SecureMemoryError('INVALID_ARGUMENT', `${what}${path} is an array with a named property ${String(key)}`);
        }
      }
      v.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
      return;
    }
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new SecureMemoryError('INVALID_ARGUMENT', `${what}${path} is not a plain object`);
      }
      for (const key of Reflect.ownKeys(v)) {
        if (typeof key !== 'string' || FORBIDDEN_KEYS.has(key)) {
          throw new SecureMemoryError('INVALID_ARGUMENT', `${what}${path} has a forbidden key ${String(key)}`);
        }
        walk((v as Record<string, unknown>)[key], depth + 1, `${path}.${key}`);
      }
      return;
    }
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}${path} is a ${typeof v}, not plain data`);
  };
  walk(value, 0, '');
}

/** Structured-clone size of `value`; throws INVALID_ARGUMENT when it cannot be cloned. The serialized copy is wiped. */
export function cloneSize(value: unknown, what: string): number {
  try {
    const serialized = v8.serialize(value);
    const size = serialized.byteLength;
    serialized.fill(0);
    return size;
  } catch (error) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what} cannot be sent over IPC: ${(error as Error).message}`);
  }
}

export function parsePayload<T>(schema: z.ZodType, payload: unknown, method: BridgeMethod): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? ` ${issue.path.join('.')}` : '';
    const code = method === 'generate' && issue.path[0] === 'size' && typeof (payload as { size?: unknown })?.size === 'number' ? 'INVALID_SIZE' : 'INVALID_ARGUMENT';
    throw new SecureMemoryError(code, `${method}${where}: ${issue.message}`);
  }
  return parsed.data as T;
}
