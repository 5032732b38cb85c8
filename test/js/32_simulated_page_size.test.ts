// The page-size-sensitive suites again, in child processes whose native core
// simulates larger pages (STRONGROOM_SIMULATED_PAGE_SIZE): 16 KiB as on Apple
// silicon, or 64 KiB where the OS already has 16 KiB. A test or code path that
// assumes 4 KiB pages fails here on any machine, not only on a 16 KiB one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

import { runNode } from './support/children';
import { osPageSize, SIMULATED_PAGE_SIZE } from './support/platform';

const SUITES = [
  '12_platform_info',
  '21_vault_generate',
  '22_vault_import',
  '23_vault_read_write',
  '24_vault_handles',
  '16_lock_budget',
  '30_pooled_storage',
  '50_vault_wallet',
];

const osPage = osPageSize();
const simulated = osPage !== null && osPage >= 16384 ? 65536 : 16384;
const skip = process.env[SIMULATED_PAGE_SIZE]
  ? 'already running under a simulated page size'
  : osPage === null && 'the simulation is tested where getconf reports the OS page size (Linux, macOS)';

test(`platformInfo().pageSize and every allocation follow ${SIMULATED_PAGE_SIZE}`, { skip }, () => {
  const child = runNode(
    `const v = new strongroom.SecretVault();
     const before = strongroom.platformInfo().lockedBytes;
     v.generate(32);
     const after = strongroom.platformInfo().lockedBytes;
     console.log(JSON.stringify({
       pageSize: strongroom.platformInfo().pageSize,
       vaultLocked: v.stats().lockedBytes,
       osLocked: before === null ? null : after - before,
     }));
     v.destroyAll();
     setTimeout(() => {}, 200); // log entries reach JavaScript asynchronously`,
    { env: { [SIMULATED_PAGE_SIZE]: String(simulated) } },
  );
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim()) as { pageSize: number; vaultLocked: number; osLocked: number | null };
  assert.equal(out.pageSize, simulated);
  // One 32-byte secret holds one whole simulated page, and the OS (VmLck) agrees.
  assert.equal(out.vaultLocked, simulated);
  if (out.osLocked !== null) assert.equal(out.osLocked, simulated);
  assert.match(child.stderr, new RegExp(`${SIMULATED_PAGE_SIZE}: simulating ${simulated}-byte pages`));
});

test(`a ${SIMULATED_PAGE_SIZE} that is not a power of two at least the OS page is refused loudly and ignored`, { skip }, () => {
  for (const value of ['12288', String(osPage! / 2), '16k', '131072']) {
    const child = runNode('console.log(strongroom.platformInfo().pageSize); setTimeout(() => {}, 200);', {
      env: { [SIMULATED_PAGE_SIZE]: value },
    });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(Number(child.stdout.trim()), osPage, `${value} must not change the page size`);
    assert.match(child.stderr, new RegExp(`${SIMULATED_PAGE_SIZE}="${value}" .*; ignored`));
  }
});

test(`the page-size-sensitive suites pass with ${SIMULATED_PAGE_SIZE}`, { skip, timeout: 120_000 }, () => {
  const files = SUITES.map((name) => path.join(__dirname, `${name}.test.js`));
  // Without NODE_TEST_CONTEXT the child is a test runner of its own, not a
  // subtest that reports into this one and exits 0 whatever happened.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const child = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], {
    encoding: 'utf8',
    env: { ...env, [SIMULATED_PAGE_SIZE]: String(simulated) },
    timeout: 110_000,
  });
  assert.equal(child.status, 0, `under ${simulated}-byte pages:\n${child.stdout}\n${child.stderr}`);
  // Every suite ran: a file that failed to load or was skipped whole would not count.
  const passed = Number(/^# pass (\d+)$/m.exec(child.stdout)?.[1]);
  assert.ok(passed >= SUITES.length * 2, `only ${passed} tests passed:\n${child.stdout}`);
});
