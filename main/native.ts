// The addon's surface, typed. addon-loader.ts knows where the .node file lives.
import * as path from 'node:path';

import { loadAddon } from './addon-loader';

/** What the OS says about a secret's memory (for pooled storage, its arena). SecretStatus passes most of it on. */
export interface NativeRegionFacts {
  /** The secret's size in bytes. */
  size: number;
  lockedBytes: number;
  mappedBytes: number;
  /** The lock call succeeded. */
  locked: boolean;
  /** The OS says the pages are locked (smaps `lo`, QueryWorkingSetEx, macOS mach_vm_region_recurse user_wired_count); null = cannot be verified here. */
  lockVerified: boolean | null;
  /** The OS says the pages are excluded from core dumps (smaps `dd`); null = cannot be verified here (macOS and Windows have nothing per region to read). */
  dumpExcluded: boolean | null;
  /** The OS says forked children do not get the pages (smaps `dc`, macOS inheritance VM_INHERIT_NONE); null = cannot be verified here. */
  forkExcluded: boolean | null;
  /**
   * Guard pages fence the secret's memory, per the OS (the pages' protection in /proc/self/maps, VirtualQuery,
   * mach_vm_region_recurse); null where it cannot be asked. Where they sit: SecretStatus.guardPagesAround.
   */
  guardPages: boolean | null;
  /**
   * The secret's pages are no-access right now, per the OS (under pkey sealing: every page carries the key in smaps and
   * this thread's PKRU denies it); null where it
   * cannot be asked. Copies handed to read/write callbacks live in the JS heap and are not covered. Always false on
   * Windows, where no-access would unlock the pages: they rest read-only.
   */
  sealed: boolean | null;
  /** How the pages are sealed at rest; see SealingMethod. */
  sealing: SealingMethod;
  /** Why the method is not a protection key (null when it is, or a method was forced). */
  sealingFallbackReason?: string | null;
  /** The canary after the secret is unchanged (checked on every access and on free). */
  canaryIntact: boolean;
}

/**
 * How secret pages are closed at rest. 'pkey': a memory protection key,
 * opened per thread. 'kernel-copy': never opened; scopes copy through the
 * kernel (Linux /proc/self/mem). 'mprotect': opened for every thread during
 * a scope. 'none': not sealed (Windows rests read-only).
 */
export type SealingMethod = 'pkey' | 'kernel-copy' | 'mprotect' | 'none';
/** A sealing option: 'auto' probes pkey, then kernel-copy, then mprotect. */
export type SealingPreference = 'auto' | 'pkey' | 'kernel-copy' | 'mprotect';

/** inspect() of a pooled chunk: the facts are about its whole arena. */
export interface NativeChunkFacts extends NativeRegionFacts {
  /** Data bytes of the arena the chunk lives in (guard pages at its ends). */
  arenaBytes: number;
  backing: 'anonymous' | 'secretmem';
}

export interface NativePoolStats {
  /** Bytes in live chunks (secrets, canaries, padding). */
  used: number;
  free: number;
  /** Data bytes of every arena. */
  total: number;
  /** Bytes of arenas whose lock call succeeded (our own record). */
  lockCallsSucceeded: number;
  /** Bytes of arenas the OS says are locked; null without read-back or where the OS cannot tell. */
  locked: number | null;
  /** Live chunks in arenas the OS says are locked; null as above. */
  chunksLocked: number | null;
  chunks: number;
  freeRuns: number;
  arenas: number;
}

export interface NativePoolConfig {
  sealing: SealingMethod;
  sealingFallbackReason: string | null;
  backing: 'anonymous' | 'secretmem';
  backingFallbackReason: string | null;
}

/** A pool of locked arenas; chunks are numbers (ids, never addresses). */
export interface NativePool {
  /** Names this pool to the plain pool functions (`poolGenerate(id, size)`, ...). */
  readonly id: number;
  generate(size: number): number;
  importFrom(source: Uint8Array): number;
  fillRandom(chunk: number): void;
  write(chunk: number, source: Uint8Array): void;
  readInto(chunk: number, target: Uint8Array): void;
  free(chunk: number): void;
  /** Cheap: the pool's own record of the chunk, no OS query. */
  record(chunk: number): { size: number; lockedBytes: number; locked: boolean };
  inspect(chunk: number): NativeChunkFacts;
  stats(readBack: boolean): NativePoolStats;
  trim(): number;
  /** How the pool seals and what backs it, with the reasons for any fallback. */
  config(): NativePoolConfig;
  destroy(): void;
}

export interface NativeRegion {
  fillRandom(): void;
  write(source: Uint8Array): void;
  readInto(target: Uint8Array): void;
  /** Cheap: the region's own record, no OS query. */
  record(): { size: number; lockedBytes: number; locked: boolean };
  /** Slow: asks the OS (smaps / QueryWorkingSetEx). */
  inspect(): NativeRegionFacts;
  destroy(): void;
}

export interface NativeCoreDumpState {
  /** false where RLIMIT_CORE does not exist (Windows). */
  limitKnown: boolean;
  /** RLIMIT_CORE soft/hard in bytes; null = unlimited (or unknown when limitKnown is false). */
  soft: number | null;
  hard: number | null;
  /** Linux PR_GET_DUMPABLE; null elsewhere. */
  dumpable: boolean | null;
}

export interface NativeLockBudget {
  limit: number | null;
  ceiling: number | null;
}

export interface NativeWireLimits {
  /** What one process may wire (the kernel also applies RLIMIT_MEMLOCK, and takes the smaller). */
  perProcess: number;
  /** What every process together may wire. */
  global: number;
}

/** The kind of secret a wallet function reads (the vault's record says which). */
export type NativeSecretKind = 'seed' | 'mnemonic' | 'secp256k1-key' | 'ed25519-key';
/** Where a new wallet secret goes: a pool's id, or a new ProtectedRegion made with these options. */
export type NativeSecretTarget = number | NativeRegionOptions;
/** The options of a new ProtectedRegion made by a wallet function. */
export interface NativeRegionOptions {
  maxSize: number;
  requireLock: boolean;
  sealing: SealingPreference;
}
/** A new wallet secret: its chunk id in the target pool, or the new ProtectedRegion. */
export type NativeNewSecret = number | NativeRegion;
/**
 * A secret as the wallet functions take it: (pool id, chunk id) or (ProtectedRegion, null), then its kind. Secret
 * bytes never come back: only public keys, fingerprints and signatures.
 */
export type NativeSecretArgs = [place: number | NativeRegion, chunk: number | null, kind: NativeSecretKind];

export interface NativeDerivedKey {
  secret: NativeNewSecret;
  /** secp256k1: 33 bytes, compressed; Ed25519: 32 bytes. */
  publicKey: Uint8Array;
  depth: number;
  childIndex: number;
  fingerprint: number;
  parentFingerprint: number;
  /** BIP-32 "xpub…" (secp256k1), when asked for. */
  extendedPublicKey?: string;
}

/** The KDF parameters as the addon takes them. */
export interface NativeKeystoreKdf {
  kdf: 'scrypt' | 'pbkdf2';
  n: number;
  r: number;
  p: number;
  c: number;
  dklen: number;
  salt: Uint8Array;
}

export interface NativeKeystoreJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

/** The addon's keystore calls (native/addon/objects/keystore.cc). */
export interface NativeKeystore {
  keystoreDecrypt(
    kdf: NativeKeystoreKdf,
    password: Uint8Array,
    ciphertext: Uint8Array,
    iv: Uint8Array,
    mac: Uint8Array,
    target: NativeSecretTarget,
    onProgress: ((done: number, total: number) => void) | null,
  ): NativeKeystoreJob<NativeNewSecret>;
  keystoreEncrypt(
    ...args: [
      ...NativeSecretArgs,
      kdf: NativeKeystoreKdf,
      password: Uint8Array,
      iv: Uint8Array,
      onProgress: ((done: number, total: number) => void) | null,
    ]
  ): NativeKeystoreJob<{ ciphertext: Uint8Array; mac: Uint8Array }>;
  keystoreAddress(...args: NativeSecretArgs): Uint8Array;
  /** The native layer's own limits (KEYSTORE_LIMITS must agree with them). */
  keystoreLimits: {
    maxScryptMemory: number;
    maxScryptWork: number;
    maxScryptR: number;
    maxScryptP: number;
    maxPbkdf2Iterations: number;
    maxDerivedKeyBytes: number;
    maxSaltBytes: number;
    maxPasswordBytes: number;
  };
}

export interface NativeAddon extends NativeKeystore {
  ProtectedRegion: new (size: number, maxSize: number, requireLock: boolean, sealing?: SealingPreference) => NativeRegion;
  platformInfo(): { pageSize: number; memlockLimit: number | null; lockedBytes: number | null };
  setLogListener(listener: ((level: string, message: string) => void) | null): void;
  coreDumpState(): NativeCoreDumpState;
  disableCoreDumps(): void;
  /** Constructing one disables core dumps; restore() puts back what was there. */
  CoreDumpsGuard: new () => { restore(): void; active(): boolean; previous(): NativeCoreDumpState | null };
  setWindowsErrorMode(mode: number): number;
  suppressWindowsErrorDialogs(): number;
  windowsErrorMode(): number;
  lockBudget(): NativeLockBudget;
  reserveLockBudget(bytes: number): NativeLockBudget;
  /** RLIMIT_MEMLOCK alone (what `ulimit -l` shows), before macOS's wire limit; null on Windows. */
  memlockRlimit(): NativeLockBudget | null;
  /** macOS sysctl vm.user_wire_limit / vm.global_user_wire_limit in bytes; null elsewhere. */
  wireLimits(): NativeWireLimits | null;
  memfdSecretAvailable(): boolean | null;
  canarySize: number;
  Pool: new (
    arenaSize: number,
    maxSize: number,
    requireLock: boolean,
    sealing: SealingPreference,
    backing: 'anonymous' | 'secretmem',
  ) => NativePool;
  poolSlotSize(size: number): number;
  // The hot pool calls as plain functions over `pool.id` (no unwrap of a
  // wrapped object per call); the same as the pool's methods of those names.
  poolAllocate(pool: number, size: number): number;
  poolGenerate(pool: number, size: number): number;
  poolImportFrom(pool: number, source: Uint8Array): number;
  poolWrite(pool: number, chunk: number, source: Uint8Array): void;
  poolReadInto(pool: number, chunk: number, target: Uint8Array): void;
  poolFree(pool: number, chunk: number): void;
  /** A new English mnemonic of `words` words from CSPRNG entropy; `size` is its length in bytes. */
  walletGenerateMnemonic(words: number, target: NativeSecretTarget): { secret: NativeNewSecret; size: number };
  /** Throws (INVALID_ARGUMENT) unless every word is in the English list and the checksum matches. */
  walletCheckMnemonic(...args: NativeSecretArgs): void;
  /**
   * walletMnemonicToSeed on the libuv pool. The mnemonic and passphrase are copied into regions made with `work`
   * before it returns; the seed comes back when the KDF is done.
   */
  walletMnemonicToSeedAsync(
    ...args: [...NativeSecretArgs, passphrase: Uint8Array | null, target: NativeSecretTarget, work: NativeRegionOptions]
  ): Promise<NativeNewSecret>;
  /** BIP-39 seed (64 bytes) of an English mnemonic (words and checksum checked); passphrase NFKD UTF-8. */
  walletMnemonicToSeed(...args: [...NativeSecretArgs, passphrase: Uint8Array | null, target: NativeSecretTarget]): NativeNewSecret;
  /** BIP-32 (secp256k1) or SLIP-10 (ed25519, hardened steps only) from a seed. */
  walletDeriveKey(
    ...args: [...NativeSecretArgs, curve: 'secp256k1' | 'ed25519', path: string, target: NativeSecretTarget, extendedPublicKey?: boolean]
  ): NativeDerivedKey;
  walletPublicKey(...args: NativeSecretArgs): Uint8Array;
  /** RFC 6979, low s; signature is r || s. */
  walletSignEcdsa(...args: [...NativeSecretArgs, digest: Uint8Array]): { signature: Uint8Array; recoveryId: number };
  /** BIP-340 over a 32-byte message, with CSPRNG auxiliary randomness. */
  walletSignSchnorr(...args: [...NativeSecretArgs, message: Uint8Array]): Uint8Array;
  /** RFC 8032 Ed25519 over a message of any length. */
  walletSignEd25519(...args: [...NativeSecretArgs, message: Uint8Array]): Uint8Array;
  defaultArenaSize: number;
  /** The process-wide kernel-copy probe (runs it on first call). */
  kernelCopyStatus(): { available: boolean; reason: string | null };
  /** Test hooks; never needed by applications. */
  testing: {
    /** Makes the kernel-copy probe fail as if `path` were /proc/self/mem (errno injected into its write). Before first use only. */
    refuseKernelCopy(path: string, injectErrno: number): void;
  };
}

const loaded = loadAddon<NativeAddon>(path.resolve(__dirname, '..', '..'));

/** Which file the addon came from (a prebuild or a local build), for doctor. */
export const addonSource = loaded.loadedFrom;
export const native: NativeAddon = loaded.addon;
