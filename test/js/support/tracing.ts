// Debugger attaches (gdb, ptrace under Yama) and what they leave: a
// preload that lets any tracer attach, cores written with gcore, and needles
// counted in a core file.
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

import { must } from './assertions';
import { startReadyChild } from './children';
import { packageRoot, skipUnlessCI, which } from './platform';

/** /proc/sys/kernel/yama/ptrace_scope, or null where Yama is not in the kernel. */
export function yamaPtraceScope(): number | null {
  try {
    return Number(fs.readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim());
  } catch {
    return null;
  }
}

let tracerPreload: string | { missing: string } | undefined;

/**
 * The test-only LD_PRELOAD library (test/js/support/allow-any-tracer.c)
 * whose constructor calls prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY), built
 * once per test process with cc into a world-readable temporary folder (the
 * hardening test's children run as nobody). `{ missing }` when there is no
 * C compiler; a compiler that fails on it throws.
 */
export function allowAnyTracerPreload(): string | { missing: string } {
  if (tracerPreload !== undefined) return tracerPreload;
  const cc = which('cc');
  if (cc === null) {
    tracerPreload = { missing: 'no C compiler (cc) to build the allow-any-tracer preload (apt-get install gcc)' };
    return tracerPreload;
  }
  const dir = fs.mkdtempSync(path.join('/tmp', 'strongroom-tracer-'));
  fs.chmodSync(dir, 0o755);
  const library = path.join(dir, 'allow-any-tracer.so');
  const source = path.join(packageRoot, 'test', 'js', 'support', 'allow-any-tracer.c');
  const build = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', library, source], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`cc could not build ${source}: ${build.stderr}`);
  fs.chmodSync(library, 0o644);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  tracerPreload = library;
  return library;
}

/**
 * What a test that attaches gdb to a child needs: gdb, and the preload that
 * lets a sibling tracer attach under Yama ptrace_scope=1 (gdb is the child's
 * sibling, never its ancestor). When either is missing the test is skipped
 * with the reason (failed on CI) and this returns null: `if (!tools) return;`.
 */
export function gdbTools(t: TestContext): { gdb: string; preload: string } | null {
  const gdb = which('gdb');
  if (gdb === null) {
    skipUnlessCI(t, 'gdb is not installed (apt-get install gdb); .ci/run installs it');
    return null;
  }
  const preload = allowAnyTracerPreload();
  if (typeof preload !== 'string') {
    skipUnlessCI(t, preload.missing);
    return null;
  }
  return { gdb, preload };
}

/** An environment that preloads `library` into a child, keeping any LD_PRELOAD already set. */
export function withPreload(library: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, LD_PRELOAD: [library, env.LD_PRELOAD].filter((v) => v !== undefined && v !== '').join(':') };
}

/**
 * Whether `file` is mapped into process `pid`, per /proc/PID/maps. Proves a
 * preload really loaded: the dynamic loader ignores an LD_PRELOAD it cannot
 * open with no more than a warning, and a refused attach would then look
 * like the refusal the test is about.
 */
export function isMappedInto(pid: number | 'self', file: string): boolean {
  return fs
    .readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .some((line) => line.endsWith(` ${file}`));
}

/**
 * Starts `node -e script` like startReadyChild, with the allow-any-tracer
 * library preloaded so that a gdb which is not its ancestor may attach under
 * Yama ptrace_scope=1, and checks the library is really in the child.
 */
export async function startTraceableChild(script: string, library: string): Promise<{ child: ChildProcess; line: string }> {
  const started = await startReadyChild(script, withPreload(library));
  if (!isMappedInto(must(started.child.pid, 'the child pid'), library)) {
    started.child.kill('SIGKILL');
    throw new Error(`${library} is not mapped into the child: LD_PRELOAD was not honoured, so Yama would refuse gdb`);
  }
  return started;
}

/** Why the kernel refused a ptrace attach, for a skip or failure message. */
export function ptraceRefusedReason(): string {
  const scope = yamaPtraceScope();
  if (scope === null) return 'ptrace attach refused (no Yama here: no CAP_SYS_PTRACE, or a non-dumpable target)';
  if (scope >= 2) return `ptrace attach refused: Yama ptrace_scope=${scope} allows only CAP_SYS_PTRACE (2) or nobody (3)`;
  return `ptrace attach refused although the child allowed any tracer (Yama ptrace_scope=${scope})`;
}

/**
 * Writes a core of process `pid` with `gdb -batch -ex gcore` into `dir`.
 * Returns the core's path, or `{ refused }` when the kernel refused the attach.
 */
export function gcore(gdb: string, pid: number, dir: string, gdbArgs: string[] = []): string | { refused: string } {
  const core = path.join(dir, 'core');
  const run = spawnSync(gdb, ['-batch', '-nx', ...gdbArgs, '-ex', `gcore ${core}`, '-p', String(pid)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (!fs.existsSync(core) && /ptrace: Operation not permitted/.test(run.stderr)) {
    return { refused: `${ptraceRefusedReason()}: ${run.stderr.trim()}` };
  }
  if (!fs.existsSync(core)) throw new Error(`gcore wrote no core: ${run.stderr}`);
  return core;
}

/** How often `needle` occurs in a (possibly large) file, read in 16 MiB windows. */
export function countInFile(file: string, needle: Buffer): number {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  let count = 0;
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      const window = Buffer.concat([carry, chunk.subarray(0, read)]);
      for (let at = window.indexOf(needle); at !== -1; at = window.indexOf(needle, at + 1)) {
        if (at + needle.length > carry.length) count++; // not counted in the previous window
      }
      carry = Buffer.from(window.subarray(Math.max(0, window.length - needle.length + 1)));
    }
  } finally {
    fs.closeSync(fd);
  }
  return count;
}
