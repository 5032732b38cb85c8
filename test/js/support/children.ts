// Child node processes: a snippet run against the package, a child that
// signals it is ready, and a world-readable copy of the package for children
// that run as another user.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { at } from './assertions';
import { entryPoint, packageRoot } from './platform';

/** Runs a JavaScript snippet in a fresh node process with `strongroom` bound to the package. */
export function runNode(
  source: string,
  options: { args?: string[]; prefix?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number; entry?: string } = {},
): SpawnSyncReturns<string> {
  const script = `const strongroom = require(${JSON.stringify(options.entry ?? entryPoint)});\n${source}`;
  const argv = [...(options.prefix ?? []), process.execPath, ...(options.args ?? []), '-e', script];
  return spawnSync(at(argv, 0, 'a command'), argv.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 60_000,
  });
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
