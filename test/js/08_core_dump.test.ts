// A real, falsifiable dump test: gcore a child that holds secrets and a
// plain Buffer; the Buffer's pattern must be in the core, the secrets' not.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { entryPoint, isLinux, which } from './helpers';

// Patterns are computed, never written out, so neither the test's source nor
// the child's script text can contain them.
const patternSource = `(seed) => Uint8Array.from({ length: 48 }, (_, i) => (i * 73 + seed * 29 + 17) & 0xff)`;
const makePattern = eval(patternSource) as (seed: number) => Uint8Array;
const SECRET_SEED = 3;
const CONTROL_SEED = 5;

function countInFile(file: string, needle: Buffer): number {
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

test('gcore of a child: the plain Buffer is in the core, the 20 secrets are not', async (t) => {
  if (!isLinux) return t.skip('gcore and MADV_DONTDUMP are Linux facts');
  const gdb = which('gdb');
  if (gdb === null) return t.skip('gdb is not installed (apt-get install gdb); .ci/run installs it');

  const script = `
    const strongroom = require(${JSON.stringify(entryPoint)});
    const pattern = ${patternSource};
    const vault = new strongroom.SecretVault();
    const handles = [];
    for (let i = 0; i < 20; i++) handles.push(vault.import(pattern(${SECRET_SEED})));
    const control = Buffer.from(pattern(${CONTROL_SEED}));
    globalThis.keep = { handles, control };
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-core-'));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (data: Buffer) => {
        if (data.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const core = path.join(dir, 'core');
    const gcore = spawnSync(gdb, ['-batch', '-nx', '-ex', `gcore ${core}`, '-p', String(child.pid)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (!fs.existsSync(core) && /ptrace: Operation not permitted/.test(gcore.stderr)) {
      return t.skip('ptrace is not permitted here (yama ptrace_scope or no CAP_SYS_PTRACE)');
    }
    assert.ok(fs.existsSync(core), `gcore wrote no core: ${gcore.stderr}`);

    const control = countInFile(core, Buffer.from(makePattern(CONTROL_SEED)));
    const secret = countInFile(core, Buffer.from(makePattern(SECRET_SEED)));
    t.diagnostic(`core ${(fs.statSync(core).size / 2 ** 20).toFixed(0)} MiB: control pattern x${control}, secret pattern x${secret}`);
    assert.ok(control >= 1, 'the control Buffer must be found, or the test proves nothing');
    assert.equal(secret, 0, 'no copy of the secrets may be in the core');
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
