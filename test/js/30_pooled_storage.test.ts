// storage: 'pooled' — many small secrets in shared locked arenas, with what
// the OS says about them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { platformInfo, SecretVault, type PoolInfo } from '../../main';
import { native } from '../../main/native';
import { must, rejects } from './support/assertions';
import { runNode } from './support/children';
import { isDarwin, isLinux, isRoot, PROC_STATUS_SOURCE, vmLck, which } from './support/platform';
import { sealingUnderTest } from './support/sealing';

/** The sealing method these suites force (scripts/test-js.js runs them once per method). */
const sealing = sealingUnderTest();

const ARENA = native.defaultArenaSize;

/** The CPU offers protection keys to this process: `ospke` on x86-64 Linux, the only place the pool uses them. */
function cpuHasPkeys(): boolean {
  return isLinux && process.arch === 'x64' && /^flags\s*:.*\bospke\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
}

test('a pooled secret: inspect says what the OS says, and that guards fence the arena, not the secret', () => {
  const vault = new SecretVault({ storage: 'pooled', sealing });
  const h = vault.generate(32);
  const status = vault.inspect(h);
  const info = vault.poolInfo()!;
  assert.equal(status.storage, 'pooled');
  assert.equal(status.size, 32);
  assert.equal(status.locked, true);
  // Read back from /proc/self/maps, VirtualQuery or mach_vm_region_recurse.
  assert.equal(status.guardPages, true);
  assert.equal(status.guardPagesAround, 'arena');
  assert.equal(status.canaryIntact, true);
  assert.equal(status.backing, 'anonymous');
  assert.equal(status.sealing, info.sealing);
  if (isLinux) {
    assert.equal(status.lockVerified, true);
    assert.equal(status.dumpExcluded, true);
    assert.equal(status.forkExcluded, true);
    assert.equal(status.sealed, true);
  }
  if (isDarwin) {
    // Wire count, inheritance and protection of the arena's map entries.
    assert.equal(status.lockVerified, true);
    assert.equal(status.dumpExcluded, null);
    assert.equal(status.forkExcluded, true);
    assert.equal(status.sealed, true);
  }
  if (process.platform === 'win32') assert.equal(status.sealing, 'none');
  // A fallback says why; a forced method is no fallback.
  if (status.sealing !== 'pkey' && sealing === 'auto') assert.ok(info.sealingFallbackReason, 'a fallback says why');
  vault.destroyAll();
});

test("sealing: 'pkey' wherever the CPU has protection keys, else 'kernel-copy' where the kernel allows it, else an honest 'mprotect'", (t) => {
  const vault = new SecretVault({ storage: 'pooled', sealing: 'auto' });
  const h = vault.generate(16);
  const status = vault.inspect(h);
  const info = vault.poolInfo()!;
  t.diagnostic(`sealing ${info.sealing}: ${info.sealingFallbackReason ?? 'protection key in use'}`);
  if (cpuHasPkeys()) {
    // A silent fall back to mprotect on a CPU with keys is a failure, not a skip.
    assert.equal(status.sealing, 'pkey', `the CPU has ospke: ${info.sealingFallbackReason}`);
    assert.equal(info.sealing, 'pkey');
    assert.equal(info.sealingFallbackReason, null);
  } else {
    // No keys: Windows rests read-only (no seal), Linux copies through the
    // kernel where it may, every other OS seals with mprotect, and says why.
    const kernelCopy = native.kernelCopyStatus().available;
    assert.equal(status.sealing, process.platform === 'win32' ? 'none' : kernelCopy ? 'kernel-copy' : 'mprotect');
    if (isLinux) assert.equal(kernelCopy, true, `kernel copy works on Linux: ${native.kernelCopyStatus().reason}`);
    assert.ok(info.sealingFallbackReason, 'a fallback says why');
    if (isLinux) assert.match(info.sealingFallbackReason, /protection key|pkey/);
  }
  vault.destroyAll();
});

test('read, write and import work as with isolated storage; import wipes the source', () => {
  const vault = new SecretVault({ storage: 'pooled', sealing });
  const source = Uint8Array.from({ length: 33 }, (_, i) => i + 1);
  const h = vault.import(source);
  assert.ok(
    source.every((b) => b === 0),
    'the source is wiped',
  );
  assert.deepEqual(
    vault.read(h, (v) => Array.from(v)),
    Array.from({ length: 33 }, (_, i) => i + 1),
  );
  vault.write(h, (v) => v.fill(7));
  assert.ok(vault.read(h, (v) => v.every((b) => b === 7)));
  assert.equal(vault.inspect(h).canaryIntact, true);
  vault.destroy(h);
  rejects(() => vault.read(h, () => 0), 'INVALID_HANDLE');
  vault.destroyAll();
});

test('the plain pool functions act on the pool their id names, and refuse a destroyed, forged or mistyped id', () => {
  const a = new native.Pool(ARENA, 1024, true, 'auto', 'anonymous');
  const b = new native.Pool(ARENA, 1024, true, 'auto', 'anonymous');
  assert.notEqual(a.id, b.id);
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const chunk = native.poolImportFrom(a.id, secret.slice());
  assert.equal(a.stats(false).chunks, 1);
  assert.equal(b.stats(false).chunks, 0, 'the other pool is untouched');
  const out = new Uint8Array(32);
  native.poolReadInto(a.id, chunk, out);
  assert.deepEqual(out, secret);
  native.poolWrite(a.id, chunk, new Uint8Array(32).fill(9));
  a.readInto(chunk, out);
  assert.deepEqual(out, new Uint8Array(32).fill(9), 'the method and the function see the same chunk');
  const generated = native.poolGenerate(a.id, 16);
  assert.equal(a.record(generated).size, 16);
  native.poolFree(a.id, generated);
  native.poolFree(a.id, chunk);
  assert.equal(a.stats(false).chunks, 0);
  const refusedId = (id: unknown) =>
    assert.throws(
      () => native.poolAllocate(id as number, 32),
      (error: unknown) => (error as { code?: string }).code === 'INVALID_ARGUMENT' && /not a live pool id/.test(String(error)),
      `pool id ${String(id)}`,
    );
  const destroyed = a.id;
  a.destroy();
  for (const id of [destroyed, destroyed + 0.5, -1, 2 ** 40, Number.NaN, String(b.id), undefined]) refusedId(id);
  native.poolFree(b.id, native.poolAllocate(b.id, 8)); // the live pool still works
  b.destroy();
  refusedId(b.id);
});

test('storage per call overrides the vault; options are validated', () => {
  const vault = new SecretVault({ sealing });
  const pooled = vault.generate(32, { storage: 'pooled' });
  const isolated = vault.generate(32);
  assert.equal(vault.inspect(pooled).storage, 'pooled');
  assert.equal(vault.inspect(isolated).storage, 'isolated');
  assert.equal(vault.inspect(isolated).guardPagesAround, 'secret');
  const stats = vault.stats();
  assert.equal(stats.secrets, 2);
  assert.equal(stats.pooledSecrets, 1);
  const page = platformInfo().pageSize;
  assert.equal(stats.lockedBytes, native.poolSlotSize(32) + page * Math.ceil((32 + native.canarySize) / page));
  const pooledVault = new SecretVault({ storage: 'pooled', sealing });
  assert.equal(pooledVault.inspect(pooledVault.import(new Uint8Array([1, 2]), { storage: 'isolated' })).storage, 'isolated');
  rejects(() => vault.generate(32, { storage: 'disk' } as never), 'INVALID_ARGUMENT');
  rejects(() => vault.generate(32, null as never), 'INVALID_ARGUMENT');
  rejects(() => vault.generate(32, { storage: 'pooled', extra: 1 } as never), 'INVALID_ARGUMENT');
  rejects(() => vault.import(new Uint8Array(4), [] as never), 'INVALID_ARGUMENT');
  const secretmem = new SecretVault({ storage: 'pooled', backing: 'secretmem' });
  rejects(() => secretmem.generate(32, { storage: 'isolated' }), 'UNSUPPORTED');
  vault.destroyAll();
  pooledVault.destroyAll();
});

test(
  '1,000 pooled secrets lock one arena, not 1,000 pages; the OS confirms each; destroyAll gives it back',
  { skip: !isLinux && 'VmLck is Linux-only' },
  () => {
    const vault = new SecretVault({ storage: 'pooled', sealing });
    vault.destroyAll(); // trims any arena left by earlier tests
    const baseline = vmLck()!;
    const handles = Array.from({ length: 1000 }, () => vault.generate(32));
    const grew = vmLck()! - baseline;
    assert.ok(grew > 0 && grew <= ARENA, `VmLck grew by ${grew} bytes (one arena is ${ARENA})`);
    const info = vault.poolInfo()!;
    assert.equal(info.chunks, 1000);
    assert.equal(info.used, 1000 * 40, 'a 32-byte secret costs 40 locked bytes');
    assert.equal(info.chunksLocked, 1000, 'the OS says every arena holding them is locked');
    assert.equal(info.locked, info.total);
    const distinct = new Set(handles.map((h) => vault.read(h, (v) => Buffer.from(v).toString('hex'))));
    assert.equal(distinct.size, 1000, 'every secret holds its own bytes');
    assert.equal(vault.destroyAll(), 1000);
    assert.equal(vault.poolInfo()!.arenas, 0, 'empty arenas went back to the OS');
    assert.equal(vmLck(), baseline, 'VmLck back to its baseline');
  },
);

test(
  '100,000 pooled generate/destroy cycles leave stats, pool and VmLck at their baselines',
  { skip: !isLinux && 'VmLck is Linux-only' },
  () => {
    const vault = new SecretVault({ storage: 'pooled', sealing });
    vault.destroyAll();
    const lockedBefore = vmLck();
    const statsBefore = vault.stats();
    for (let i = 0; i < 100_000; i++) vault.destroy(vault.generate(32));
    const after = vault.stats();
    assert.deepEqual({ ...after, created: 0, destroyed: 0 }, { ...statsBefore, created: 0, destroyed: 0 });
    assert.equal(vault.poolInfo()!.chunks, 0);
    assert.ok(vault.poolInfo()!.arenas <= 1, 'at most one spare arena kept');
    vault.destroyAll();
    assert.equal(vmLck(), lockedBefore);
  },
);

test("backing: 'secretmem' where the kernel has memfd_secret, else an honest fallback", () => {
  const vault = new SecretVault({ storage: 'pooled', backing: 'secretmem' });
  const h = vault.generate(32);
  const status = vault.inspect(h);
  const info = vault.poolInfo()!;
  if (native.memfdSecretAvailable() === true) {
    assert.equal(status.backing, 'secretmem');
    assert.equal(info.backing, 'secretmem');
    assert.equal(info.backingFallbackReason, null);
    assert.equal(status.lockVerified, true, 'secretmem pages are locked by the kernel');
    assert.equal(status.dumpExcluded, true);
  } else {
    assert.equal(status.backing, 'anonymous');
    assert.ok(info.backingFallbackReason, 'the fallback says why');
  }
  assert.equal(
    vault.read(h, (v) => v.length),
    32,
  );
  vault.destroyAll();
});

test('RLIMIT_MEMLOCK = 64 KiB, unprivileged: the first arena is capped to the budget and every secret in it is OS-verified locked', (t) => {
  if (!isLinux) return t.skip('RLIMIT_MEMLOCK children are set up with prlimit (Linux)');
  const prlimit = which('prlimit');
  if (prlimit === null) return t.skip('prlimit (util-linux) is not installed');
  const drop = isRoot() ? 'process.setgroups([]); process.setgid(65534); process.setuid(65534);' : '';
  const child = runNode(
    `${drop}
    ${PROC_STATUS_SOURCE}
    const capEff = procStatus('CapEff');
    if (BigInt('0x' + capEff) & (1n << 14n)) { console.log(JSON.stringify({ cannotDrop: true })); process.exit(0); }
    const vault = new strongroom.SecretVault({ storage: 'pooled', sealing: ${JSON.stringify(sealing)} });
    let count = 0, failure;
    for (;;) { try { vault.generate(32); count++; } catch (e) { failure = { code: e.code, syscall: e.syscall }; break; } }
    const page = strongroom.platformInfo().pageSize;
    const lockedAtEnd = Number(procStatus('VmLck')) * 1024;
    console.log(JSON.stringify({ count, failure, info: vault.poolInfo(), page, lockedAtEnd }));`,
    { prefix: [prlimit, '--memlock=65536:65536', '--'] },
  );
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim()) as {
    cannotDrop?: boolean;
    count: number;
    failure?: { code: string; syscall: string };
    info: PoolInfo;
    page: number;
    lockedAtEnd: number;
  };
  if (out.cannotDrop) return t.skip('could not drop CAP_IPC_LOCK in the child');
  // Kernel copy locks one scratch page per thread that uses it (when the
  // addon loads, where it is auto's choice, else when a kernel-copy pool is
  // made): the arena gets the rest of the budget. What else is locked, from VmLck:
  const otherLocked = out.lockedAtEnd - must(out.info.locked, "the OS's count of the arena's locked bytes");
  assert.ok(otherLocked === 0 || otherLocked === out.page, `locked besides the arena: ${otherLocked}`);
  const budget = 65536 - otherLocked;
  assert.equal(out.count, Math.floor(budget / 40), `${Math.floor(budget / 40)} secrets of 40 bytes in one ${budget / 1024} KiB arena`);
  assert.equal(out.failure?.code, 'LOCK_FAILED');
  assert.equal(out.info.arenas, 1);
  assert.equal(out.info.total, budget);
  assert.equal(out.info.chunksLocked, out.count, 'the OS confirms every one locked');
});
