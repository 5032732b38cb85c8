// Shared test helpers: OS facts read straight from /proc, and child processes.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
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
