// The wallet calls' argument checks and their conversion to the addon's
// wallet functions. Every argument is checked here, before native code.
import { SecureMemoryError } from '../errors';
import type { NativeRegion, NativeSecretArgs, NativeSecretKind } from '../native';
import { describeValue } from '../validate';
import { PooledRegion } from './pooled-region';
import type { Entry, WalletSecretKind } from './scope';

export type Curve = 'secp256k1' | 'ed25519';
export type SignatureScheme = 'ecdsa' | 'schnorr' | 'ed25519';

/** A derived key: its handle and the public facts about it. */
export interface DerivedKeyInfo<Handle> {
  handle: Handle;
  curve: Curve;
  /** secp256k1: 33 bytes, compressed; Ed25519: 32 bytes. */
  publicKey: Uint8Array;
  /** First 4 bytes of HASH160 of the public key, as an unsigned 32-bit number (BIP-32). */
  fingerprint: number;
  /** 0 for a master key. */
  parentFingerprint: number;
  depth: number;
  /** The last step's index (hardened steps carry 2^31). */
  childIndex: number;
  /** The path, with hardened steps written `'`. */
  path: string;
  /** BIP-32 serialization of the public key and chain code ("xpub…", Base58Check), when asked for (secp256k1). */
  extendedPublicKey?: string;
}

export interface Signature {
  /** ECDSA: r || s (64 bytes, low s); Schnorr and Ed25519: 64 bytes. */
  signature: Uint8Array;
  /** ECDSA only: 0..3, Ethereum's v - 27 and the public key's recovery id. */
  recoveryId?: number;
}

export const SEED_MIN_BYTES = 16;
export const SEED_MAX_BYTES = 64;
/** Longer than any BIP-39 mnemonic (24 words of at most 8 letters). */
export const MNEMONIC_MAX_BYTES = 1024;
export const PASSPHRASE_MAX_CHARS = 1024;
export const MAX_DERIVATION_DEPTH = 255;
/** Ed25519 signs whole messages; larger ones are refused. */
export const ED25519_MAX_MESSAGE_BYTES = 1024 * 1024;
/** A derived key's secret: the private key, then its chain code. */
export const DERIVED_KEY_BYTES = 64;
/** A BIP-39 seed. */
export const MNEMONIC_SEED_BYTES = 64;

const HARDENED = 0x80000000;
const STEP = /^(\d{1,10})(['hH]?)$/;

/** A BIP-32 path ("m/44'/60'/0'/0/0"; h or H also mark hardened) for `curve`, normalized to `'`. */
export function checkPath(path: unknown, curve: Curve): string {
  if (typeof path !== 'string') {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `deriveKey(seed, path): path must be a string like "m/44'/60'/0'/0/0", got ${describeValue(path)}`,
    );
  }
  const parts = path.split('/');
  if (parts[0] !== 'm') {
    throw new SecureMemoryError('INVALID_ARGUMENT', 'deriveKey(seed, path): path must start with "m"');
  }
  const steps = parts.slice(1);
  if (steps.length > MAX_DERIVATION_DEPTH) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `deriveKey(seed, path): at most ${MAX_DERIVATION_DEPTH} steps, got ${steps.length}`);
  }
  const normalized = ['m'];
  for (const [position, step] of steps.entries()) {
    const match = STEP.exec(step);
    const index = match === null ? NaN : Number(match[1]);
    if (match === null || !(index < HARDENED)) {
      throw new SecureMemoryError(
        'INVALID_ARGUMENT',
        `deriveKey(seed, path): step ${position + 1} must be an index below 2^31, optionally followed by ', h or H`,
      );
    }
    const hardened = match[2] !== '';
    if (curve === 'ed25519' && !hardened) {
      throw new SecureMemoryError(
        'INVALID_ARGUMENT',
        `deriveKey(seed, path): ed25519 (SLIP-10) derives hardened steps only; step ${position + 1} is not`,
      );
    }
    normalized.push(hardened ? `${index}'` : `${index}`);
  }
  return normalized.join('/');
}

export function checkCurve(curve: unknown): Curve {
  if (curve === undefined) return 'secp256k1';
  if (curve !== 'secp256k1' && curve !== 'ed25519') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `deriveKey(): curve must be 'secp256k1' or 'ed25519', got ${describeValue(curve)}`);
  }
  return curve;
}

/** The key kind a signature scheme needs. */
export function checkScheme(scheme: unknown): { scheme: SignatureScheme; kind: WalletSecretKind } {
  if (scheme === 'ecdsa' || scheme === 'schnorr') return { scheme, kind: 'secp256k1-key' };
  if (scheme === 'ed25519') return { scheme, kind: 'ed25519-key' };
  throw new SecureMemoryError(
    'INVALID_ARGUMENT',
    `sign(): options.scheme must be 'ecdsa', 'schnorr' or 'ed25519', got ${describeValue(scheme)}`,
  );
}

/** What sign() signs: a 32-byte digest for ECDSA and Schnorr, a message of up to 1 MiB for Ed25519. */
export function checkMessage(message: unknown, scheme: SignatureScheme): Uint8Array {
  if (!(message instanceof Uint8Array)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `sign(key, message): message must be a Uint8Array, got ${describeValue(message)}`);
  }
  if (scheme !== 'ed25519' && message.byteLength !== 32) {
    throw new SecureMemoryError('INVALID_SIZE', `sign(): ${scheme} signs a 32-byte digest, got ${message.byteLength} bytes`);
  }
  if (message.byteLength > ED25519_MAX_MESSAGE_BYTES) {
    throw new SecureMemoryError('INVALID_SIZE', `sign(): ed25519 messages are at most ${ED25519_MAX_MESSAGE_BYTES} bytes`);
  }
  return message;
}

export const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const;
export type MnemonicWordCount = (typeof MNEMONIC_WORD_COUNTS)[number];

/** generateMnemonic()'s options.words: 12, 15, 18, 21 or 24 (default 24). */
export function checkWordCount(words: unknown): MnemonicWordCount {
  if (words === undefined) return 24;
  if (!MNEMONIC_WORD_COUNTS.includes(words as MnemonicWordCount)) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `generateMnemonic(): options.words must be 12, 15, 18, 21 or 24, got ${describeValue(words)}`,
    );
  }
  return words as MnemonicWordCount;
}

/** deriveKey()'s options.extendedPublicKey: a boolean, and secp256k1 only (SLIP-10 ed25519 has no xpub). */
export function checkExtendedPublicKey(wanted: unknown, curve: Curve): boolean {
  if (wanted === undefined || wanted === false) return false;
  if (wanted !== true) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `deriveKey(): options.extendedPublicKey must be a boolean, got ${describeValue(wanted)}`,
    );
  }
  if (curve !== 'secp256k1') {
    throw new SecureMemoryError(
      'UNSUPPORTED',
      'deriveKey(): an extended public key (xpub) exists for secp256k1 (BIP-32) only; SLIP-10 ed25519 derives hardened keys, which have no public derivation',
    );
  }
  return true;
}

/** A BIP-39 passphrase: a string, NFKD-normalized and UTF-8 encoded (the caller wipes the bytes). */
export function passphraseBytes(passphrase: unknown, what = 'importMnemonic()'): Uint8Array | null {
  if (passphrase === undefined || passphrase === '') return null;
  if (typeof passphrase !== 'string') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: options.passphrase must be a string, got ${describeValue(passphrase)}`);
  }
  if (passphrase.length > PASSPHRASE_MAX_CHARS) {
    throw new SecureMemoryError('INVALID_SIZE', `${what}: options.passphrase is at most ${PASSPHRASE_MAX_CHARS} characters`);
  }
  return new TextEncoder().encode(passphrase.normalize('NFKD'));
}

/** The options object of a wallet call: a plain object with only `allowed` keys. */
export function checkCallOptions(options: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: options must be a plain object`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new SecureMemoryError('INVALID_ARGUMENT', `${what}: unknown option '${key}'`);
    }
  }
  return options as Record<string, unknown>;
}

/** The entry's kind must be one of `kinds`, and no write scope of it may be open (its bytes are about to change). */
export function checkKind(entry: Entry, kinds: readonly WalletSecretKind[], what: string): WalletSecretKind {
  if (entry.writing) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what} inside a write scope of the same secret is refused`);
  }
  if (entry.kind === undefined || !kinds.includes(entry.kind)) {
    const is = entry.kind === undefined ? 'not a wallet secret' : `a ${entry.kind}`;
    throw new SecureMemoryError('INVALID_ARGUMENT', `${what} takes a ${kinds.join(' or ')} handle; this handle is ${is}`);
  }
  return entry.kind;
}

/** How the wallet functions name a secret: (pool id, chunk) or (region, null), then its kind. */
export function secretArgs(region: NativeRegion, kind: NativeSecretKind): NativeSecretArgs {
  if (region instanceof PooledRegion) return [region.poolId, region.chunk, kind];
  return [region, null, kind];
}
