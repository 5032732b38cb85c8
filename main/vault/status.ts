// What a vault reports: a secret's status, the vault's counters, its pool.
import type { NativePoolConfig, NativePoolStats, NativeRegionFacts } from '../native';
import type { Backing, Storage } from '../options';

/** The facts the addon reads about a secret's memory that a vault passes on as they are. */
type RegionFactsPassedOn = Pick<
  NativeRegionFacts,
  'size' | 'locked' | 'lockVerified' | 'dumpExcluded' | 'forkExcluded' | 'guardPages' | 'sealed' | 'canaryIntact' | 'sealing'
>;

/**
 * What the OS says about a secret's memory now. Every field but the four
 * declared here is the addon's own fact about the secret's region (for
 * pooled storage, its arena), documented once, in NativeRegionFacts.
 */
export interface SecretStatus extends RegionFactsPassedOn {
  storage: Storage;
  /**
   * Where the guard pages sit. 'secret' (isolated storage): right before and
   * after the secret's pages. 'arena' (pooled storage): at the ends of its
   * arena, so an overflow inside the arena reaches a neighbour secret first
   * (and is caught by the canary).
   */
  guardPagesAround: 'secret' | 'arena';
  /** 'secretmem': pages removed from the kernel's direct map (Linux memfd_secret). */
  backing: Backing;
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

/** A secret's status from the addon's facts about its memory and the vault's record of it. */
export function secretStatus(facts: NativeRegionFacts, size: number, storage: Storage): SecretStatus {
  return {
    size,
    storage,
    locked: facts.locked,
    lockVerified: facts.lockVerified,
    dumpExcluded: facts.dumpExcluded,
    forkExcluded: facts.forkExcluded,
    guardPages: facts.guardPages,
    guardPagesAround: storage === 'pooled' ? 'arena' : 'secret',
    backing: 'backing' in facts ? (facts as { backing: Backing }).backing : 'anonymous',
    sealed: facts.sealed,
    canaryIntact: facts.canaryIntact,
    sealing: facts.sealing,
    sealingFallbackReason: facts.sealingFallbackReason ?? null,
  };
}

/** The process-wide pool a vault's pooled secrets live in, read back from the OS. */
export interface PoolInfo extends NativePoolStats, NativePoolConfig {}
