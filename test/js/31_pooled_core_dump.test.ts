// Dump exclusion for pooled storage, as a falsifiable fact: gcore a child
// holding pooled secrets (anonymous and secretmem arenas) and a plain Buffer;
// the Buffer's pattern must be in the core, the secrets' patterns not.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { entryPoint, isLinux, skipUnlessCI } from './support/platform';
import { gdbTools, countInFile, gcore, startTraceableChild } from './support/tracing';

// Computed, never written out, so no script text contains the patterns.
const patternSource = `(seed) => Uint8Array.from({ length: 40 }, (_, i) => (i * 89 + seed * 31 + 11) & 0xff)`;
const makePattern = eval(patternSource) as (seed: number) => Uint8Array;
const POOLED_SEED = 7;
const SECRETMEM_SEED = 9;
const CONTROL_SEED = 13;

test('gcore of a child: the plain Buffer is in the core, pooled secrets (anonymous and secretmem arenas) are not', async (t) => {
  if (!isLinux) return t.skip('gcore and MADV_DONTDUMP are Linux facts');
  const tools = gdbTools(t);
  if (tools === null) return;
  const { gdb, preload } = tools;

  const script = `
    const strongroom = require(${JSON.stringify(entryPoint)});
    const pattern = ${patternSource};
    const pooled = new strongroom.SecretVault({ storage: 'pooled' });
    const deep = new strongroom.SecretVault({ storage: 'pooled', backing: 'secretmem' });
    const handles = [];
    for (let i = 0; i < 50; i++) handles.push(pooled.import(pattern(${POOLED_SEED})));
    for (let i = 0; i < 50; i++) handles.push(deep.import(pattern(${SECRETMEM_SEED})));
    const control = Buffer.from(pattern(${CONTROL_SEED}));
    globalThis.keep = { handles, control };
    process.stdout.write(JSON.stringify({ ready: true, backing: deep.poolInfo().backing }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const { child, line } = await startTraceableChild(script, preload);
  const hello = JSON.parse(line) as { backing: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-pooled-core-'));
  try {
    const core = gcore(gdb, child.pid!, dir);
    if (typeof core !== 'string') return skipUnlessCI(t, core.refused);
    const control = countInFile(core, Buffer.from(makePattern(CONTROL_SEED)));
    const pooled = countInFile(core, Buffer.from(makePattern(POOLED_SEED)));
    const secretmem = countInFile(core, Buffer.from(makePattern(SECRETMEM_SEED)));
    t.diagnostic(`control x${control}, pooled x${pooled}, ${hello.backing} x${secretmem}`);
    assert.ok(control >= 1, 'the control Buffer must be found, or the test proves nothing');
    assert.equal(pooled, 0, 'no copy of the pooled secrets may be in the core');
    assert.equal(secretmem, 0, 'no copy of the secretmem-backed secrets may be in the core');
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
