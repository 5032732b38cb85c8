// The options a SecretVault and its calls take: the public option types.
// validate.ts checks values against them at run time.

export type LockPolicy = 'require' | 'best-effort';
export type Storage = 'isolated' | 'pooled';
export type Backing = 'anonymous' | 'secretmem';
export type Sealing = 'auto' | 'pkey' | 'kernel-copy' | 'mprotect';

export interface VaultOptions {
  /** 'require' (default): a refused lock fails with LOCK_FAILED. 'best-effort': allocate anyway, inspect() says locked: false. */
  lockPolicy?: LockPolicy;
  /**
   * 'isolated' (default): one guarded region per secret (a locked page and
   * guard pages each). 'pooled': secrets packed into shared locked arenas
   * (40 locked bytes for a 32-byte secret) with guard pages at each arena's
   * ends and a canary after each secret. Can be overridden per call.
   */
  storage?: Storage;
  /**
   * Pooled storage only. 'secretmem': Linux memfd_secret(2) arenas, removed
   * from the kernel's direct map; falls back to 'anonymous' with a reason
   * (see poolInfo()) where the kernel has none. Blocks hibernation while
   * secrets exist and counts against the lock budget.
   */
  backing?: Backing;
  /**
   * How secret pages are sealed. 'auto' (default) takes the first that works
   * of: 'pkey' (memory protection keys, opened per thread), 'kernel-copy'
   * (Linux: pages never opened, scopes copy through /proc/self/mem),
   * 'mprotect' (pages opened for every thread during a scope); the reason
   * for each fallback is in poolInfo() and doctor. Naming a method forces it:
   * UNSUPPORTED where it is not available. secretmem arenas cannot use
   * 'kernel-copy' (the kernel refuses to copy them).
   */
  sealing?: Sealing;
  /** Largest secret this vault accepts, in bytes (default 1 MiB, at most 64 MiB). */
  maxSecretSize?: number;
}

/** Per-call options of generate() and import(). */
export interface SecretOptions {
  /** Overrides the vault's storage for this secret. */
  storage?: Storage;
}
