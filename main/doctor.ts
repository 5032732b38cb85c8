// `strongroom doctor`: what the computer and process really give, each row
// from the OS, with a verdict and one line of advice when it is not ok.
// Importing this file loads the addon; cli.ts reports a failure to load it.
import type { DoctorReport, DoctorRow, Verdict } from './doctor-report';
import { SecureMemoryError } from './errors';
import { hardening } from './hardening';
import { addonSource, native } from './native';
import { platformInfo } from './platform';
import { SecretVault, type SecretStatus } from './vault';

const MiB = 1024 * 1024;

function bytes(n: number | null): string {
  if (n === null) return 'unlimited';
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function lockAdvice(): string {
  switch (process.platform) {
    case 'win32':
      return 'call hardening.reserveLockBudget(bytes) at startup to raise the minimum working set';
    case 'darwin':
      return 'raise RLIMIT_MEMLOCK (ulimit -l) if it is the smaller limit, or run with fewer locked secrets (vm.user_wire_limit needs root to change)';
    default:
      return 'raise RLIMIT_MEMLOCK: `ulimit -l 65536`, LimitMEMLOCK=64M in a systemd unit, memlock in /etc/security/limits.conf, or --ulimit memlock=67108864 / --cap-add IPC_LOCK for a container';
  }
}

// Where this OS's facts come from: the lock and fork read-back, and page protection.
const SOURCES: Record<string, { readback: string; protection: string }> = {
  linux: { readback: '/proc/self/smaps VmFlags', protection: 'mprotect; /proc/self/maps' },
  win32: { readback: 'QueryWorkingSetEx', protection: 'VirtualProtect; VirtualQuery' },
  darwin: {
    readback: 'mach_vm_region_recurse (user_wired_count, inheritance)',
    protection: 'mprotect; mach_vm_region_recurse (protection)',
  },
};
const readbackSource = SOURCES[process.platform]?.readback ?? 'none on this OS';
const protectionSource = SOURCES[process.platform]?.protection ?? 'mprotect';

/**
 * Where the seal is read back, by method: the page tables (maps `---p`) for
 * kernel copy and mprotect; under a protection key the page tables stay
 * read-write, and the seal is the key on every page (smaps `ProtectionKey`)
 * together with this thread's PKRU.
 */
function sealSource(method: SecretStatus['sealing']): string {
  if (method === 'pkey') return "guards: /proc/self/maps (---p); seal: /proc/self/smaps ProtectionKey + this thread's PKRU";
  if (process.platform === 'linux') return `${method}; /proc/self/maps (---p)`;
  return protectionSource;
}

/** The lock budget and where each part of it comes from. */
function lockBudgetRow(platform: ReturnType<typeof platformInfo>): DoctorRow {
  const limit = platform.memlockLimit;
  const locked = platform.lockedBytes !== null ? `, ${bytes(platform.lockedBytes)} locked by this process` : '';
  const wire = process.platform === 'darwin' ? native.wireLimits() : null;
  const rlimit = wire !== null ? native.memlockRlimit() : null;
  // macOS wires up to min(RLIMIT_MEMLOCK, vm.user_wire_limit); the global limit is every process's together.
  const parts =
    wire !== null
      ? ` (the smaller of RLIMIT_MEMLOCK ${bytes(rlimit?.limit ?? null)} and vm.user_wire_limit ${bytes(wire.perProcess)}; vm.global_user_wire_limit ${bytes(wire.global)} is shared by every process)`
      : '';
  const source =
    process.platform === 'win32'
      ? 'GetProcessWorkingSetSize'
      : process.platform === 'darwin'
        ? 'getrlimit(RLIMIT_MEMLOCK), sysctlbyname(vm.user_wire_limit, vm.global_user_wire_limit), mach_vm_region_recurse (wired entries)'
        : 'getrlimit(RLIMIT_MEMLOCK), /proc/self/status VmLck';
  return {
    check: 'lock budget',
    value: `${bytes(limit)}${parts}${locked}`,
    verdict: limit === null || limit >= MiB ? 'ok' : limit > 0 ? 'degraded' : 'unavailable',
    source,
    ...(limit !== null && limit < MiB ? { advice: lockAdvice() } : {}),
  };
}

function fact(check: string, value: boolean | null, yes: string, no: string, unknown: string, source: string, advice: string): DoctorRow {
  if (value === true) return { check, value: yes, verdict: 'ok', source };
  if (value === false) return { check, value: no, verdict: 'degraded', source, advice };
  return { check, value: unknown, verdict: 'unavailable', source, advice };
}

// Which sealing method 'auto' picked, probed in the order pkey, kernel-copy,
// mprotect, with the reason for each fallback.
function sealingRow(method: SecretStatus['sealing'], reason: string | null): DoctorRow {
  const check = 'sealing method';
  const source = 'probe: pkey_alloc, then /proc/self/mem (pread/pwrite of a no-access page), then mprotect';
  switch (method) {
    case 'pkey':
      return { check, value: 'pkey: memory protection key, opened per thread', verdict: 'ok', source };
    case 'kernel-copy':
      return {
        check,
        value: `kernel-copy: pages never opened, scopes copy through the kernel${reason ? ` (${reason})` : ''}`,
        verdict: 'ok',
        source,
      };
    case 'mprotect':
      return {
        check,
        value: `mprotect: pages open to every thread during a scope${reason ? ` (${reason})` : ''}`,
        verdict: 'degraded',
        source,
        advice:
          process.platform === 'linux'
            ? 'kernel-copy needs /proc mounted and forced access allowed (no proc_mem.force_override=never); an unprivileged process must probe it before PR_SET_DUMPABLE 0 (hardening.disableCoreDumps() does so)'
            : 'no sealing method without a page-table change exists on this OS',
      };
    default:
      return { check, value: `none${reason ? ` (${reason})` : ''}`, verdict: 'ok', source: 'VirtualProtect' };
  }
}

export function runDoctor(): DoctorReport {
  const platform = platformInfo();
  const rows: DoctorRow[] = [];

  rows.push({
    check: 'native addon',
    value: `${addonSource.kind}: ${addonSource.file}`,
    verdict: 'ok',
    source: 'process.dlopen',
  });
  rows.push({
    check: 'runtime',
    value: `${platform.runtime} ${(process.versions as Partial<Record<string, string>>).electron ?? process.version} on ${platform.os}/${platform.arch}`,
    verdict: 'ok',
    source: 'process.versions',
  });
  rows.push({
    check: 'page size',
    value: bytes(platform.pageSize),
    verdict: 'ok',
    source: process.platform === 'win32' ? 'GetSystemInfo' : 'sysconf(_SC_PAGESIZE)',
  });

  rows.push(lockBudgetRow(platform));

  // A real lock with the vault's default policy, then the OS read-back.
  const vault = new SecretVault({ lockPolicy: 'require' });
  let lockOk = false;
  try {
    const handle = vault.generate(32);
    const status = vault.inspect(handle);
    vault.destroy(handle);
    lockOk = status.locked;
    rows.push(
      status.lockVerified === true
        ? { check: 'lock test', value: 'locked; the OS confirms it', verdict: 'ok', source: readbackSource }
        : {
            check: 'lock test',
            value: 'the lock call succeeded; the OS cannot confirm it here',
            verdict: 'ok',
            source: process.platform === 'win32' ? 'VirtualLock (QueryWorkingSetEx did not confirm)' : 'mlock',
          },
    );
    rows.push(
      fact(
        'dump exclusion',
        status.dumpExcluded,
        'secret pages are out of core dumps',
        'the OS ignored MADV_DONTDUMP',
        process.platform === 'darwin'
          ? 'macOS has no per-region exclusion: core dumps are off only with RLIMIT_CORE 0 (see core dumps)'
          : 'cannot be set or checked per region on this OS',
        process.platform === 'darwin' ? 'n/a on macOS' : readbackSource,
        process.platform === 'linux'
          ? 'a kernel without MADV_DONTDUMP: call hardening.disableCoreDumps()'
          : 'call hardening.disableCoreDumps() where supported; Windows: see the docs on WER',
      ),
    );
    rows.push(
      fact(
        'fork hygiene',
        status.forkExcluded,
        'forked children do not get secret pages',
        process.platform === 'darwin' ? 'the OS ignored minherit(VM_INHERIT_NONE)' : 'the OS ignored MADV_DONTFORK',
        'not applicable or not checkable on this OS',
        readbackSource,
        'secrets may be copied into children made with fork(); prefer spawn',
      ),
    );
    const sealValue =
      status.sealing === 'none'
        ? 'guarded; read-only at rest (no-access would unlock the pages on Windows)'
        : status.sealed === true
          ? 'guarded, sealed at rest (the OS confirms)'
          : status.sealed === null
            ? 'guarded; the seal cannot be checked on this OS'
            : 'guarded, but NOT sealed';
    rows.push({
      check: 'guard pages + seal',
      value: `${sealValue}${status.canaryIntact ? ', canary intact' : ', CANARY CORRUPTED'}`,
      verdict:
        status.guardPages !== false && status.canaryIntact && (status.sealed !== false || status.sealing === 'none') ? 'ok' : 'degraded',
      source: sealSource(status.sealing),
    });
    rows.push(sealingRow(status.sealing, status.sealingFallbackReason));
  } catch (error) {
    const e = error as Partial<SecureMemoryError>;
    rows.push({
      check: 'lock test',
      value: `failed: ${e.code ?? 'ERROR'}${e.syscall ? ` (${e.syscall}${e.errno !== undefined ? `, errno ${e.errno}` : ''})` : ''}`,
      verdict: 'unavailable',
      source: process.platform === 'win32' ? 'VirtualLock' : 'mlock',
      advice: e.code === 'LOCK_FAILED' ? lockAdvice() : e.message,
    });
  } finally {
    vault.destroyAll();
  }

  const before = hardening.status();
  if (before.coreDumps === 'unknown') {
    rows.push({
      check: 'core dumps',
      value: 'no RLIMIT_CORE on this OS',
      verdict: 'unavailable',
      source: 'n/a',
      advice: "crash dumps are Windows Error Reporting's: see the docs",
    });
  } else {
    let after: string;
    let verdict: Verdict = 'ok';
    let advice: string | undefined;
    try {
      after = hardening.withCoreDumpsDisabled(() => hardening.status().coreDumps);
      if (after !== 'disabled') verdict = 'degraded';
    } catch (error) {
      after = `cannot disable (${(error as Error).message})`;
      verdict = 'degraded';
    }
    if (before.coreDumps === 'enabled') advice = 'call hardening.disableCoreDumps() at startup (the Electron main in this toolkit does)';
    const soft = before.rlimitCore?.soft;
    rows.push({
      check: 'core dumps',
      value: `${before.coreDumps} (RLIMIT_CORE ${soft === null ? 'unlimited' : bytes(soft ?? 0)}${before.dumpable !== null ? `, dumpable ${before.dumpable}` : ''}); disableCoreDumps() gives: ${after}`,
      verdict,
      source: process.platform === 'linux' ? 'getrlimit(RLIMIT_CORE), prctl(PR_GET_DUMPABLE)' : 'getrlimit(RLIMIT_CORE)',
      ...(advice ? { advice } : {}),
    });
  }

  if (process.platform === 'linux') {
    let secretmem: boolean | null = null;
    try {
      secretmem = native.memfdSecretAvailable();
    } catch {
      secretmem = null;
    }
    rows.push(
      fact(
        'memfd_secret',
        secretmem,
        'available: pages can be removed from the kernel direct map',
        'not available',
        'probe failed',
        'memfd_secret(2)',
        'needs Linux 5.14+ with CONFIG_SECRETMEM (and secretmem.enable=1 before 6.5)',
      ),
    );
  }

  if (process.platform === 'win32') {
    rows.push({
      check: 'Windows working set',
      value: bytes(before.lockBudget.limit),
      verdict: (before.lockBudget.limit ?? 0) >= MiB ? 'ok' : 'degraded',
      source: 'GetProcessWorkingSetSize',
      advice: 'call hardening.reserveLockBudget(bytes) at startup',
    });
    rows.push({
      check: 'Windows error mode',
      value: `0x${(before.windowsErrorMode ?? 0).toString(16)}`,
      verdict: 'ok',
      source: 'GetErrorMode',
      advice: 'hardening.suppressWindowsErrorDialogs() hides crash dialogs (UX, not security)',
    });
  }

  return { platform, rows, ok: lockOk };
}
