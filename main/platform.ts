import { callNative } from './errors';
import { native } from './native';

export interface PlatformInfo {
  os: string;
  arch: string;
  runtime: 'node' | 'electron';
  /** Power of two (sysconf / GetSystemInfo; 4 KiB fallback). */
  pageSize: number;
  /**
   * Bytes this process may lock; null = unlimited. RLIMIT_MEMLOCK, or the
   * Windows working-set budget; on macOS the smaller of RLIMIT_MEMLOCK and
   * vm.user_wire_limit, as the kernel checks it (vm.global_user_wire_limit is
   * shared by every process, so it is not counted as this process's budget).
   */
  memlockLimit: number | null;
  /**
   * Bytes the whole process has locked, as the OS reports it: VmLck on Linux;
   * on macOS the map entries with a user wire count (mach_vm_region_recurse),
   * the sum the kernel checks the wire limits against. null where the OS does
   * not say (Windows).
   */
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
