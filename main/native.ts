// The addon's surface, typed. Only this file knows where the .node file lives.
import * as path from 'node:path';

export interface NativeRegionFacts {
  size: number;
  lockedBytes: number;
  mappedBytes: number;
  locked: boolean;
  lockVerified: boolean | null;
  dumpExcluded: boolean | null;
  forkExcluded: boolean | null;
  guardPages: boolean;
  sealed: boolean;
  sealing: 'mprotect' | 'none';
  canaryIntact: boolean;
}

export interface NativeRegion {
  fillRandom(): void;
  write(source: Uint8Array): void;
  readInto(target: Uint8Array): void;
  wipe(): void;
  /** Cheap: the region's own record, no OS query. */
  summary(): { size: number; lockedBytes: number; locked: boolean };
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

export interface NativeAddon {
  ProtectedRegion: new (size: number, maxSize: number, requireLock: boolean) => NativeRegion;
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
  memfdSecretAvailable(): boolean | null;
  canarySize: number;
  defaultMaxSecretSize: number;
}

/** Package root: dist/main/ -> ../.. ; inside an asar archive, native files live in app.asar.unpacked. */
function addonPath(): string {
  const root = path.resolve(__dirname, '..', '..');
  const unpacked = root.replace(/\.asar(?=$|[\\/])/, '.asar.unpacked');
  return path.join(unpacked, 'build', 'addon', 'Release', 'strongroom.node');
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: NativeAddon = require(addonPath()) as NativeAddon;
