// The platform a suite runs on: which OS, where the package is, whether
// this is CI (where a missing tool fails instead of skipping), and OS facts
// read straight from /proc or getconf.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';

export const isLinux = process.platform === 'linux';
export const isDarwin = process.platform === 'darwin';
/** The checkout's root (the folder with package.json), whether this file runs from test/js/support or dist/test/js/support. */
export const packageRoot = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
})();
/** The compiled package entry, as a child process would require it. */
export const entryPoint = path.join(packageRoot, 'dist', 'main', 'index.js');

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

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The page size the OS itself reports (getconf PAGESIZE), or null where there is no getconf (Windows). */
export function osPageSize(): number | null {
  if (process.platform === 'win32') return null;
  const result = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  const size = Number((result.stdout as string | null)?.trim()); // null when getconf could not be started
  return result.status === 0 && Number.isInteger(size) && size > 0 ? size : null;
}

/** The environment variable that makes the native core simulate a larger page size (tests only). */
export const SIMULATED_PAGE_SIZE = 'STRONGROOM_SIMULATED_PAGE_SIZE';
