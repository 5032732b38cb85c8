// Process-wide hardening (core-dump guard, Windows error modes), opt-in. Every change applies to
// the whole process and is inherited by children started afterwards.
import { callNative, SecureMemoryError } from './errors';
import { native, type NativeCoreDumpState } from './native';
import { platformInfo } from './platform';
import { isThenable } from './thenable';
import { checkFunction } from './validate';

export interface CoreDumpLimits {
  /** RLIMIT_CORE soft limit in bytes; null = unlimited. */
  soft: number | null;
  hard: number | null;
}

export interface HardeningStatus {
  /** 'disabled' when RLIMIT_CORE is 0 or (Linux) the process is not dumpable; 'unknown' where the OS has neither (Windows). */
  coreDumps: 'disabled' | 'enabled' | 'unknown';
  /** RLIMIT_CORE as the OS reports it; null on Windows. */
  rlimitCore: CoreDumpLimits | null;
  /** Linux PR_GET_DUMPABLE; null elsewhere. */
  dumpable: boolean | null;
  /** GetErrorMode() on Windows; null elsewhere. */
  windowsErrorMode: number | null;
  lockBudget: {
    /** Bytes the process may lock now; null = unlimited. */
    limit: number | null;
    /** How far reserveLockBudget can raise it (RLIMIT_MEMLOCK hard limit); null = no such ceiling. */
    ceiling: number | null;
    /** Bytes the process has locked, from the OS (VmLck); null where the OS does not say. */
    used: number | null;
  };
}

export interface CoreDumpsGuard {
  /** Puts back the RLIMIT_CORE (and Linux dumpable flag) that were there. Throws if the OS refuses. */
  restore(): void;
  /** False once restored. */
  readonly active: boolean;
}

export const WINDOWS_ERROR_MODE = Object.freeze({
  SEM_FAILCRITICALERRORS: 0x0001,
  SEM_NOGPFAULTERRORBOX: 0x0002,
  SEM_NOALIGNMENTFAULTEXCEPT: 0x0004,
  SEM_NOOPENFILEERRORBOX: 0x8000,
});

function coreDumpsVerdict(state: NativeCoreDumpState): HardeningStatus['coreDumps'] {
  if (!state.limitKnown) return 'unknown';
  if (state.soft === 0 || state.dumpable === false) return 'disabled';
  return 'enabled';
}

function windowsErrorModeOrNull(): number | null {
  if (process.platform !== 'win32') return null;
  return callNative(() => native.windowsErrorMode());
}

export const hardening = Object.freeze({
  /**
   * Sets the RLIMIT_CORE soft limit to 0 for the process (and its future
   * children) and, on Linux, PR_SET_DUMPABLE to 0, which also blocks
   * same-user ptrace and /proc/PID/mem. Lowering is always allowed; raising
   * back later may not be. UNSUPPORTED on Windows.
   */
  disableCoreDumps(): void {
    callNative(() => native.disableCoreDumps());
  },

  /** Disables core dumps until restore() (a guard that restores the previous RLIMIT_CORE). */
  disableCoreDumpsGuard(): CoreDumpsGuard {
    const guard = callNative(() => new native.CoreDumpsGuard());
    return Object.freeze({
      restore: () => callNative(() => guard.restore()),
      get active() {
        return guard.active();
      },
    });
  },

  /**
   * Runs fn with core dumps disabled and restores the previous limits
   * afterwards, also when fn throws. If fn returns a Promise, the limits are
   * restored when it settles. A refused restore is thrown (after fn's own
   * error, if any, which is attached as `cause`).
   */
  withCoreDumpsDisabled<R>(fn: () => R): R {
    checkFunction(fn, 'withCoreDumpsDisabled(fn): fn');
    const guard = hardening.disableCoreDumpsGuard();
    let result: R;
    try {
      result = fn();
    } catch (error) {
      restoreAfterFailure(guard, error);
      throw error;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => {
          guard.restore();
          return value;
        },
        (error: unknown) => {
          restoreAfterFailure(guard, error);
          throw error;
        },
      ) as R;
    }
    guard.restore();
    return result;
  },

  /** Windows SetErrorMode: returns the previous mode. UNSUPPORTED elsewhere. */
  setWindowsErrorMode(mode: number): number {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0xffffffff) {
      throw new SecureMemoryError(
        'INVALID_ARGUMENT',
        `setWindowsErrorMode(mode): mode must be a 32-bit unsigned integer, got ${String(mode)}`,
      );
    }
    return callNative(() => native.setWindowsErrorMode(mode));
  },

  /**
   * Adds SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX
   * to the process error mode and returns the previous mode. UX, not a
   * security control. UNSUPPORTED elsewhere.
   */
  suppressWindowsErrorDialogs(): number {
    return callNative(() => native.suppressWindowsErrorDialogs());
  },

  /**
   * Raises the lock budget so that at least `bytes` can be locked: on POSIX
   * the RLIMIT_MEMLOCK soft limit, up to the hard limit; on Windows the
   * minimum and maximum working set. Never lowers it. Returns what the OS
   * then reports, which may be less than asked: check `limit`.
   */
  reserveLockBudget(bytes: number): { limit: number | null; ceiling: number | null } {
    if (typeof bytes !== 'number') {
      throw new SecureMemoryError('INVALID_ARGUMENT', `reserveLockBudget(bytes): bytes must be a number, got ${typeof bytes}`);
    }
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      throw new SecureMemoryError('INVALID_SIZE', `reserveLockBudget(bytes): bytes must be a positive integer, got ${bytes}`);
    }
    return callNative(() => native.reserveLockBudget(bytes));
  },

  /** What the OS says now. */
  status(): HardeningStatus {
    const core = callNative(() => native.coreDumpState());
    const budget = callNative(() => native.lockBudget());
    return {
      coreDumps: coreDumpsVerdict(core),
      rlimitCore: core.limitKnown ? { soft: core.soft, hard: core.hard } : null,
      dumpable: core.dumpable,
      windowsErrorMode: windowsErrorModeOrNull(),
      lockBudget: { limit: budget.limit, ceiling: budget.ceiling, used: platformInfo().lockedBytes },
    };
  },
});

function restoreAfterFailure(guard: CoreDumpsGuard, original: unknown): void {
  try {
    guard.restore();
  } catch (restoreError) {
    const error = restoreError as Partial<SecureMemoryError>;
    throw new SecureMemoryError(error.code ?? 'OS_ERROR', `${error.message} (after fn failed)`, {
      errno: error.errno,
      syscall: error.syscall,
      cause: original,
    });
  }
}
