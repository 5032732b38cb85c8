// Argument checks for everything that reaches native code. Native code
// trusts what passes here (as in sodium-native's index.js).
import { z } from 'zod';

import { SecureMemoryError } from './errors';
import type { Backing, LockPolicy, Sealing, Storage } from './options';
import { refusalFromZod } from './zod-refusal';

export const HARD_MAX_SECRET_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_SECRET_SIZE = 1024 * 1024;

const sizeLimit = z.number().int().min(1).max(HARD_MAX_SECRET_SIZE);

const vaultOptionsSchema = z.strictObject({
  lockPolicy: z.enum(['require', 'best-effort']).optional(),
  storage: z.enum(['isolated', 'pooled']).optional(),
  backing: z.enum(['anonymous', 'secretmem']).optional(),
  sealing: z.enum(['auto', 'pkey', 'kernel-copy', 'mprotect']).optional(),
  maxSecretSize: sizeLimit.optional(),
});

const callOptionsSchema = z.strictObject({
  storage: z.enum(['isolated', 'pooled']).optional(),
});

export interface ResolvedVaultOptions {
  lockPolicy: LockPolicy;
  storage: Storage;
  backing: Backing;
  sealing: Sealing;
  maxSecretSize: number;
}

export function resolveVaultOptions(options: unknown): ResolvedVaultOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', 'SecretVault options must be a plain object');
  }
  const parsed = vaultOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw refusalFromZod(parsed.error, options, 'maxSecretSize', (where = 'options', message) => `SecretVault option ${where}: ${message}`);
  }
  const resolved: ResolvedVaultOptions = {
    lockPolicy: parsed.data.lockPolicy ?? 'require',
    storage: parsed.data.storage ?? 'isolated',
    backing: parsed.data.backing ?? 'anonymous',
    sealing: parsed.data.sealing ?? 'auto',
    maxSecretSize: parsed.data.maxSecretSize ?? DEFAULT_MAX_SECRET_SIZE,
  };
  if (resolved.backing === 'secretmem' && resolved.storage !== 'pooled') {
    throw new SecureMemoryError('UNSUPPORTED', "backing: 'secretmem' is available for storage: 'pooled' only");
  }
  return resolved;
}

/** The storage for one secret: the call's option, else the vault's. */
export function resolveSecretOptions(options: unknown, vault: ResolvedVaultOptions, what: string): Storage {
  if (options === undefined) return vault.storage;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: options must be a plain object`);
  }
  const parsed = callOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw refusalFromZod(parsed.error, options, undefined, (where = 'options', message) => `${what} option ${where}: ${message}`);
  }
  const storage = parsed.data.storage ?? vault.storage;
  if (vault.backing === 'secretmem' && storage !== 'pooled') {
    throw new SecureMemoryError('UNSUPPORTED', "this vault's backing: 'secretmem' is available for pooled storage only");
  }
  return storage;
}

/** A chunk id from the native pool: a non-negative safe integer. */
export function checkChunkId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new SecureMemoryError('INVALID_HANDLE', 'the pool returned an invalid chunk id');
  }
  return id;
}

/** A secret size: a safe integer in 1..max. Wrong type -> INVALID_ARGUMENT, bad number -> INVALID_SIZE. */
export function checkSize(size: unknown, max: number, what: string): number {
  if (typeof size !== 'number') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what} must be a number of bytes, got ${describeValue(size)}`);
  }
  if (!Number.isSafeInteger(size) || size < 1 || size > max) {
    throw new SecureMemoryError('INVALID_SIZE', `${what} must be an integer from 1 to ${max} bytes, got ${size}`);
  }
  return size;
}

function isDetached(buffer: ArrayBufferLike): boolean {
  // ArrayBuffer.prototype.detached is newer than Node 20; constructing a view
  // over a detached buffer throws everywhere.
  const flag = (buffer as { detached?: unknown }).detached;
  if (typeof flag === 'boolean') return flag;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Type and size checks for import(). It must not touch `bytes.buffer`: V8
 * keeps typed arrays of up to 64 bytes inside the JS heap, and reading
 * `.buffer` moves them out, leaving the old bytes behind as garbage that no
 * wipe reaches (the gcore test found exactly that). A detached array has
 * length 0, so its buffer is only looked at then, when it holds nothing.
 */
export function checkImportBytes(bytes: unknown, max: number): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `import() takes a Uint8Array or Buffer, got ${describeValue(bytes)}; strings cannot be wiped, so they are refused`,
    );
  }
  if (bytes.byteLength === 0 && isDetached(bytes.buffer)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', 'import() got bytes whose ArrayBuffer is detached');
  }
  checkSize(bytes.byteLength, max, 'import() length');
  return bytes;
}

/** Call only once the view's contents are wiped (see checkImportBytes). */
export function checkNotShared(bytes: Uint8Array): void {
  if (typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      'import() refuses bytes in a SharedArrayBuffer: another thread could keep reading them',
    );
  }
}

export function checkFunction(fn: unknown, what: string): (...args: never[]) => unknown {
  if (typeof fn !== 'function') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what} must be a function, got ${describeValue(fn)}`);
  }
  return fn as (...args: never[]) => unknown;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  if (typeof value === 'string') return 'a string';
  switch (typeof value) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return 'undefined';
  }
}
