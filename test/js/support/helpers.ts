// Shared test helpers: OS facts read straight from /proc, and child processes.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

import { SecureMemoryError } from '../../../main/errors';

export const isLinux = process.platform === 'linux';
export const isDarwin = process.platform === 'darwin';
export const packageRoot = path.resolve(__dirname, '..', '..', '..', '..');
/** The compiled package entry, as a child process would require it. */
export const entryPoint = path.join(packageRoot, 'dist', 'main', 'index.js');

/**
 * Asserts that `fn` throws a SecureMemoryError with `code`. With `actionable`,
 * its message must also be long enough to tell a user what to do.
 */
export function rejects(fn: () => unknown, code: string, options: { actionable?: boolean } = {}): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SecureMemoryError, `expected SecureMemoryError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (options.actionable === true) assert.ok(error.message.length > 10, 'a message a user can act on');
    return true;
  });
}

/** VmLck from /proc/self/status in bytes, or null off Linux. */
export function vmLck(): number | null {
  if (!isLinux) return null;
  const match = /^VmLck:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

/**
 * Source for a child script (runNode): defines procStatus(field), the first
 * word of that /proc/self/status field, or undefined where there is none
 * (off Linux). The child's counterpart of vmLck().
 */
export const PROC_STATUS_SOURCE = `const procStatus = (field) => { try { return new RegExp('^' + field + ':\\\\s+(\\\\S+)', 'm').exec(require('fs').readFileSync('/proc/self/status', 'utf8'))?.[1]; } catch { return undefined; } };`;

export function which(command: string): string | null {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Runs a JavaScript snippet in a fresh node process with `strongroom` bound to the package. */
export function runNode(
  source: string,
  options: { args?: string[]; prefix?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number; entry?: string } = {},
): SpawnSyncReturns<string> {
  const script = `const strongroom = require(${JSON.stringify(options.entry ?? entryPoint)});\n${source}`;
  const argv = [...(options.prefix ?? []), process.execPath, ...(options.args ?? []), '-e', script];
  return spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
}

/** CI=true is set by GitHub Actions and .ci/run, where every tool a test needs is installed on purpose. */
export const onCI = process.env.CI === 'true';

/**
 * Skips the test with `reason` off CI. On CI it fails instead: the workflow
 * installs what these tests need, so a missing tool or a refused attach there
 * is a broken setup that a skip would hide. Use as `return skipUnlessCI(t, why)`.
 */
export function skipUnlessCI(t: TestContext, reason: string): void {
  if (onCI) assert.fail(`${reason} (CI=true: this must run on CI, so it fails rather than skips)`);
  t.skip(reason);
}

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

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Starts `node -e script` and waits for its first stdout line containing "ready"; resolves with that line. */
export function startReadyChild(script: string, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (data: Buffer) => {
      buffered += data.toString();
      const line = buffered.split('\n').find((l) => l.includes('ready'));
      if (line !== undefined) resolve({ child, line });
    });
    child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

/**
 * Starts `node -e script` like startReadyChild, with the allow-any-tracer
 * library preloaded so that a gdb which is not its ancestor may attach under
 * Yama ptrace_scope=1, and checks the library is really in the child.
 */
export async function startTraceableChild(script: string, library: string): Promise<{ child: ChildProcess; line: string }> {
  const started = await startReadyChild(script, withPreload(library));
  if (!isMappedInto(started.child.pid!, library)) {
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

let staged: string | undefined;

/**
 * A world-readable copy of what the package needs at run time (dist/bridge, dist/main,
 * bin, the addon, zod), for children that must run as nobody even when the
 * checkout lives in a folder only root can enter (mktemp -d makes 0700).
 */
export function readableStage(): string {
  if (staged !== undefined) return staged;
  const root = fs.mkdtempSync(path.join('/tmp', 'strongroom-stage-'));
  const copy = (relative: string) => fs.cpSync(path.join(packageRoot, relative), path.join(root, relative), { recursive: true });
  copy('dist/bridge');
  copy('dist/main');
  copy('bin');
  copy('build/addon/Release/strongroom.node');
  // The prebuild too, where there is one: the loader takes it first, so the
  // children test the same binary as the suite.
  if (fs.existsSync(path.join(packageRoot, 'prebuilds'))) copy('prebuilds');
  copy('node_modules/zod');
  copy('package.json');
  const open = (dir: string) => {
    fs.chmodSync(dir, 0o755);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) open(full);
      else fs.chmodSync(full, 0o644);
    }
  };
  open(root);
  process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  staged = root;
  return root;
}

/** The page size the OS itself reports (getconf PAGESIZE), or null where there is no getconf (Windows). */
export function osPageSize(): number | null {
  if (process.platform === 'win32') return null;
  const result = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  const size = Number(result.stdout?.trim());
  return result.status === 0 && Number.isInteger(size) && size > 0 ? size : null;
}

/** The environment variable that makes the native core simulate a larger page size (tests only). */
export const SIMULATED_PAGE_SIZE = 'STRONGROOM_SIMULATED_PAGE_SIZE';

/** A small deterministic PRNG (mulberry32) for the fuzz tests, so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The test-only module built from test/js/support/os-tamper.c (see there). Results are 0 or -errno. */
export interface OsTamper {
  madvise(address: number, length: number, advice: number): number;
  mprotect(address: number, length: number, prot: number): number;
  munlock(address: number, length: number): number;
  pkeyMprotect(address: number, length: number, prot: number, key: number): number;
  /** This thread's PKEY_DISABLE_* bits for `key`, or -errno. */
  pkeyGet(key: number): number;
  pkeySet(key: number, rights: number): number;
  /** Starts a thread now that reads one byte at `address` when released. */
  startReader(address: number): number;
  /** Lets the reader read; returns the byte it read (it faults instead if its PKRU denies the page). */
  releaseReader(): number;
}

let tamperModule: string | { missing: string } | undefined;

/**
 * Builds test/js/support/os-tamper.c with cc against node-api-headers, once
 * per test process, into a world-readable temporary folder, and returns the
 * module's path (a child loads it with require). Linux only; `{ missing }`
 * when there is no C compiler; a compiler that fails on it throws.
 */
export function osTamperModule(): string | { missing: string } {
  if (tamperModule !== undefined) return tamperModule;
  const cc = which('cc');
  if (cc === null) {
    tamperModule = { missing: 'no C compiler (cc) to build the os-tamper test module (apt-get install gcc)' };
    return tamperModule;
  }
  const dir = fs.mkdtempSync(path.join('/tmp', 'strongroom-tamper-'));
  fs.chmodSync(dir, 0o755);
  const library = path.join(dir, 'os-tamper.node');
  const source = path.join(packageRoot, 'test', 'js', 'support', 'os-tamper.c');
  const headers = path.join(packageRoot, 'node_modules', 'node-api-headers', 'include');
  const build = spawnSync(
    cc,
    ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-DNAPI_VERSION=8', `-I${headers}`, '-o', library, source, '-lpthread'],
    {
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`cc could not build ${source}: ${build.stderr}`);
  fs.chmodSync(library, 0o644);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  tamperModule = library;
  return library;
}

/** Loads the os-tamper module into this process. */
export function osTamper(): OsTamper | { missing: string } {
  const library = osTamperModule();
  if (typeof library !== 'string') return library;
  const module = { exports: {} as OsTamper };
  process.dlopen(module, library);
  return module.exports;
}

/**
 * The demo app's Content-Security-Policy, written out here once, directive by
 * directive: the product's constant (test 24) and the header the app://
 * handler serves (test 27) are both compared with this literal, so a
 * loosened, dropped or added directive fails, wherever it is made.
 */
export const EXPECTED_CSP_DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
] as const;
export const EXPECTED_CSP = EXPECTED_CSP_DIRECTIVES.join('; ');
