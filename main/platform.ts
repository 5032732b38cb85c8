import { callNative } from './errors';
import { native } from './native';

export interface PlatformInfo {
  os: string;
  arch: string;
  runtime: 'node' | 'electron';
  /** Power of two (sysconf / GetSystemInfo; 4 KiB fallback). */
  pageSize: number;
  /** Bytes this process may lock; null = unlimited (RLIMIT_MEMLOCK, or the Windows working-set budget). */
  memlockLimit: number | null;
  /** Bytes the whole process has locked, as the OS reports it (VmLck); null where the OS does not say. */
  lockedBytes: number | null;
}

export function platformInfo(): PlatformInfo {
  const info = callNative(() => native.platformInfo());
  return {
    os: process.platform,
    arch: process.arch,
    runtime: process.versions.electron ? 'electron' : 'node',
    pageSize: info.pageSize,
    memlockLimit: info.memlockLimit,
    lockedBytes: info.lockedBytes,
  };
}
