// Shared test helpers: OS facts read straight from /proc, and child processes.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const isLinux = process.platform === 'linux';
export const packageRoot = path.resolve(__dirname, '..', '..', '..');
/** The compiled package entry, as a child process would require it. */
export const entryPoint = path.join(packageRoot, 'dist', 'main', 'index.js');

/** VmLck from /proc/self/status in bytes, or null off Linux. */
export function vmLck(): number | null {
  if (!isLinux) return null;
  const match = /^VmLck:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

export function which(command: string): string | null {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Runs a JavaScript snippet in a fresh node process with `strongroom` bound to the package. */
export function runNode(
  source: string,
  options: { args?: string[]; prefix?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): SpawnSyncReturns<string> {
  const script = `const strongroom = require(${JSON.stringify(entryPoint)});\n${source}`;
  const argv = [...(options.prefix ?? []), process.execPath, ...(options.args ?? []), '-e', script];
  return spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Starts `node -e script` and waits for its first stdout line containing "ready"; resolves with that line. */
export function startReadyChild(script: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const line = buffered.split('\n').find((l) => l.includes('ready'));
      if (line !== undefined) resolve({ child, line });
    });
    child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

/**
 * Writes a core of process `pid` with `gdb -batch -ex gcore` into `dir`.
 * Returns the core's path, or `{ skip }` when ptrace is not permitted here.
 */
export function gcore(gdb: string, pid: number, dir: string, gdbArgs: string[] = []): string | { skip: string } {
  const core = path.join(dir, 'core');
  const run = spawnSync(gdb, ['-batch', '-nx', ...gdbArgs, '-ex', `gcore ${core}`, '-p', String(pid)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (!fs.existsSync(core) && /ptrace: Operation not permitted/.test(run.stderr)) {
    return { skip: 'ptrace is not permitted here (yama ptrace_scope or no CAP_SYS_PTRACE)' };
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
 * A world-readable copy of what the package needs at run time (dist/main,
 * bin, the addon, zod), for children that must run as nobody even when the
 * checkout lives in a folder only root can enter (mktemp -d makes 0700).
 */
export function readableStage(): string {
  if (staged !== undefined) return staged;
  const root = fs.mkdtempSync(path.join('/tmp', 'strongroom-stage-'));
  const copy = (relative: string) => fs.cpSync(path.join(packageRoot, relative), path.join(root, relative), { recursive: true });
  copy('dist/main');
  copy('bin');
  copy('build/addon/Release/strongroom.node');
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
