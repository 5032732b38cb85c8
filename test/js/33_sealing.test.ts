// Sealing methods: 'auto' probes pkey, then kernel-copy, then mprotect, and
// says why it fell back; a named method is that method or UNSUPPORTED.
// Under kernel-copy the pages stay no-access even inside a scope.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { SecretVault, SecureMemoryError, type PoolInfo, type SecretStatus } from '../../main';
import type { DoctorReport, DoctorRow } from '../../main/doctor-report';
import { native } from '../../main/native';
import { must } from './support/assertions';
import { readableStage, runNode } from './support/children';
import { isLinux, isRoot, packageRoot, which } from './support/platform';

function cpuHasPkeys(): boolean {
  return isLinux && /^flags\s*:.*\bospke\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
}

function rejects(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof SecureMemoryError && error.code === code);
}

const available = (['pkey', 'kernel-copy', 'mprotect'] as const).filter((method) => {
  if (method === 'pkey') return cpuHasPkeys();
  if (method === 'kernel-copy') return native.kernelCopyStatus().available;
  return process.platform !== 'win32';
});

test('the sealing option: four values, validated; a named method that is not here is UNSUPPORTED', () => {
  // What each value must give, from facts read independently of the vault
  // (cpuinfo's ospke, the kernel-copy probe): 'auto' the first method here,
  // a named method itself where it exists, else UNSUPPORTED.
  const first = process.platform === 'win32' ? 'none' : available[0];
  for (const sealing of ['auto', 'pkey', 'kernel-copy', 'mprotect'] as const) {
    for (const storage of ['pooled', 'isolated'] as const) {
      const vault = new SecretVault({ storage, sealing });
      const expected =
        sealing === 'auto'
          ? first
          : sealing === 'mprotect' && process.platform === 'win32'
            ? 'none'
            : available.includes(sealing)
              ? sealing
              : null;
      if (expected === null) {
        rejects(() => vault.generate(32), 'UNSUPPORTED');
        continue;
      }
      const status = vault.inspect(vault.generate(32));
      assert.equal(status.sealing, expected, `sealing: '${sealing}', ${storage}`);
      assert.equal(status.sealed, process.platform !== 'win32', `sealing: '${sealing}', ${storage}: sealed at rest`);
      vault.destroyAll();
    }
  }
  rejects(() => new SecretVault({ sealing: 'mlock' } as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault({ sealing: 1 } as never), 'INVALID_ARGUMENT');
  if (!cpuHasPkeys()) {
    for (const storage of ['pooled', 'isolated'] as const) {
      rejects(() => new SecretVault({ storage, sealing: 'pkey' }).generate(32), 'UNSUPPORTED');
    }
  }
  if (!native.kernelCopyStatus().available) {
    rejects(() => new SecretVault({ sealing: 'kernel-copy' }).generate(32), 'UNSUPPORTED');
  }
  // secretmem pages cannot be copied through /proc/self/mem: the kernel refuses.
  rejects(() => new SecretVault({ storage: 'pooled', backing: 'secretmem', sealing: 'kernel-copy' }).generate(32), 'UNSUPPORTED');
});

test('kernel copy is available on Linux here, and auto picks it where there are no protection keys', (t) => {
  const status = native.kernelCopyStatus();
  t.diagnostic(`kernel copy: ${status.available ? 'available' : status.reason}`);
  if (!isLinux) {
    assert.equal(status.available, false);
    return;
  }
  assert.equal(status.available, true, `${status.reason}`);
  for (const storage of ['pooled', 'isolated'] as const) {
    const vault = new SecretVault({ storage });
    const s = vault.inspect(vault.generate(32));
    assert.equal(s.sealing, cpuHasPkeys() ? 'pkey' : 'kernel-copy');
    if (!cpuHasPkeys()) assert.match(s.sealingFallbackReason ?? '', /^no protection key: /);
    vault.destroyAll();
  }
});

test('every available method round-trips generate, import, read, write and destroy, pooled and isolated', () => {
  for (const sealing of available) {
    for (const storage of ['pooled', 'isolated'] as const) {
      const vault = new SecretVault({ storage, sealing });
      const g = vault.generate(32);
      const s = vault.inspect(g);
      assert.equal(s.sealing, sealing, `${storage}/${sealing}`);
      assert.equal(s.sealed, true);
      assert.equal(s.canaryIntact, true);
      if (isLinux) assert.equal(s.lockVerified, true);
      const random = vault.read(g, (v) => Array.from(v));
      assert.notDeepEqual(random, new Array(32).fill(0));
      const source = Uint8Array.from({ length: 5 }, (_, i) => i + 1);
      const h = vault.import(source);
      assert.deepEqual(Array.from(source), [0, 0, 0, 0, 0]);
      vault.write(h, (v) => v.reverse());
      assert.deepEqual(
        vault.read(h, (v) => Array.from(v)),
        [5, 4, 3, 2, 1],
      );
      vault.destroy(h);
      vault.destroy(g);
      assert.equal(vault.stats().secrets, 0);
      vault.destroyAll();
    }
  }
});

test('a refused probe falls back to mprotect and says why, in poolInfo(), inspect() and doctor', (t) => {
  if (!isLinux) return t.skip('kernel copy is Linux-only');
  const cases = [
    { refusal: '/proc/self/mem:5', reason: /proc_mem\.force_override/ }, // what force_override=never answers: EIO
    { refusal: '/nonexistent/proc/self/mem', reason: /\/proc is not mounted/ },
    { refusal: '/dev/null', reason: /did not read back/ },
  ];
  for (const { refusal, reason } of cases) {
    const child = runNode(
      `
      const vault = new strongroom.SecretVault({ storage: 'pooled' });
      const h = vault.generate(32);
      const isolated = new strongroom.SecretVault().generate(32);
      const forced = (() => { try { new strongroom.SecretVault({ sealing: 'kernel-copy' }).generate(8); return 'created'; } catch (e) { return e.code; } })();
      const { runDoctor } = require(${JSON.stringify(path.join(packageRoot, 'dist', 'main', 'doctor.js'))});
      const row = runDoctor().rows.find((r) => r.check === 'sealing method');
      console.log(JSON.stringify({ info: vault.poolInfo(), status: vault.inspect(h), forced, row, value: vault.read(h, (v) => v.length) }));
      `,
      { env: { STRONGROOM_SIMULATED_KERNEL_COPY_REFUSAL: refusal } },
    );
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      info: PoolInfo;
      status: SecretStatus;
      forced: string;
      row: DoctorRow;
      value: number;
    };
    t.diagnostic(`${refusal}: ${String(out.info.sealingFallbackReason)}`);
    if (cpuHasPkeys()) {
      assert.equal(out.info.sealing, 'pkey');
      continue;
    }
    assert.equal(out.info.sealing, 'mprotect');
    assert.equal(out.status.sealing, 'mprotect');
    const fallbackReason = must(out.info.sealingFallbackReason, 'a fallback reason');
    assert.match(fallbackReason, /^no protection key: .*; no kernel copy: /);
    assert.match(fallbackReason, reason);
    assert.equal(out.forced, 'UNSUPPORTED');
    assert.equal(out.value, 32);
    assert.equal(out.row.verdict, 'degraded');
    assert.match(out.row.value, reason);
    assert.ok(out.row.advice);
  }
});

test('doctor names the sealing method', () => {
  const run = spawnSync(process.execPath, [path.join(packageRoot, 'bin', 'strongroom.js'), 'doctor', '--json'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const row = (JSON.parse(run.stdout) as DoctorReport).rows.find((r) => r.check === 'sealing method');
  assert.ok(row, 'a sealing method row');
  if (isLinux) {
    assert.match(row.value, cpuHasPkeys() ? /^pkey/ : /^kernel-copy/);
    assert.equal(row.verdict, 'ok');
  }
});

test('unprivileged under RLIMIT_MEMLOCK, after hardening.disableCoreDumps(): kernel-copy keeps working', (t) => {
  if (!isLinux) return t.skip('kernel copy is Linux-only');
  if (!isRoot()) return t.skip('needs root to start a child as nobody');
  const setpriv = which('setpriv');
  const prlimit = which('prlimit');
  if (setpriv === null || prlimit === null) return t.skip('setpriv and prlimit (util-linux) are needed');
  // Started unprivileged, so /proc/self/mem is opened by nobody while still
  // dumpable (when the addon loads); disableCoreDumps() then makes the process
  // undumpable, after which nobody could no longer open it.
  const child = runNode(
    `
    const fs = require('fs');
    const capEff = /CapEff:\\s+([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
    strongroom.hardening.disableCoreDumps();
    const dumpable = strongroom.hardening.status().dumpable;
    let reopen;
    try { fs.closeSync(fs.openSync('/proc/self/mem', 'r')); reopen = 'opened'; } catch (e) { reopen = e.code; }
    const out = { uid: process.getuid(), capEff, dumpable, reopen };
    for (const storage of ['pooled', 'isolated']) {
      // Forced: where the CPU has keys, auto would pick pkey and never test this.
      const vault = new strongroom.SecretVault({ storage, sealing: 'kernel-copy' });
      const h = vault.generate(32);
      vault.write(h, (v) => v.fill(9));
      const s = vault.inspect(h);
      out[storage] = { sealing: s.sealing, lockVerified: s.lockVerified, sealed: s.sealed, sum: vault.read(h, (v) => v.reduce((a, b) => a + b, 0)) };
      vault.destroyAll(); // gives the pool's arena (the whole budget) back
    }
    console.log(JSON.stringify(out));
    `,
    {
      prefix: [setpriv, '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', prlimit, '--memlock=65536:65536', '--'],
      // nobody loads the package from a world-readable copy: the checkout may be in a 0700 folder.
      entry: path.join(readableStage(), 'dist', 'main', 'index.js'),
    },
  );
  assert.equal(child.status, 0, child.stderr);
  type Sealed = { sealing: string; lockVerified: boolean | null; sealed: boolean; sum: number };
  const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    uid: number;
    capEff: string;
    dumpable: boolean | null;
    reopen: string;
    pooled: Sealed;
    isolated: Sealed;
  };
  assert.equal(out.uid, 65534);
  assert.equal(BigInt('0x' + out.capEff) & (1n << 14n), 0n, 'no CAP_IPC_LOCK');
  assert.equal(out.dumpable, false);
  assert.equal(out.reopen, 'EACCES', 'a fresh open of /proc/self/mem is refused once undumpable');
  for (const storage of ['pooled', 'isolated'] as const) {
    assert.equal(out[storage].sealing, 'kernel-copy', storage);
    assert.equal(out[storage].lockVerified, true);
    assert.equal(out[storage].sealed, true);
    assert.equal(out[storage].sum, 9 * 32);
  }
});
