// SecretVault: opaque handles over native protected regions, with policy.
import { callNative, fromNativeError, SecureMemoryError } from './errors';
import { native, type NativeNewSecret, type NativePool, type NativeRegion, type NativeSecretTarget } from './native';
import type { Backing, LockPolicy, Sealing, SecretOptions, Storage, VaultOptions } from './options';
import {
  checkChunkId,
  checkFunction,
  checkImportBytes,
  checkNotShared,
  checkSize,
  resolveSecretOptions,
  resolveVaultOptions,
} from './validate';
import { wipeVaultAtExit } from './vault/exit-hook';
import { offHeapBytes } from './vault/off-heap';
import { PooledRegion } from './vault/pooled-region';
import { poolFor } from './vault/pools';
import { scoped, type Entry, type SyncResult, type WalletSecretKind } from './vault/scope';
import {
  checkCallOptions,
  checkCurve,
  checkExtendedPublicKey,
  checkKind,
  checkMessage,
  checkPath,
  checkScheme,
  checkWordCount,
  DERIVED_KEY_BYTES,
  MNEMONIC_MAX_BYTES,
  MNEMONIC_SEED_BYTES,
  passphraseBytes,
  SEED_MAX_BYTES,
  SEED_MIN_BYTES,
  secretArgs,
  type DerivedKeyInfo,
  type MnemonicWordCount,
  type Signature,
} from './vault/wallet';
import {
  abortedError,
  checkCallbacks,
  checkPassword,
  exportKdf,
  freshIv,
  keystoreJson,
  parseKeystore,
  progressCallback,
  sameBytes,
  settle,
  type ExportKeystoreOptions,
  type KeystoreCallOptions,
} from './vault/keystore';
import { secretStatus, type PoolInfo, type SecretStatus, type VaultStats } from './vault/status';

export type { PoolInfo, SecretStatus, VaultStats } from './vault/status';
export type { SyncResult, WalletSecretKind } from './vault/scope';
export type { Curve, DerivedKeyInfo, MnemonicWordCount, Signature, SignatureScheme } from './vault/wallet';
export type { ExportKeystoreOptions, KeystoreCallOptions, KeystoreProgress } from './vault/keystore';
export { KEYSTORE_DEFAULTS, KEYSTORE_LIMITS, parseKeystore } from './vault/keystore';

/** A native promise's rejection as a SecureMemoryError with its code. */
async function nativePromise<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw fromNativeError(error);
  }
}

const MINT = Symbol('SecretHandle mint');

// The core's slot size per secret size, asked once per size (up to a bound,
// so the cache stays small): generate() then stays one native call.
const CACHED_SLOT_SIZES = 4096;
const slotSizes: number[] = [];
function poolSlotSize(size: number): number {
  if (size > CACHED_SLOT_SIZES) return native.poolSlotSize(size);
  return (slotSizes[size] ??= native.poolSlotSize(size));
}

// A handle's record, readable only in this module: a private field of the
// handle rather than a WeakMap lookup (no identity hash per secret).
let entryOf: (value: unknown) => Entry | undefined;

/**
 * An opaque, frozen reference to a secret. It carries no id, size or bytes,
 * and only a vault can make one: a look-alike object is refused.
 */
export class SecretHandle {
  readonly #entry: Entry;
  private constructor(token: symbol, entry: Entry) {
    if (token !== MINT) {
      throw new SecureMemoryError('INVALID_ARGUMENT', 'SecretHandle objects are made by SecretVault only');
    }
    this.#entry = entry;
    Object.freeze(this);
  }
  static {
    entryOf = (value) => (typeof value === 'object' && value !== null && #entry in value ? value.#entry : undefined);
  }
  /** @internal */
  static mint(token: symbol, entry: Entry): SecretHandle {
    return new SecretHandle(token, entry);
  }
  toString(): string {
    return '[SecretHandle]';
  }
  toJSON(): string {
    return '[SecretHandle]';
  }
}
Object.freeze(SecretHandle.prototype);

let generateSized: (vault: SecretVault, size: number, kind: 'secret' | 'seed') => SecretHandle;

/**
 * generate() or generateSeed() for main's bridge, whose request schema has
 * already range-checked `size` (1 to the bridge's maxSecretSize, which
 * registerVaultIpc holds at or under the vault's), so the vault does not
 * check the range again; a seed's own 16 to 64 bytes is still the vault's
 * rule. Main-internal: the package entry does not export it.
 */
export function generateValidatedSize(vault: SecretVault, size: number, kind: 'secret' | 'seed'): SecretHandle {
  return generateSized(vault, size, kind);
}

export class SecretVault {
  readonly lockPolicy: LockPolicy;
  readonly storage: Storage;
  readonly backing: Backing;
  readonly sealing: Sealing;
  readonly maxSecretSize: number;

  readonly #live = new Set<Entry>();
  readonly #finalizer: FinalizationRegistry<Entry>;
  readonly #counters = { created: 0, destroyed: 0, reclaimed: 0 };
  readonly #resolved: ReturnType<typeof resolveVaultOptions>;

  constructor(options?: VaultOptions) {
    const resolved = resolveVaultOptions(options);
    this.#resolved = resolved;
    this.lockPolicy = resolved.lockPolicy;
    this.storage = resolved.storage;
    this.backing = resolved.backing;
    this.sealing = resolved.sealing;
    this.maxSecretSize = resolved.maxSecretSize;
    // Safety net only: a dropped handle's region is wiped and freed when the
    // GC notices, which may be late. Call destroy().
    this.#finalizer = new FinalizationRegistry((entry) => {
      if (!entry.alive) return;
      void this.#release(entry);
      this.#counters.reclaimed++;
    });
    wipeVaultAtExit(this, () => this.#destroyEverything());
  }

  /**
   * A new secret of `size` CSPRNG bytes, written natively: the bytes never
   * exist in JavaScript. options.storage overrides the vault's storage.
   */
  generate(size: number, options?: SecretOptions): SecretHandle {
    checkSize(size, this.maxSecretSize, 'generate(size)');
    return this.#generate(size, resolveSecretOptions(options, this.#options(), 'generate()'));
  }

  /**
   * A new BIP-32 seed of `size` (16 to 64, default 64) CSPRNG bytes, written
   * natively as generate() does, in a seed secret that deriveKey() takes.
   */
  generateSeed(size: number = MNEMONIC_SEED_BYTES, options?: SecretOptions): SecretHandle {
    checkSize(size, this.maxSecretSize, 'generateSeed(size)');
    return this.#generateSeed(size, resolveSecretOptions(options, this.#options(), 'generateSeed()'));
  }

  #generateSeed(size: number, storage: Storage): SecretHandle {
    if (size < SEED_MIN_BYTES || size > SEED_MAX_BYTES) {
      throw new SecureMemoryError('INVALID_SIZE', `generateSeed(): a seed is ${SEED_MIN_BYTES} to ${SEED_MAX_BYTES} bytes, got ${size}`);
    }
    return this.#generate(size, storage, 'seed');
  }

  static {
    generateSized = (vault, size, kind) => {
      // The range was checked at the bridge; an integer is still asserted, so
      // a caller that skipped the schema fails closed rather than reaching native code.
      if (!Number.isSafeInteger(size) || size < 1) {
        throw new SecureMemoryError('INVALID_ARGUMENT', `generate: a size from the bridge must be a positive integer, got ${String(size)}`);
      }
      const storage = resolveSecretOptions(undefined, vault.#options(), kind === 'seed' ? 'generateSeed()' : 'generate()');
      return kind === 'seed' ? vault.#generateSeed(size, storage) : vault.#generate(size, storage);
    };
  }

  /** What a live handle holds: a wallet secret's kind, or 'secret' for generate() / import() secrets. */
  kindOf(handle: SecretHandle): WalletSecretKind | 'secret' {
    return this.#entry(handle).kind ?? 'secret';
  }

  #generate(size: number, storage: Storage, kind?: WalletSecretKind): SecretHandle {
    if (storage === 'pooled') {
      const pool = this.#pool();
      const chunk = checkChunkId(callNative(() => native.poolGenerate(pool.id, size)));
      return this.#registerNew(chunk, size, storage, kind);
    }
    const region = this.#allocate(size);
    try {
      callNative(() => region.fillRandom());
    } catch (error) {
      region.destroy();
      throw error;
    }
    return this.#register(region, size, storage, kind);
  }

  /**
   * Copies `bytes` into protected memory, then wipes `bytes` (it reads as
   * zeros afterwards). If the import fails, `bytes` is left as it was.
   */
  import(bytes: Uint8Array, options?: SecretOptions): SecretHandle {
    const source = checkImportBytes(bytes, this.maxSecretSize);
    const storage = resolveSecretOptions(options, this.#options(), 'import()');
    return this.#importChecked(source, storage, (region) => this.#register(region, source.byteLength, storage));
  }

  /**
   * BIP-39: the seed of an English mnemonic (`bytes`: its words as NFKD
   * UTF-8, single spaces; words and checksum are checked natively) and
   * options.passphrase, in a new seed secret. `bytes` is wiped as by
   * import(); if the mnemonic is refused, `bytes` is left as it was. The
   * words themselves are held natively only while the seed is computed.
   */
  importMnemonic(bytes: Uint8Array, options?: { passphrase?: string; storage?: Storage }): SecretHandle {
    const source = checkImportBytes(bytes, MNEMONIC_MAX_BYTES);
    const { passphrase, storage: wanted } = checkCallOptions(options, ['passphrase', 'storage'], 'importMnemonic()');
    const storage = resolveSecretOptions(wanted === undefined ? undefined : { storage: wanted }, this.#options(), 'importMnemonic()');
    const salt = passphraseBytes(passphrase);
    const target = this.#target(storage);
    try {
      return this.#importChecked(source, storage, (mnemonic) => {
        try {
          const seed = callNative(() => native.walletMnemonicToSeed(...secretArgs(mnemonic, 'mnemonic'), salt, target));
          return this.#registerNew(seed, MNEMONIC_SEED_BYTES, storage, 'seed');
        } finally {
          mnemonic.destroy();
        }
      });
    } finally {
      salt?.fill(0);
    }
  }

  /**
   * importMnemonic() with the KDF (PBKDF2-HMAC-SHA512, 2048 rounds) on the
   * libuv thread pool: the main thread is free while the seed is computed.
   * Before this returns, `bytes` is checked (words and checksum) and wiped as
   * by importMnemonic(), and the words and passphrase are copied natively;
   * a refused mnemonic leaves `bytes` as it was. Resolves to the seed handle.
   */
  async importMnemonicAsync(bytes: Uint8Array, options?: { passphrase?: string; storage?: Storage }): Promise<SecretHandle> {
    const source = checkImportBytes(bytes, MNEMONIC_MAX_BYTES);
    const { passphrase, storage: wanted } = checkCallOptions(options, ['passphrase', 'storage'], 'importMnemonicAsync()');
    const storage = resolveSecretOptions(wanted === undefined ? undefined : { storage: wanted }, this.#options(), 'importMnemonicAsync()');
    const salt = passphraseBytes(passphrase, 'importMnemonicAsync()');
    let pending: Promise<NativeNewSecret>;
    try {
      pending = this.#importChecked(source, storage, (mnemonic) => {
        try {
          callNative(() => native.walletCheckMnemonic(...secretArgs(mnemonic, 'mnemonic')));
          return this.#seedAsync(mnemonic, salt, storage);
        } finally {
          mnemonic.destroy();
        }
      });
    } finally {
      salt?.fill(0);
    }
    return this.#registerNew(await nativePromise(pending), MNEMONIC_SEED_BYTES, storage, 'seed');
  }

  /**
   * A new BIP-39 English mnemonic of options.words words (12, 15, 18, 21 or
   * 24; default 24) from CSPRNG entropy, made natively: the entropy never
   * exists in JavaScript, and the words only inside read(handle, fn) (NFKD
   * UTF-8, single spaces), for a UI that shows them once for backup. Turn it
   * into a seed with mnemonicToSeed(); destroy it when it is no longer shown.
   */
  generateMnemonic(options?: { words?: MnemonicWordCount; storage?: Storage }): SecretHandle {
    const { words: wantedWords, storage: wanted } = checkCallOptions(options, ['words', 'storage'], 'generateMnemonic()');
    const words = checkWordCount(wantedWords);
    const storage = resolveSecretOptions(wanted === undefined ? undefined : { storage: wanted }, this.#options(), 'generateMnemonic()');
    const target = this.#target(storage);
    const made = callNative(() => native.walletGenerateMnemonic(words, target));
    return this.#registerNew(made.secret, made.size, storage, 'mnemonic');
  }

  /**
   * The BIP-39 seed of a mnemonic handle (from generateMnemonic()) and
   * options.passphrase, in a new seed secret; the words never enter
   * JavaScript. The mnemonic handle stays alive: destroy it when done.
   */
  mnemonicToSeed(mnemonic: SecretHandle, options?: { passphrase?: string; storage?: Storage }): SecretHandle {
    const entry = this.#entry(mnemonic);
    const { passphrase, storage: wanted } = checkCallOptions(options, ['passphrase', 'storage'], 'mnemonicToSeed()');
    checkKind(entry, ['mnemonic'], 'mnemonicToSeed()');
    const storage = resolveSecretOptions(wanted === undefined ? undefined : { storage: wanted }, this.#options(), 'mnemonicToSeed()');
    const target = this.#target(storage);
    const salt = passphraseBytes(passphrase, 'mnemonicToSeed()');
    try {
      const seed = callNative(() => native.walletMnemonicToSeed(...secretArgs(entry.region, 'mnemonic'), salt, target));
      return this.#registerNew(seed, MNEMONIC_SEED_BYTES, storage, 'seed');
    } finally {
      salt?.fill(0);
    }
  }

  /**
   * mnemonicToSeed() with the KDF on the libuv thread pool. The words and
   * passphrase are copied natively before this returns, so the mnemonic
   * handle may be destroyed at once.
   */
  async mnemonicToSeedAsync(mnemonic: SecretHandle, options?: { passphrase?: string; storage?: Storage }): Promise<SecretHandle> {
    const entry = this.#entry(mnemonic);
    const { passphrase, storage: wanted } = checkCallOptions(options, ['passphrase', 'storage'], 'mnemonicToSeedAsync()');
    checkKind(entry, ['mnemonic'], 'mnemonicToSeedAsync()');
    const storage = resolveSecretOptions(wanted === undefined ? undefined : { storage: wanted }, this.#options(), 'mnemonicToSeedAsync()');
    const salt = passphraseBytes(passphrase, 'mnemonicToSeedAsync()');
    let pending: Promise<NativeNewSecret>;
    try {
      pending = this.#seedAsync(entry.region, salt, storage);
    } finally {
      salt?.fill(0);
    }
    return this.#registerNew(await nativePromise(pending), MNEMONIC_SEED_BYTES, storage, 'seed');
  }

  /** Starts the async KDF; the words and passphrase are copied natively before it returns. */
  #seedAsync(mnemonic: NativeRegion, salt: Uint8Array | null, storage: Storage): Promise<NativeNewSecret> {
    const target = this.#target(storage);
    // The worker's own regions (the copies and the seed before it moves to a
    // pool): large enough for any mnemonic and passphrase main accepts.
    const work = {
      maxSize: Math.max(this.maxSecretSize, MNEMONIC_MAX_BYTES, salt?.byteLength ?? 0),
      requireLock: this.lockPolicy === 'require',
      sealing: this.sealing,
    };
    return callNative(() => native.walletMnemonicToSeedAsync(...secretArgs(mnemonic, 'mnemonic'), salt, target, work));
  }

  /** A BIP-32 seed of 16 to 64 bytes, in a new seed secret; `bytes` is wiped as by import(). */
  importSeed(bytes: Uint8Array, options?: SecretOptions): SecretHandle {
    const source = checkImportBytes(bytes, this.maxSecretSize);
    if (source.byteLength < SEED_MIN_BYTES || source.byteLength > SEED_MAX_BYTES) {
      throw new SecureMemoryError(
        'INVALID_SIZE',
        `importSeed(): a seed is ${SEED_MIN_BYTES} to ${SEED_MAX_BYTES} bytes, got ${source.byteLength}`,
      );
    }
    const storage = resolveSecretOptions(options, this.#options(), 'importSeed()');
    return this.#importChecked(source, storage, (region) => this.#register(region, source.byteLength, storage, 'seed'));
  }

  /**
   * BIP-32 (secp256k1) or SLIP-10 (ed25519: hardened steps only) derivation
   * of `path` ("m/44'/60'/0'/0/0") from a seed handle. The private key and
   * chain code land in a new key secret; its handle comes back with the
   * public facts.
   */
  deriveKey(
    seed: SecretHandle,
    path: string,
    options?: { curve?: 'secp256k1' | 'ed25519'; storage?: Storage; extendedPublicKey?: boolean },
  ): DerivedKeyInfo<SecretHandle> {
    const entry = this.#entry(seed);
    const {
      curve: wantedCurve,
      storage: wanted,
      extendedPublicKey: wantedXpub,
    } = checkCallOptions(options, ['curve', 'storage', 'extendedPublicKey'], 'deriveKey()');
    const curve = checkCurve(wantedCurve);
    const normalized = checkPath(path, curve);
    const xpub = checkExtendedPublicKey(wantedXpub, curve);
    checkKind(entry, ['seed'], 'deriveKey()');
    const storage = resolveSecretOptions(wanted === undefined ? undefined : { storage: wanted }, this.#options(), 'deriveKey()');
    const target = this.#target(storage);
    const derived = callNative(() => native.walletDeriveKey(...secretArgs(entry.region, 'seed'), curve, normalized, target, xpub));
    const kind = curve === 'ed25519' ? 'ed25519-key' : 'secp256k1-key';
    const handle = this.#registerNew(derived.secret, DERIVED_KEY_BYTES, storage, kind);
    return {
      handle,
      curve,
      publicKey: derived.publicKey,
      fingerprint: derived.fingerprint,
      parentFingerprint: derived.parentFingerprint,
      depth: derived.depth,
      childIndex: derived.childIndex,
      path: normalized,
      ...(derived.extendedPublicKey === undefined ? {} : { extendedPublicKey: derived.extendedPublicKey }),
    };
  }

  /** The public key of a key handle: 33 bytes compressed (secp256k1) or 32 bytes (Ed25519). */
  publicKey(key: SecretHandle): Uint8Array {
    const entry = this.#entry(key);
    const kind = checkKind(entry, ['secp256k1-key', 'ed25519-key'], 'publicKey()');
    return callNative(() => native.walletPublicKey(...secretArgs(entry.region, kind)));
  }

  /**
   * Signs with a key handle. 'ecdsa' (RFC 6979, low s, with the recovery id)
   * and 'schnorr' (BIP-340) sign a 32-byte digest with a secp256k1 key;
   * 'ed25519' (RFC 8032) signs a whole message with an Ed25519 key.
   */
  sign(key: SecretHandle, message: Uint8Array, options: { scheme: 'ecdsa' | 'schnorr' | 'ed25519' }): Signature {
    const entry = this.#entry(key);
    const given: unknown = options; // JavaScript callers may leave it out
    const { scheme: wanted } = checkCallOptions(given ?? null, ['scheme'], 'sign()');
    const { scheme, kind } = checkScheme(wanted);
    const bytes = checkMessage(message, scheme);
    checkKind(entry, [kind], `sign() with ${scheme}`);
    const args = secretArgs(entry.region, kind);
    if (scheme === 'ecdsa') return callNative(() => native.walletSignEcdsa(...args, bytes));
    if (scheme === 'schnorr') return { signature: callNative(() => native.walletSignSchnorr(...args, bytes)) };
    return { signature: callNative(() => native.walletSignEd25519(...args, bytes)) };
  }

  /**
   * Decrypts a Web3 Secret Storage v3 keystore (JSON text) into a new
   * secp256k1 key secret, with the KDF off the main thread. `password` (UTF-8
   * bytes) is wiped before this returns, whatever happens. Rejects with
   * WRONG_PASSWORD, ABORTED, or the parse errors of parseKeystore; nothing is
   * created then. docs/keystore.md has the limits and the threat model.
   */
  async importKeystore(json: string, password: Uint8Array, options?: KeystoreCallOptions & { storage?: Storage }): Promise<SecretHandle> {
    let job;
    let parsed;
    let storage: Storage;
    let callbacks: KeystoreCallOptions;
    try {
      const bytes = checkPassword(password, 'importKeystore()');
      try {
        const { storage: wanted, ...rest } = checkCallOptions(options, ['storage', 'signal', 'onProgress'], 'importKeystore()');
        callbacks = checkCallbacks(rest, 'importKeystore()');
        storage = resolveSecretOptions(
          wanted === undefined ? undefined : { storage: wanted as Storage },
          this.#options(),
          'importKeystore()',
        );
        parsed = parseKeystore(json);
        if (callbacks.signal?.aborted) throw abortedError();
        const { kdf, ciphertext, iv, mac } = parsed;
        const target = this.#target(storage);
        job = callNative(() => native.keystoreDecrypt(kdf, bytes, ciphertext, iv, mac, target, progressCallback(callbacks.onProgress)));
      } finally {
        bytes.fill(0);
      }
    } catch (error) {
      if (password instanceof Uint8Array) password.fill(0);
      throw error;
    }
    let secret;
    try {
      secret = await settle(job, callbacks.signal);
    } catch (error) {
      throw fromNativeError(error);
    }
    const handle = this.#registerNew(secret, 32, storage, 'secp256k1-key');
    if (parsed.address !== null) {
      const entry = this.#entry(handle);
      const address = callNative(() => native.keystoreAddress(...secretArgs(entry.region, 'secp256k1-key')));
      if (!sameBytes(address, parsed.address)) {
        this.destroy(handle);
        throw new SecureMemoryError('INVALID_ARGUMENT', "keystore: the decrypted key's address is not the file's address");
      }
    }
    return handle;
  }

  /**
   * Encrypts a secp256k1 key handle as a Web3 Secret Storage v3 keystore
   * (JSON text; scrypt n=262144, r=8, p=1 unless options say otherwise),
   * with the KDF off the main thread. `password` is wiped before this
   * returns. The key is copied into the job's locked memory at the call, so
   * destroying the handle meanwhile does not disturb it.
   */
  async exportKeystore(key: SecretHandle, password: Uint8Array, options?: ExportKeystoreOptions): Promise<string> {
    let job;
    let kdf;
    let address: Uint8Array;
    let callbacks: KeystoreCallOptions;
    const iv = freshIv();
    try {
      const bytes = checkPassword(password, 'exportKeystore()');
      try {
        const entry = this.#entry(key);
        const checked = checkCallOptions(options, ['kdf', 'n', 'r', 'p', 'c', 'signal', 'onProgress'], 'exportKeystore()');
        callbacks = checkCallbacks(checked, 'exportKeystore()');
        kdf = exportKdf(checked);
        checkKind(entry, ['secp256k1-key'], 'exportKeystore()');
        if (callbacks.signal?.aborted) throw abortedError();
        const args = secretArgs(entry.region, 'secp256k1-key');
        address = callNative(() => native.keystoreAddress(...args));
        const params = kdf;
        job = callNative(() => native.keystoreEncrypt(...args, params, bytes, iv, progressCallback(callbacks.onProgress)));
      } finally {
        bytes.fill(0);
      }
    } catch (error) {
      if (password instanceof Uint8Array) password.fill(0);
      throw error;
    }
    let sealed;
    try {
      sealed = await settle(job, callbacks.signal);
    } catch (error) {
      throw fromNativeError(error);
    }
    return keystoreJson(kdf, iv, sealed, address);
  }

  /**
   * Copies checked bytes into a new chunk or region and wipes them; then
   * keep(region) makes the result. If either fails, the region is destroyed
   * and `source` gets its bytes back.
   */
  #importChecked<T>(source: Uint8Array, storage: Storage, keep: (region: NativeRegion) => T): T {
    const size = source.byteLength;
    // Copy element-wise into an off-heap scratch and wipe the source in place
    // before anything reads source.buffer (see checkImportBytes).
    const scratch = offHeapBytes(size);
    scratch.set(source);
    source.fill(0);
    let region: NativeRegion | undefined;
    try {
      checkNotShared(source);
      if (storage === 'pooled') {
        const pool = this.#pool();
        const chunk = checkChunkId(callNative(() => native.poolImportFrom(pool.id, scratch)));
        region = new PooledRegion(pool, chunk);
      } else {
        region = this.#allocate(size);
        const target = region;
        callNative(() => target.write(scratch));
      }
      const made = region;
      region = undefined; // keep() owns it now
      return keep(made);
    } catch (error) {
      region?.destroy();
      source.set(scratch); // nothing lost: the caller keeps their bytes
      throw error;
    } finally {
      scratch.fill(0);
    }
  }

  /** Where a wallet call puts a new secret. */
  #target(storage: Storage): NativeSecretTarget {
    if (storage === 'pooled') return this.#pool().id;
    return { maxSize: this.maxSecretSize, requireLock: this.lockPolicy === 'require', sealing: this.sealing };
  }

  /** Registers a secret a wallet function made (a chunk of this vault's pool, or a new region). */
  #registerNew(secret: NativeNewSecret, size: number, storage: Storage, kind: WalletSecretKind | undefined): SecretHandle {
    const region = typeof secret === 'number' ? new PooledRegion(this.#pool(), checkChunkId(secret)) : secret;
    try {
      return this.#register(region, size, storage, kind);
    } catch (error) {
      region.destroy();
      throw error;
    }
  }

  /**
   * Calls fn with a fresh copy of the secret and wipes the copy when fn
   * returns or throws. fn must be synchronous: a returned Promise is refused
   * (the copy would outlive the scope). Reads may nest; a read inside a
   * write scope of the same secret is refused.
   */
  read<R>(handle: SecretHandle, fn: (view: Uint8Array) => SyncResult<R>): R {
    const entry = this.#entry(handle);
    checkFunction(fn, 'read(handle, fn): fn');
    return scoped(entry, 'read', fn as (view: Uint8Array) => R);
  }

  /**
   * Calls fn with a copy of the secret; when fn returns normally the copy is
   * written back. If fn throws or returns a Promise nothing is written. The
   * copy is wiped either way. No other access to the same secret may happen
   * inside a write scope.
   */
  write<R>(handle: SecretHandle, fn: (view: Uint8Array) => SyncResult<R>): R {
    const entry = this.#entry(handle);
    checkFunction(fn, 'write(handle, fn): fn');
    return scoped(entry, 'write', fn as (view: Uint8Array) => R);
  }

  /** What the OS says about the secret's memory now. Reads /proc/self/smaps on Linux: not for hot paths. */
  inspect(handle: SecretHandle): SecretStatus {
    const entry = this.#entry(handle);
    const facts = callNative(() => entry.region.inspect());
    return secretStatus(facts, entry.size, entry.storage);
  }

  /**
   * Wipes and frees the secret. The handle is dead afterwards (INVALID_HANDLE).
   * A pooled secret whose canary was overwritten is still wiped and freed,
   * then CANARY_CORRUPTED is thrown so the overflow is not missed.
   */
  destroy(handle: SecretHandle): void {
    const entry = this.#entry(handle);
    if (entry.readers > 0 || entry.writing) {
      throw new SecureMemoryError('INVALID_ARGUMENT', 'destroy() inside a read/write scope of the same secret is refused');
    }
    const error = this.#release(entry);
    this.#counters.destroyed++;
    if (error !== undefined) throw error;
  }

  /**
   * Wipes and frees every secret of this vault, and gives empty pool arenas
   * back to the OS. Returns how many secrets there were.
   */
  destroyAll(): number {
    for (const entry of this.#live) {
      if (entry.readers > 0 || entry.writing) {
        throw new SecureMemoryError('INVALID_ARGUMENT', 'destroyAll() inside a read/write scope of one of its secrets is refused');
      }
    }
    return this.#destroyEverything();
  }

  // Also the exit hook's path, which must wipe even from inside a scope
  // (process.exit() called in fn).
  #destroyEverything(): number {
    let count = 0;
    let firstError: SecureMemoryError | undefined;
    for (const entry of [...this.#live]) {
      firstError ??= this.#release(entry);
      this.#counters.destroyed++;
      count++;
    }
    if (this.#usedPool !== undefined) {
      const pool = this.#usedPool;
      callNative(() => pool.trim());
    }
    if (firstError !== undefined) throw firstError;
    return count;
  }

  /**
   * The pool this vault's pooled secrets live in (shared by vaults with the
   * same lockPolicy and backing): usage, how many bytes and secrets the OS
   * confirms locked, how it seals and what backs it (with the reason for any
   * fallback). Reads /proc/self/smaps on Linux. null until the vault has
   * used pooled storage.
   */
  poolInfo(): PoolInfo | null {
    const pool = this.#usedPool;
    if (pool === undefined) return null;
    return { ...callNative(() => pool.stats(true)), ...callNative(() => pool.config()) };
  }

  stats(): VaultStats {
    let bytes = 0;
    let lockedBytes = 0;
    let unlockedSecrets = 0;
    let pooledSecrets = 0;
    for (const entry of this.#live) {
      bytes += entry.size;
      if (entry.locked) lockedBytes += entry.pageBytes;
      else unlockedSecrets++;
      if (entry.storage === 'pooled') pooledSecrets++;
    }
    return { secrets: this.#live.size, bytes, lockedBytes, unlockedSecrets, ...this.#counters, pooledSecrets };
  }

  /** True when `value` is a live handle of this vault. */
  has(value: unknown): boolean {
    const entry = entryOf(value);
    return entry !== undefined && entry.owner === this && entry.alive;
  }

  #allocate(size: number): NativeRegion {
    const requireLock = this.lockPolicy === 'require';
    return callNative(() => new native.ProtectedRegion(size, this.maxSecretSize, requireLock, this.sealing));
  }

  #options() {
    return this.#resolved;
  }

  #usedPool: NativePool | undefined;

  #pool(): NativePool {
    this.#usedPool ??= poolFor(this.lockPolicy, this.backing, this.sealing);
    return this.#usedPool;
  }

  #register(region: NativeRegion, size: number, storage: Storage, kind?: WalletSecretKind): SecretHandle {
    // A pooled chunk under 'require' sits in an arena whose lock succeeded
    // (the pool fails closed), in a slot of poolSlotSize(size) bytes: no need
    // to ask, which keeps generate() one native call.
    const record =
      storage === 'pooled' && this.lockPolicy === 'require'
        ? { lockedBytes: poolSlotSize(size), locked: true }
        : callNative(() => region.record());
    const entry: Entry = {
      owner: this,
      region,
      storage,
      size,
      pageBytes: record.lockedBytes,
      locked: record.locked,
      readers: 0,
      writing: false,
      alive: true,
      kind,
    };
    const handle = SecretHandle.mint(MINT, entry);
    this.#live.add(entry);
    this.#finalizer.register(handle, entry, entry);
    this.#counters.created++;
    return handle;
  }

  /** Returns (does not throw) a failure of the native free, e.g. CANARY_CORRUPTED. */
  #release(entry: Entry): SecureMemoryError | undefined {
    if (!entry.alive) return undefined;
    entry.alive = false;
    this.#live.delete(entry);
    this.#finalizer.unregister(entry);
    try {
      entry.region.destroy();
      return undefined;
    } catch (error) {
      return fromNativeError(error);
    }
  }

  #entry(handle: unknown): Entry {
    if (!(handle instanceof SecretHandle)) {
      throw new SecureMemoryError('INVALID_HANDLE', 'not a SecretHandle');
    }
    const entry = entryOf(handle);
    if (entry === undefined || entry.owner !== this || !entry.alive) {
      throw new SecureMemoryError('INVALID_HANDLE', 'this handle belongs to another vault or was destroyed');
    }
    return entry;
  }
}
