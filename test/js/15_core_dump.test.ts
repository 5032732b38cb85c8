// A real, falsifiable dump test: gcore a child that holds secrets and a
// plain Buffer; the Buffer's pattern must be in the core, the secrets' not.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { entryPoint, isLinux, skipUnlessCI } from './support/platform';
import { gdbTools, countInFile, gcore, startTraceableChild } from './support/tracing';

// Patterns are computed, never written out, so neither the test's source nor
// the child's script text can contain them.
const patternSource = `(seed) => Uint8Array.from({ length: 48 }, (_, i) => (i * 73 + seed * 29 + 17) & 0xff)`;
const makePattern = eval(patternSource) as (seed: number) => Uint8Array;
const SECRET_SEED = 3;
const CONTROL_SEED = 5;

test('gcore of a child: the plain Buffer is in the core, the 20 secrets are not', async (t) => {
  if (!isLinux) return t.skip('gcore and MADV_DONTDUMP are Linux facts');
  const tools = gdbTools(t);
  if (tools === null) return;
  const { gdb, preload } = tools;

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
  const { child } = await startTraceableChild(script, preload);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-core-'));
  try {
    const core = gcore(gdb, child.pid!, dir);
    if (typeof core !== 'string') return skipUnlessCI(t, core.refused);

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
