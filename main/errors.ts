/** Stable error codes. Tests, docs and the bridge rely on these names. */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_SIZE',
  'INVALID_HANDLE',
  'LOCK_FAILED',
  'UNSUPPORTED',
  'CANARY_CORRUPTED',
  'OS_ERROR',
  // Bridge (IPC) codes: a sender that is not the app's own top frame, and a
  // per-window limit reached.
  'FORBIDDEN',
  'LIMIT_EXCEEDED',
  // A registered operation threw; its message is not forwarded (it could
  // carry secret-derived data).
  'OPERATION_FAILED',
  // No prebuilt binary or local build of the native addon loads here; the
  // message lists what was tried and how to build from source.
  'ADDON_UNAVAILABLE',
  // A keystore's MAC did not match its password (nothing was decrypted or created).
  'WRONG_PASSWORD',
  // A long operation (a keystore's KDF) was cancelled through its AbortSignal.
  'ABORTED',
] as const;

export type SecureMemoryErrorCode = (typeof ERROR_CODES)[number];

export interface SecureMemoryErrorDetails {
  /** OS error number (errno on POSIX, GetLastError() on Windows). */
  errno?: number;
  /** The system call that failed, e.g. 'mlock'. */
  syscall?: string;
  cause?: unknown;
}

/** Every failure Strongroom reports: a stable `code`, and the OS's own details where it gave them. */
export class SecureMemoryError extends Error {
  readonly code: SecureMemoryErrorCode;
  readonly errno?: number;
  readonly syscall?: string;

  constructor(code: SecureMemoryErrorCode, message: string, details: SecureMemoryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SecureMemoryError';
    this.code = code;
    if (details.errno !== undefined) this.errno = details.errno;
    if (details.syscall !== undefined) this.syscall = details.syscall;
  }
}

function isCode(value: unknown): value is SecureMemoryErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Converts an error thrown by the addon (plain Error with code/errno/syscall) into a SecureMemoryError. */
export function fromNativeError(error: unknown): SecureMemoryError {
  if (error instanceof SecureMemoryError) return error;
  const e = error as { code?: unknown; message?: unknown; errno?: unknown; syscall?: unknown } | null | undefined;
  const code = isCode(e?.code) ? e.code : 'OS_ERROR';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return new SecureMemoryError(code, message, {
    errno: typeof e?.errno === 'number' ? e.errno : undefined,
    syscall: typeof e?.syscall === 'string' ? e.syscall : undefined,
    cause: error,
  });
}

/** Runs a native call and rethrows its failure as a SecureMemoryError. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromNativeError(error);
  }
}
