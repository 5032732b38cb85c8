// A child without CAP_IPC_LOCK under RLIMIT_MEMLOCK = 64 KiB.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { platformInfo, type SecretStatus, type VaultStats } from '../../main';
import { runNode } from './support/children';
import { entryPoint, isLinux, isRoot, PROC_STATUS_SOURCE, which } from './support/platform';

const LIMIT = 64 * 1024;

// Runs `body` with `strongroom` loaded, then privileges dropped to nobody if
// we are root (root may lock past the limit), under a 64 KiB memlock limit.
function runLimited(body: string) {
  const prlimit = which('prlimit')!;
  const drop = isRoot() ? 'process.setgroups([]); process.setgid(65534); process.setuid(65534);' : '';
  return runNode(
    `
    ${drop}
    ${PROC_STATUS_SOURCE}
    const capEff = procStatus('CapEff');
    if (BigInt('0x' + capEff) & (1n << 14n)) { console.log(JSON.stringify({ cannotDrop: true })); process.exit(0); }
    const out = {};
    (async () => {
      ${body}
      console.log(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });
    `,
    { prefix: [prlimit, `--memlock=${LIMIT}:${LIMIT}`, '--'] },
  );
}

test("'require': generate fails with LOCK_FAILED once the budget is used; earlier secrets stay intact", (t) => {
  if (!isLinux) return t.skip('RLIMIT_MEMLOCK children are set up with prlimit (Linux)');
  if (which('prlimit') === null) return t.skip('prlimit (util-linux) is not installed');
  const child = runLimited(`
    const vault = new strongroom.SecretVault({ lockPolicy: 'require' });
    const handles = [];
    let failure;
    for (let i = 0; i < 64; i++) {
      try {
        handles.push(vault.import(Uint8Array.from({ length: 32 }, (_, j) => (i + j) & 0xff)));
      } catch (e) {
        failure = e;
        break;
      }
    }
    const refused = Uint8Array.from({ length: 32 }, () => 0x5a);
    try { vault.import(refused); } catch (e) { out.refusedCode = e.code; }
    out.refusedKept = refused.every((b) => b === 0x5a);
    out.created = handles.length;
    out.failure = failure && { name: failure.name, code: failure.code, errno: failure.errno, syscall: failure.syscall, message: failure.message };
    out.intact = handles.every((h, i) => vault.read(h, (v) => v.every((b, j) => b === ((i + j) & 0xff))));
    out.stats = vault.stats();
  `);
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim()) as {
    cannotDrop?: boolean;
    created: number;
    failure?: { name: string; code: string; errno: number; syscall: string; message: string };
    intact: boolean;
    refusedCode: string;
    refusedKept: boolean;
    stats: VaultStats;
  };
  if (out.cannotDrop) return t.skip('could not drop CAP_IPC_LOCK in the child');
  assert.ok(out.created >= 1 && out.created <= LIMIT / platformInfo().pageSize, `created ${out.created} secrets within 64 KiB`);
  assert.ok(out.failure, 'the budget must run out');
  assert.equal(out.failure.name, 'SecureMemoryError');
  assert.equal(out.failure.code, 'LOCK_FAILED');
  // mlock2 (lock on fault) where regions seal by kernel copy: their pages are never opened.
  assert.match(out.failure.syscall, /^mlock2?$/);
  assert.ok([1, 12].includes(out.failure.errno), `errno EPERM or ENOMEM, got ${out.failure.errno}`);
  assert.match(out.failure.message, /RLIMIT_MEMLOCK|ulimit/);
  assert.equal(out.intact, true, 'earlier secrets read back intact');
  assert.equal(out.refusedCode, 'LOCK_FAILED');
  assert.equal(out.refusedKept, true, "a failed import leaves the caller's bytes as they were");
  assert.equal(out.stats.secrets, out.created, 'the failed call left no secret behind');
  assert.equal(out.stats.unlockedSecrets, 0);
});

test("'best-effort': the secret is created unlocked, inspect says so, and a warning is logged", (t) => {
  if (!isLinux) return t.skip('RLIMIT_MEMLOCK children are set up with prlimit (Linux)');
  if (which('prlimit') === null) return t.skip('prlimit (util-linux) is not installed');
  const child = runLimited(`
    const logs = [];
    strongroom.onLog((entry) => logs.push(entry));
    const vault = new strongroom.SecretVault({ lockPolicy: 'best-effort', maxSecretSize: 1 << 20 });
    const big = vault.generate(2 * ${LIMIT});
    out.status = vault.inspect(big);
    out.stats = vault.stats();
    out.readable = vault.read(big, (v) => v.length);
    await new Promise((r) => setTimeout(r, 50));
    out.logs = logs;
  `);
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim()) as {
    cannotDrop?: boolean;
    status: SecretStatus;
    stats: VaultStats;
    readable: number;
    logs: { level: string; message: string }[];
  };
  if (out.cannotDrop) return t.skip('could not drop CAP_IPC_LOCK in the child');
  assert.equal(out.status.locked, false);
  assert.equal(out.status.lockVerified, false, 'the OS confirms the pages are not locked');
  assert.equal(out.status.dumpExcluded, true, 'dump exclusion still applies');
  assert.equal(out.stats.unlockedSecrets, 1);
  assert.equal(out.stats.lockedBytes, 0);
  assert.equal(out.readable, 2 * LIMIT);
  assert.ok(
    out.logs.some((e) => e.level === 'warn' && /not locked/.test(e.message)),
    `a warning reached onLog: ${JSON.stringify(out.logs)}`,
  );
});

test("a worker that loads strongroom and exits leaves the main thread's onLog working", (t) => {
  if (!isLinux) return t.skip('RLIMIT_MEMLOCK children are set up with prlimit (Linux)');
  const prlimit = which('prlimit');
  if (prlimit === null) return t.skip('prlimit (util-linux) is not installed');
  // The worker starts and ends before privileges are dropped (it must read
  // the package); then an over-budget lock makes the core warn.
  const drop = isRoot() ? 'process.setgroups([]); process.setgid(65534); process.setuid(65534);' : '';
  const child = runNode(
    `
    const { Worker } = require('node:worker_threads');
    const logs = [];
    strongroom.onLog((entry) => logs.push(entry));
    (async () => {
      const worker = new Worker(${JSON.stringify(`require(${JSON.stringify(entryPoint)}); require('node:worker_threads').parentPort.postMessage('loaded');`)}, { eval: true });
      await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
      await worker.terminate();
      ${drop}
      const vault = new strongroom.SecretVault({ lockPolicy: 'best-effort' });
      vault.generate(2 * ${LIMIT});
      await new Promise((r) => setTimeout(r, 100));
      console.log(JSON.stringify({ logs }));
    })().catch((e) => { console.error(e); process.exit(1); });
    `,
    { prefix: [prlimit, `--memlock=${LIMIT}:${LIMIT}`, '--'] },
  );
  assert.equal(child.status, 0, child.stderr);
  const { logs } = JSON.parse(child.stdout.trim()) as { logs: { level: string; message: string }[] };
  assert.ok(
    logs.some((e) => e.level === 'warn' && /not locked/.test(e.message)),
    `main still hears the core: ${JSON.stringify(logs)}`,
  );
});
