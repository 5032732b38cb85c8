// SecretVault: opaque handles over native protected regions, with policy.
import { callNative, fromNativeError, SecureMemoryError } from './errors';
import { native, type NativePool, type NativeRegion } from './native';
import type { Backing, LockPolicy, Sealing, SecretOptions, Storage, VaultOptions } from './options';
import {
  checkChunkId,
  checkFunction,
  checkImportBytes,
  checkNotShared,
  checkSize,
  offHeapBytes,
  resolveSecretOptions,
  resolveVaultOptions,
} from './validate';
import { wipeVaultAtExit } from './vault/exit-hook';
import { PooledRegion } from './vault/pooled-region';
import { poolFor } from './vault/pools';
import { scoped, type Entry, type SyncResult } from './vault/scope';
import { secretStatus, type PoolInfo, type SecretStatus, type VaultStats } from './vault/status';

export type { PoolInfo, SecretStatus, VaultStats } from './vault/status';
export type { SyncResult } from './vault/scope';

const MINT = Symbol('SecretHandle mint');

// The core's slot size per secret size, asked once per size (up to a bound,
// so the cache stays small): generate() then stays one native call.
const CACHED_SLOT_SIZES = 4096;
const slotSizes: number[] = [];
function poolSlotSize(size: number): number {
  if (size > CACHED_SLOT_SIZES) return native.poolSlotSize(size);
  return (slotSizes[size] ??= native.poolSlotSize(size));
}

/**
 * An opaque, frozen reference to a secret. It carries no id, size or bytes,
 * and only a vault can make one: a look-alike object is refused.
 */
export class SecretHandle {
  private constructor(token: symbol) {
    if (token !== MINT) {
      throw new SecureMemoryError('INVALID_ARGUMENT', 'SecretHandle objects are made by SecretVault only');
    }
    Object.freeze(this);
  }
  /** @internal */
  static mint(token: symbol): SecretHandle {
    return new SecretHandle(token);
  }
  toString(): string {
    return '[SecretHandle]';
  }
  toJSON(): string {
    return '[SecretHandle]';
  }
}
Object.freeze(SecretHandle.prototype);

export class SecretVault {
  readonly lockPolicy: LockPolicy;
  readonly storage: Storage;
  readonly backing: Backing;
  readonly sealing: Sealing;
  readonly maxSecretSize: number;

  readonly #entries = new WeakMap<SecretHandle, Entry>();
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
    const storage = resolveSecretOptions(options, this.#options(), 'generate()');
    if (storage === 'pooled') {
      const pool = this.#pool();
      const chunk = checkChunkId(callNative(() => native.poolGenerate(pool.id, size)));
      return this.#register(new PooledRegion(pool, chunk), size, storage);
    }
    const region = this.#allocate(size);
    try {
      callNative(() => region.fillRandom());
    } catch (error) {
      region.destroy();
      throw error;
    }
    return this.#register(region, size, storage);
  }

  /**
   * Copies `bytes` into protected memory, then wipes `bytes` (it reads as
   * zeros afterwards). If the import fails, `bytes` is left as it was.
   */
  import(bytes: Uint8Array, options?: SecretOptions): SecretHandle {
    const source = checkImportBytes(bytes, this.maxSecretSize);
    const storage = resolveSecretOptions(options, this.#options(), 'import()');
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
      const handle = this.#register(region, size, storage);
      region = undefined;
      return handle;
    } catch (error) {
      region?.destroy();
      source.set(scratch); // nothing lost: the caller keeps their bytes
      throw error;
    } finally {
      scratch.fill(0);
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
    this.#entries.delete(handle);
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
    return { ...callNative(() => pool.stats(true)), ...callNative(() => pool.describe()) };
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
    const entry = value instanceof SecretHandle ? this.#entries.get(value) : undefined;
    return entry !== undefined && entry.alive;
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

  #register(region: NativeRegion, size: number, storage: Storage): SecretHandle {
    // A pooled chunk under 'require' sits in an arena whose lock succeeded
    // (the pool fails closed), in a slot of poolSlotSize(size) bytes: no need
    // to ask, which keeps generate() one native call.
    const summary =
      storage === 'pooled' && this.lockPolicy === 'require'
        ? { lockedBytes: poolSlotSize(size), locked: true }
        : callNative(() => region.summary());
    const entry: Entry = {
      region,
      storage,
      size,
      pageBytes: summary.lockedBytes,
      locked: summary.locked,
      readers: 0,
      writing: false,
      alive: true,
    };
    const handle = SecretHandle.mint(MINT);
    this.#entries.set(handle, entry);
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
    const entry = this.#entries.get(handle);
    if (entry === undefined || !entry.alive) {
      throw new SecureMemoryError('INVALID_HANDLE', 'this handle belongs to another vault or was destroyed');
    }
    return entry;
  }
}
