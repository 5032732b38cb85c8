// SecretVault: opaque handles over native protected regions, with policy.
import { callNative, fromNativeError, SecureMemoryError } from './errors';
import { native, type SealingMethod, type NativePool, type NativePoolDescription, type NativePoolStats, type NativeRegion } from './native';
import {
  checkChunkId,
  checkFunction,
  checkImportBytes,
  checkNotShared,
  checkSize,
  HARD_MAX_SECRET_SIZE,
  offHeapBytes,
  resolveSecretOptions,
  resolveVaultOptions,
  type Backing,
  type LockPolicy,
  type Sealing,
  type SecretOptions,
  type Storage,
  type VaultOptions,
} from './validate';

const MINT = Symbol('SecretHandle mint');

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

export interface SecretStatus {
  size: number;
  storage: Storage;
  /** The lock call succeeded. */
  locked: boolean;
  /** The OS says the pages are locked (smaps `lo`, QueryWorkingSetEx, macOS mach_vm_region_recurse user_wired_count); null = cannot be verified here. */
  lockVerified: boolean | null;
  /** The OS says the pages are excluded from core dumps (smaps `dd`); null = cannot be verified here (macOS and Windows have nothing per region to read). */
  dumpExcluded: boolean | null;
  /** The OS says forked children do not get the pages (smaps `dc`, macOS inheritance VM_INHERIT_NONE); null = cannot be verified here. */
  forkExcluded: boolean | null;
  /**
   * Guard pages fence the secret's memory. For 'isolated' storage they sit
   * right before and after the secret's pages; for 'pooled' storage at the
   * ends of its arena, so an overflow inside the arena reaches a neighbour
   * secret first (and is caught by the canary) — see guardPagesAround.
   * From the OS (the pages' protection in /proc/self/maps, VirtualQuery,
   * mach_vm_region_recurse); null where it cannot be asked.
   */
  guardPages: boolean | null;
  guardPagesAround: 'secret' | 'arena';
  /** 'secretmem': pages removed from the kernel's direct map (Linux memfd_secret). */
  backing: Backing;
  /**
   * The native pages are no-access right now. Copies handed to read/write
   * callbacks live in the JS heap and are not covered. Always false on
   * Windows, where no-access would unlock the pages: they rest read-only.
   * From the OS for isolated storage; null where it cannot be asked.
   */
  sealed: boolean | null;
  canaryIntact: boolean;
  /**
   * 'pkey': pages (isolated or pooled) sealed with a memory protection key, opened per
   * thread for a scope (Linux x86-64 with PKU). 'kernel-copy': pages never
   * opened; scopes get a copy through the kernel (Linux /proc/self/mem), so
   * no thread can touch them meanwhile. 'mprotect': sealed with
   * mprotect/VirtualProtect, opened to every thread during a scope. 'none':
   * not sealed at rest (Windows).
   */
  sealing: SealingMethod;
  /** Why sealing is not a protection key (each method tried, with its reason); null when it is, or when a method was forced. */
  sealingFallbackReason: string | null;
}

export interface VaultStats {
  /** Secrets alive now. */
  secrets: number;
  /** Sum of their sizes. */
  bytes: number;
  /** Whole pages holding them that the lock call covered. */
  lockedBytes: number;
  /** Secrets whose lock was refused (best-effort policy only). */
  unlockedSecrets: number;
  created: number;
  destroyed: number;
  /** Regions wiped and freed because their handle was garbage-collected without destroy(). */
  reclaimed: number;
  /** Live secrets in pooled storage (counted in secrets too). */
  pooledSecrets: number;
}

/** The process-wide pool a vault's pooled secrets live in, read back from the OS. */
export interface PoolInfo extends NativePoolStats, NativePoolDescription {}

// One pool per lock policy, backing and sealing, shared by every vault of this
// thread: the lock budget is per process, and one arena holds thousands of
// secrets.
const pools = new Map<string, NativePool>();

function poolFor(lockPolicy: LockPolicy, backing: Backing, sealing: Sealing): NativePool {
  const key = `${lockPolicy}/${backing}/${sealing}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = callNative(
      () => new native.Pool(native.defaultArenaSize, HARD_MAX_SECRET_SIZE, lockPolicy === 'require', sealing, backing),
    );
    pools.set(key, pool);
  }
  return pool;
}

/** A pooled chunk behind the same interface as an isolated region. */
class PooledRegion implements NativeRegion {
  constructor(
    private readonly pool: NativePool,
    private readonly chunk: number,
  ) {}
  fillRandom(): void {
    this.pool.fillRandom(this.chunk);
  }
  write(source: Uint8Array): void {
    this.pool.write(this.chunk, source);
  }
  readInto(target: Uint8Array): void {
    this.pool.readInto(this.chunk, target);
  }
  wipe(): void {
    const size = this.pool.summary(this.chunk).size;
    this.pool.write(this.chunk, new Uint8Array(size));
  }
  summary(): { size: number; lockedBytes: number; locked: boolean } {
    return this.pool.summary(this.chunk);
  }
  inspect(): ReturnType<NativePool['inspect']> {
    return this.pool.inspect(this.chunk);
  }
  destroy(): void {
    this.pool.free(this.chunk);
  }
}

interface Entry {
  region: NativeRegion;
  storage: Storage;
  size: number;
  pageBytes: number;
  locked: boolean;
  readers: number;
  writing: boolean;
  alive: boolean;
}

type Scope = 'read' | 'write';

const liveVaults = new Set<WeakRef<SecretVault>>();
// Per vault: wipe everything, scopes or not. Only the exit hook uses it.
const wipeAtExit = new WeakMap<SecretVault, () => number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The addon also wipes every region when the Node environment ends; this
  // covers process.exit() paths and keeps the vault's stats honest.
  process.once('exit', () => {
    for (const ref of liveVaults) {
      try {
        const vault = ref.deref();
        if (vault !== undefined) wipeAtExit.get(vault)?.();
      } catch {
        // A corrupted canary must not stop the other vaults from being wiped.
      }
    }
  });
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A scope's result, refused at compile time when it is a Promise: an async
 * scope would outlive the wiped copy (and is refused at run time too).
 */
export type SyncResult<R> = R extends PromiseLike<unknown> ? never : R;

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

  constructor(options?: VaultOptions) {
    const resolved = resolveVaultOptions(options);
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
    liveVaults.add(new WeakRef(this));
    wipeAtExit.set(this, () => this.#destroyEverything());
    installExitHook();
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
      const chunk = checkChunkId(callNative(() => pool.generate(size)));
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
        const chunk = checkChunkId(callNative(() => pool.importFrom(scratch)));
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
    return this.#scoped(entry, 'read', fn as (view: Uint8Array) => R);
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
    return this.#scoped(entry, 'write', fn as (view: Uint8Array) => R);
  }

  /** What the OS says about the secret's memory now. Reads /proc/self/smaps on Linux: not for hot paths. */
  inspect(handle: SecretHandle): SecretStatus {
    const entry = this.#entry(handle);
    const facts = callNative(() => entry.region.inspect());
    return {
      size: entry.size,
      storage: entry.storage,
      locked: facts.locked,
      lockVerified: facts.lockVerified,
      dumpExcluded: facts.dumpExcluded,
      forkExcluded: facts.forkExcluded,
      guardPages: facts.guardPages,
      guardPagesAround: entry.storage === 'pooled' ? 'arena' : 'secret',
      backing: 'backing' in facts ? (facts as { backing: Backing }).backing : 'anonymous',
      sealed: facts.sealed,
      canaryIntact: facts.canaryIntact,
      sealing: facts.sealing,
      sealingFallbackReason: facts.sealingFallbackReason ?? null,
    };
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
    return { lockPolicy: this.lockPolicy, storage: this.storage, backing: this.backing, sealing: this.sealing, maxSecretSize: this.maxSecretSize };
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
        ? { lockedBytes: native.poolSlotSize(size), locked: true }
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

  #scoped<R>(entry: Entry, scope: Scope, fn: (view: Uint8Array) => R): R {
    if (entry.writing || (scope === 'write' && entry.readers > 0)) {
      throw new SecureMemoryError(
        'INVALID_ARGUMENT',
        `${scope}() inside a ${entry.writing ? 'write' : 'read'} scope of the same secret is refused`,
      );
    }
    // A fresh ArrayBuffer of its own: Buffer.allocUnsafe would put the copy
    // in a shared slab, and a small `new Uint8Array(n)` lives in the JS heap,
    // where V8 may move it and leave stale copies behind.
    const view = offHeapBytes(entry.size);
    if (scope === 'read') entry.readers++;
    else entry.writing = true;
    try {
      callNative(() => entry.region.readInto(view));
      const result = fn(view);
      if (isThenable(result)) {
        throw new SecureMemoryError(
          'INVALID_ARGUMENT',
          `${scope}(handle, fn): fn returned a Promise; it must be synchronous because the copy is wiped when fn returns`,
        );
      }
      if (scope === 'write') {
        // fn may have freed the secret some other way (the exit path); a
        // pooled slot may then belong to another secret: never write there.
        if (!entry.alive) {
          throw new SecureMemoryError('INVALID_HANDLE', 'write(handle, fn): the secret was destroyed inside fn; nothing was written');
        }
        if (view.byteLength !== entry.size) {
          throw new SecureMemoryError('INVALID_ARGUMENT', 'write(handle, fn): the view was detached or resized inside fn');
        }
        callNative(() => entry.region.write(view));
      }
      return result;
    } finally {
      if (view.byteLength === entry.size) view.fill(0);
      if (scope === 'read') entry.readers--;
      else entry.writing = false;
    }
  }
}
