// Web3 Secret Storage v3 ("keystore") files: the JSON is parsed and every
// field checked here, strictly, before native code; only the decoded public
// fields (salt, IV, ciphertext, MAC) and the password bytes cross into the
// addon. The KDF runs on the libuv thread pool; the password is copied into
// locked native memory before the call returns and wiped here at once.
import { randomBytes, randomUUID } from 'node:crypto';
import { SecureMemoryError } from '../errors';
import type { NativeKeystoreJob, NativeKeystoreKdf } from '../native';
import { describeValue } from '../validate';

/** What a keystore file may ask for; more is refused (LIMIT_EXCEEDED) before any work or allocation. */
export const KEYSTORE_LIMITS = Object.freeze({
  /** scrypt's working memory, 128 * r * n bytes: 512 MiB (n = 2^18, r = 8 takes 256 MiB). */
  maxScryptMemoryBytes: 512 * 1024 * 1024,
  /** scrypt's time, n * r * p: 2^25 (n = 2^18, r = 8, p = 16), about 16 s on a 2020s core. */
  maxScryptWork: 2 ** 25,
  maxScryptR: 32,
  maxScryptP: 16,
  /** PBKDF2-HMAC-SHA256 rounds (c). */
  maxPbkdf2Iterations: 10_000_000,
  minDerivedKeyBytes: 32,
  maxDerivedKeyBytes: 64,
  maxSaltBytes: 1024,
  maxPasswordBytes: 4096,
  /** The JSON text. */
  maxJsonChars: 64 * 1024,
});

/** The default parameters of exportKeystore: geth's "standard" scrypt, and PBKDF2 as in the definition's example. */
export const KEYSTORE_DEFAULTS = Object.freeze({
  scrypt: Object.freeze({ n: 262144, r: 8, p: 1 }),
  pbkdf2: Object.freeze({ c: 262144 }),
});

export interface KeystoreProgress {
  /** Units of KDF work done (scrypt: BlockMix calls; PBKDF2: HMAC rounds). */
  done: number;
  total: number;
}

export interface KeystoreCallOptions {
  /** Cancels the KDF between chunks: the promise rejects with ABORTED and nothing is created. */
  signal?: AbortSignal;
  /** About a hundred reports, on the main thread. A listener that throws is ignored. */
  onProgress?: (progress: KeystoreProgress) => void;
}

export interface ExportKeystoreOptions extends KeystoreCallOptions {
  kdf?: 'scrypt' | 'pbkdf2';
  /** scrypt only; defaults 262144, 8, 1. */
  n?: number;
  r?: number;
  p?: number;
  /** pbkdf2 only; default 262144. */
  c?: number;
}

/** A keystore file, checked and decoded. */
export interface ParsedKeystore {
  kdf: NativeKeystoreKdf;
  ciphertext: Uint8Array;
  iv: Uint8Array;
  mac: Uint8Array;
  /** 20 bytes, when the file names its address. */
  address: Uint8Array | null;
}

function invalid(message: string): SecureMemoryError {
  return new SecureMemoryError('INVALID_ARGUMENT', `keystore: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function hexField(value: unknown, name: string, sizes: { min: number; max: number }): Uint8Array {
  if (typeof value !== 'string') throw invalid(`${name} must be a hex string, got ${describeValue(value)}`);
  if (!HEX.test(value)) throw invalid(`${name} is not hex (an even number of 0-9, a-f digits, no 0x)`);
  const size = value.length / 2;
  if (size < sizes.min || size > sizes.max) {
    const range = sizes.min === sizes.max ? `${sizes.min}` : `${sizes.min} to ${sizes.max}`;
    throw invalid(`${name} must be ${range} bytes, got ${size}`);
  }
  return new Uint8Array(Buffer.from(value, 'hex'));
}

function integerField(object: Record<string, unknown>, name: string, where: string): number {
  const value = object[name];
  if (value === undefined) throw invalid(`${where}.${name} is missing`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${where}.${name} must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

function limit(message: string): SecureMemoryError {
  return new SecureMemoryError('LIMIT_EXCEEDED', `keystore: ${message}`);
}

/** Checks KDF parameters against the limits; the native layer checks them again. */
function checkKdf(kdf: NativeKeystoreKdf): void {
  if (kdf.dklen < KEYSTORE_LIMITS.minDerivedKeyBytes) {
    throw invalid(`kdfparams.dklen must be at least 32 (the MAC takes derived bytes 16..32), got ${kdf.dklen}`);
  }
  if (kdf.dklen > KEYSTORE_LIMITS.maxDerivedKeyBytes) throw limit(`kdfparams.dklen is at most ${KEYSTORE_LIMITS.maxDerivedKeyBytes}`);
  if (kdf.kdf === 'pbkdf2') {
    if (kdf.c < 1) throw invalid('kdfparams.c must be at least 1');
    if (kdf.c > KEYSTORE_LIMITS.maxPbkdf2Iterations) {
      throw limit(`kdfparams.c is ${kdf.c}; at most ${KEYSTORE_LIMITS.maxPbkdf2Iterations} PBKDF2 rounds are accepted`);
    }
    return;
  }
  const { n, r, p } = kdf;
  // n is a safe integer: a power of two is then exact, and Math.log2 of it is too.
  if (n < 2 || 2 ** Math.round(Math.log2(n)) !== n) throw invalid(`kdfparams.n must be a power of two, at least 2, got ${n}`);
  if (r < 1 || p < 1) throw invalid('kdfparams.r and kdfparams.p must be at least 1');
  if (r > KEYSTORE_LIMITS.maxScryptR || p > KEYSTORE_LIMITS.maxScryptP) {
    throw limit(`scrypt r is at most ${KEYSTORE_LIMITS.maxScryptR} and p at most ${KEYSTORE_LIMITS.maxScryptP}, got r=${r}, p=${p}`);
  }
  if (128 * r * n > KEYSTORE_LIMITS.maxScryptMemoryBytes) {
    throw limit(
      `scrypt n=${n}, r=${r} needs ${(128 * r * n) / 2 ** 20} MiB; at most ${KEYSTORE_LIMITS.maxScryptMemoryBytes / 2 ** 20} MiB`,
    );
  }
  if (n * r * p > KEYSTORE_LIMITS.maxScryptWork) {
    throw limit(`scrypt n * r * p = ${n * r * p}; at most ${KEYSTORE_LIMITS.maxScryptWork}`);
  }
}

const KEYSTORE_KEYS = ['version', 'id', 'address', 'crypto', 'Crypto', 'name', 'meta'];
const CRYPTO_KEYS = ['cipher', 'cipherparams', 'ciphertext', 'kdf', 'kdfparams', 'mac'];

/**
 * Parses and checks a keystore's JSON text. INVALID_ARGUMENT for malformed,
 * missing or extra fields and bad hex; UNSUPPORTED for a version other than
 * 3 or an unknown kdf, prf or cipher; LIMIT_EXCEEDED for parameters over
 * KEYSTORE_LIMITS.
 */
export function parseKeystore(json: unknown): ParsedKeystore {
  if (typeof json !== 'string') throw invalid(`the keystore must be JSON text, got ${describeValue(json)}`);
  if (json.length > KEYSTORE_LIMITS.maxJsonChars) throw limit(`the JSON text is at most ${KEYSTORE_LIMITS.maxJsonChars} characters`);
  let file: unknown;
  try {
    file = JSON.parse(json);
  } catch {
    throw invalid('the text is not JSON');
  }
  if (!isPlainObject(file)) throw invalid('the JSON is not an object');
  for (const key of Object.keys(file)) {
    // Vendor extensions ("x-ethers": a mnemonic's own ciphertext) are ignored.
    if (!KEYSTORE_KEYS.includes(key) && !key.startsWith('x-')) throw invalid(`unknown field '${key}'`);
  }
  if (file.version === undefined) throw invalid('version is missing');
  if (file.version !== 3) {
    throw new SecureMemoryError('UNSUPPORTED', `keystore: only version 3 is supported, got ${describeValue(file.version)}`);
  }
  if (file.crypto !== undefined && file.Crypto !== undefined) throw invalid("both 'crypto' and 'Crypto' are present");
  const crypto = file.crypto ?? file.Crypto;
  if (!isPlainObject(crypto)) throw invalid('crypto is missing or not an object');
  for (const key of Object.keys(crypto)) {
    if (!CRYPTO_KEYS.includes(key)) throw invalid(`unknown field 'crypto.${key}'`);
  }
  if (crypto.cipher !== 'aes-128-ctr') {
    throw new SecureMemoryError('UNSUPPORTED', `keystore: cipher must be 'aes-128-ctr', got ${describeValue(crypto.cipher)}`);
  }
  if (!isPlainObject(crypto.cipherparams)) throw invalid('crypto.cipherparams is missing or not an object');
  const iv = hexField(crypto.cipherparams.iv, 'crypto.cipherparams.iv', { min: 16, max: 16 });
  const ciphertext = hexField(crypto.ciphertext, 'crypto.ciphertext', { min: 1, max: 32 });
  const mac = hexField(crypto.mac, 'crypto.mac', { min: 32, max: 32 });
  const params = crypto.kdfparams;
  if (!isPlainObject(params)) throw invalid('crypto.kdfparams is missing or not an object');
  let kdf: NativeKeystoreKdf;
  if (crypto.kdf === 'scrypt') {
    for (const key of Object.keys(params)) {
      if (!['n', 'r', 'p', 'dklen', 'salt'].includes(key)) throw invalid(`unknown field 'crypto.kdfparams.${key}'`);
    }
    kdf = {
      kdf: 'scrypt',
      n: integerField(params, 'n', 'crypto.kdfparams'),
      r: integerField(params, 'r', 'crypto.kdfparams'),
      p: integerField(params, 'p', 'crypto.kdfparams'),
      c: 0,
      dklen: integerField(params, 'dklen', 'crypto.kdfparams'),
      salt: hexField(params.salt, 'crypto.kdfparams.salt', { min: 0, max: KEYSTORE_LIMITS.maxSaltBytes }),
    };
  } else if (crypto.kdf === 'pbkdf2') {
    for (const key of Object.keys(params)) {
      if (!['c', 'prf', 'dklen', 'salt'].includes(key)) throw invalid(`unknown field 'crypto.kdfparams.${key}'`);
    }
    if (params.prf !== 'hmac-sha256') {
      throw new SecureMemoryError('UNSUPPORTED', `keystore: kdfparams.prf must be 'hmac-sha256', got ${describeValue(params.prf)}`);
    }
    kdf = {
      kdf: 'pbkdf2',
      n: 0,
      r: 0,
      p: 0,
      c: integerField(params, 'c', 'crypto.kdfparams'),
      dklen: integerField(params, 'dklen', 'crypto.kdfparams'),
      salt: hexField(params.salt, 'crypto.kdfparams.salt', { min: 0, max: KEYSTORE_LIMITS.maxSaltBytes }),
    };
  } else {
    throw new SecureMemoryError('UNSUPPORTED', `keystore: kdf must be 'scrypt' or 'pbkdf2', got ${describeValue(crypto.kdf)}`);
  }
  checkKdf(kdf);
  let address: Uint8Array | null = null;
  if (file.address !== undefined) {
    const text = typeof file.address === 'string' && file.address.startsWith('0x') ? file.address.slice(2) : file.address;
    address = hexField(text, 'address', { min: 20, max: 20 });
  }
  return { kdf, ciphertext, iv, mac, address };
}

/** The password: a Uint8Array of at most maxPasswordBytes, not shared. Wiped by the caller's finally. */
export function checkPassword(password: unknown, what: string): Uint8Array {
  if (!(password instanceof Uint8Array)) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `${what}: password must be a Uint8Array (UTF-8 bytes; strings cannot be wiped), got ${describeValue(password)}`,
    );
  }
  if (typeof SharedArrayBuffer !== 'undefined' && password.buffer instanceof SharedArrayBuffer) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: a password in a SharedArrayBuffer is refused`);
  }
  if (password.byteLength > KEYSTORE_LIMITS.maxPasswordBytes) {
    throw new SecureMemoryError('INVALID_SIZE', `${what}: a password is at most ${KEYSTORE_LIMITS.maxPasswordBytes} bytes`);
  }
  return password;
}

/** The export options, checked; fresh salt (32 bytes) and IV from the CSPRNG. */
export function exportKdf(options: ExportKeystoreOptions): NativeKeystoreKdf {
  // unknown: a JavaScript caller can pass anything.
  const kind: unknown = options.kdf ?? 'scrypt';
  if (kind !== 'scrypt' && kind !== 'pbkdf2') {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `exportKeystore(): options.kdf must be 'scrypt' or 'pbkdf2', got ${describeValue(kind)}`,
    );
  }
  const number = (value: unknown, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new SecureMemoryError('INVALID_ARGUMENT', `exportKeystore(): options.${name} must be a non-negative integer`);
    }
    return value;
  };
  if (kind === 'scrypt' && options.c !== undefined) {
    throw new SecureMemoryError('INVALID_ARGUMENT', 'exportKeystore(): options.c is for pbkdf2');
  }
  if (kind === 'pbkdf2' && (options.n !== undefined || options.r !== undefined || options.p !== undefined)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', 'exportKeystore(): options.n, r and p are for scrypt');
  }
  const kdf: NativeKeystoreKdf =
    kind === 'scrypt'
      ? {
          kdf: 'scrypt',
          n: number(options.n, KEYSTORE_DEFAULTS.scrypt.n, 'n'),
          r: number(options.r, KEYSTORE_DEFAULTS.scrypt.r, 'r'),
          p: number(options.p, KEYSTORE_DEFAULTS.scrypt.p, 'p'),
          c: 0,
          dklen: 32,
          salt: new Uint8Array(randomBytes(32)),
        }
      : {
          kdf: 'pbkdf2',
          n: 0,
          r: 0,
          p: 0,
          c: number(options.c, KEYSTORE_DEFAULTS.pbkdf2.c, 'c'),
          dklen: 32,
          salt: new Uint8Array(randomBytes(32)),
        };
  checkKdf(kdf);
  return kdf;
}

/** The keystore JSON text exportKeystore returns (the definition's field order). */
export function keystoreJson(
  kdf: NativeKeystoreKdf,
  iv: Uint8Array,
  sealed: { ciphertext: Uint8Array; mac: Uint8Array },
  address: Uint8Array,
): string {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const kdfparams =
    kdf.kdf === 'scrypt'
      ? { dklen: kdf.dklen, n: kdf.n, p: kdf.p, r: kdf.r, salt: hex(kdf.salt) }
      : { c: kdf.c, dklen: kdf.dklen, prf: 'hmac-sha256', salt: hex(kdf.salt) };
  return JSON.stringify({
    address: hex(address),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: hex(iv) },
      ciphertext: hex(sealed.ciphertext),
      kdf: kdf.kdf,
      kdfparams,
      mac: hex(sealed.mac),
    },
    id: randomUUID(),
    version: 3,
  });
}

/** A fresh 16-byte IV. */
export function freshIv(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

/** The call's signal and progress listener, checked. */
export function checkCallbacks(options: KeystoreCallOptions, what: string): KeystoreCallOptions {
  const { signal, onProgress } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: options.signal must be an AbortSignal`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: options.onProgress must be a function`);
  }
  return { signal, onProgress };
}

export function abortedError(): SecureMemoryError {
  return new SecureMemoryError('ABORTED', 'the keystore operation was cancelled');
}

/** Runs a started native job to its end, wired to the signal; the job's own errors pass through. */
export async function settle<T>(job: NativeKeystoreJob<T>, signal: AbortSignal | undefined): Promise<T> {
  const cancel = () => job.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await job.promise;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/** The native progress callback for a listener. */
export function progressCallback(onProgress: KeystoreCallOptions['onProgress']): ((done: number, total: number) => void) | null {
  if (onProgress === undefined) return null;
  return (done, total) => onProgress({ done, total });
}

/** Equal in constant time (public data here, but it costs nothing). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
