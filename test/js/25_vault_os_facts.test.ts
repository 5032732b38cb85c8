import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

import { platformInfo, SecretVault, type SecretStatus } from '../../main';
import { native } from '../../main/native';
import { must } from './support/assertions';
import { runNode } from './support/children';
import { osTamper } from './support/os-tamper-module';
import { entryPoint, isDarwin, isLinux, isRoot, packageRoot, skipUnlessCI, vmLck, which } from './support/platform';
import { gdbTools, ptraceRefusedReason, startTraceableChild } from './support/tracing';
import {
  firstArenaBytes,
  generateAndLocate,
  isolatedMappingBytes,
  readBothWays,
  readSmaps,
  reportedFacts,
  type OsFacts,
  type Range,
} from './support/proc-maps';
import { sealingUnderTest } from './support/sealing';

/** The sealing method these suites force (scripts/test-js.js runs them once per method). */
const sealing = sealingUnderTest();

test(
  'generate(32): the OS shows the pages locked and out of dumps; destroy gives them back',
  { skip: !isLinux && 'smaps/VmLck read-back is Linux-only' },
  () => {
    const page = platformInfo().pageSize;
    const vault = new SecretVault({ sealing });
    const baseline = vmLck()!;
    const h = vault.generate(32);
    assert.ok(vmLck()! - baseline >= page, 'VmLck grew by at least one page');
    const status = vault.inspect(h);
    assert.deepEqual(
      {
        size: status.size,
        storage: status.storage,
        locked: status.locked,
        lockVerified: status.lockVerified,
        dumpExcluded: status.dumpExcluded,
        forkExcluded: status.forkExcluded,
        guardPages: status.guardPages,
        sealed: status.sealed,
        canaryIntact: status.canaryIntact,
        // A protection key where the CPU has one, else kernel copy, else mprotect: all seal.
        sealing: status.sealing === 'pkey' || status.sealing === 'kernel-copy' ? 'mprotect' : status.sealing,
      },
      {
        size: 32,
        storage: 'isolated',
        locked: true,
        lockVerified: true,
        dumpExcluded: true,
        forkExcluded: true,
        guardPages: true,
        sealed: true,
        canaryIntact: true,
        sealing: 'mprotect',
      },
    );
    assert.equal(vault.stats().lockedBytes, page);
    vault.destroy(h);
    assert.equal(vmLck(), baseline, 'VmLck back to its baseline');
  },
);

test(
  'macOS: a fresh secret, isolated or pooled, is wired, guarded, sealed and kept from forks, as mach_vm_region_recurse reports',
  { skip: !isDarwin && 'macOS read-back' },
  () => {
    for (const storage of ['isolated', 'pooled'] as const) {
      const vault = new SecretVault({ storage, sealing });
      const status = vault.inspect(vault.generate(32));
      assert.deepEqual(
        {
          locked: status.locked,
          lockVerified: status.lockVerified,
          guardPages: status.guardPages,
          sealed: status.sealed,
          forkExcluded: status.forkExcluded,
          // macOS has no per-region dump exclusion: never claimed.
          dumpExcluded: status.dumpExcluded,
          sealing: status.sealing,
        },
        { locked: true, lockVerified: true, guardPages: true, sealed: true, forkExcluded: true, dumpExcluded: null, sealing: 'mprotect' },
        storage,
      );
      vault.destroyAll();
    }
  },
);

test('inspect never claims what the OS did not confirm: every fact matches smaps and maps', (t) => {
  if (!isLinux) {
    // Windows cannot be asked about dump or fork exclusion; macOS about dump exclusion.
    const vault = new SecretVault({ sealing });
    const status = vault.inspect(vault.generate(16));
    assert.equal(status.dumpExcluded, null);
    assert.equal(status.forkExcluded, isDarwin ? true : null);
    return;
  }
  const page = platformInfo().pageSize;
  const cases: { name: string; vault: SecretVault; expectedBytes: (vault: SecretVault) => number }[] = [
    { name: 'isolated', vault: new SecretVault({ sealing }), expectedBytes: () => isolatedMappingBytes(16, native.canarySize, page) },
    // A fresh pool maps its first arena on the first pooled secret.
    { name: 'pooled', vault: new SecretVault({ storage: 'pooled', sealing }), expectedBytes: (v) => firstArenaBytes(v, page) },
  ];
  if (native.memfdSecretAvailable() === true) {
    cases.push({
      name: 'pooled secretmem',
      vault: new SecretVault({ storage: 'pooled', backing: 'secretmem' }),
      expectedBytes: (v) => firstArenaBytes(v, page),
    });
  } else {
    t.diagnostic('memfd_secret is not available here: the secretmem arena was not compared');
  }
  for (const { name, vault, expectedBytes } of cases) {
    const { handle, range } = generateAndLocate(vault, 16, undefined, () => expectedBytes(vault));
    const { status, os } = readBothWays(vault, handle, range, page);
    t.diagnostic(`${name}: new mapping of ${(range.end - range.start) / page} pages; smaps/maps say ${JSON.stringify(os)}`);
    assert.deepEqual(reportedFacts(status), os, `${name}: inspect() and smaps/maps agree`);
    assert.equal(status.locked, os.lockVerified, `${name}: a lock call that succeeded shows as lo`);
    vault.destroyAll();
  }
});

const procMapsModule = path.join(__dirname, 'support', 'proc-maps.js');
const nativeModule = path.join(packageRoot, 'dist', 'main', 'native.js');
/** Loads, in a child, what the in-process tests import. */
const childPrelude = `
  const { native } = require(${JSON.stringify(nativeModule)});
  const maps = require(${JSON.stringify(procMapsModule)});
  const page = strongroom.platformInfo().pageSize;
  const isolatedBytes = () => maps.isolatedMappingBytes(16, native.canarySize, page);
`;

type BothWays = { status: SecretStatus; os: OsFacts };

test('best-effort where the lock is refused: inspect and smaps agree that nothing is locked', (t) => {
  if (!isLinux) return t.skip('RLIMIT_MEMLOCK children are set up with prlimit (Linux)');
  const prlimit = which('prlimit');
  if (prlimit === null) return t.skip('prlimit (util-linux) is not installed');
  // A zero RLIMIT_MEMLOCK refuses every lock, except to root (CAP_IPC_LOCK),
  // so as root the child gives up root once the package is loaded.
  const drop = isRoot() ? 'process.setgroups([]); process.setgid(65534); process.setuid(65534);' : '';
  const child = runNode(
    `${childPrelude}
    ${drop}
    const isolated = new strongroom.SecretVault({ lockPolicy: 'best-effort', sealing: ${JSON.stringify(sealing)} });
    const a = maps.generateAndLocate(isolated, 16, undefined, isolatedBytes);
    const pooled = new strongroom.SecretVault({ lockPolicy: 'best-effort', storage: 'pooled', sealing: ${JSON.stringify(sealing)} });
    const b = maps.generateAndLocate(pooled, 16, undefined, () => maps.firstArenaBytes(pooled, page));
    console.log(JSON.stringify({
      isolated: maps.readBothWays(isolated, a.handle, a.range, page),
      pooled: maps.readBothWays(pooled, b.handle, b.range, page),
    }));
    `,
    { prefix: [prlimit, '--memlock=0:0', '--'] },
  );
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as Record<'isolated' | 'pooled', BothWays>;
  for (const [name, { status, os }] of Object.entries(out)) {
    assert.equal(status.locked, false, `${name}: the lock call was refused`);
    assert.equal(os.lockVerified, false, `${name}: smaps has no lo`);
    assert.deepEqual(reportedFacts(status), os, `${name}: inspect() and smaps/maps agree`);
  }
});

function nextLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (data: Buffer) => {
      buffered += data.toString();
      const line = buffered.split('\n').find((l) => l.startsWith(prefix));
      if (line === undefined) return;
      child.stdout!.off('data', onData);
      resolve(line.slice(prefix.length));
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

const MADV_DOFORK = 11;
const MADV_DODUMP = 17;
const PROT_READ = 1;

test('inspect follows the OS, not its own record, when another process undoes the protections', async (t) => {
  if (!isLinux) return t.skip('smaps, madvise and gdb are Linux facts here');
  // gdb cannot `call` a function in a process whose secrets are sealed with a
  // protection key ("Couldn't write extended state status"): this test forces
  // a page-table method, and the in-process test below covers every method.
  if (sealing === 'pkey') return t.skip('gdb cannot call into a process that seals with protection keys; see the in-process tamper test');
  const gdbSealing = sealing === 'auto' ? 'mprotect' : sealing;
  const tools = gdbTools(t);
  if (tools === null) return;
  const { gdb, preload } = tools;
  const script = `const strongroom = require(${JSON.stringify(entryPoint)});
    ${childPrelude}
    const isolated = new strongroom.SecretVault({ sealing: ${JSON.stringify(gdbSealing)} });
    const a = maps.generateAndLocate(isolated, 16, undefined, isolatedBytes);
    const pooled = new strongroom.SecretVault({ storage: 'pooled', sealing: ${JSON.stringify(gdbSealing)} });
    const b = maps.generateAndLocate(pooled, 16, undefined, () => maps.firstArenaBytes(pooled, page));
    const report = () => ({
      isolated: maps.readBothWays(isolated, a.handle, a.range, page),
      pooled: maps.readBothWays(pooled, b.handle, b.range, page),
    });
    process.on('SIGUSR2', () => process.stdout.write('facts ' + JSON.stringify(report()) + '\\n'));
    process.stdout.write('ready ' + JSON.stringify({ page, ranges: { isolated: a.range, pooled: b.range }, before: report() }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const { child, line } = await startTraceableChild(script, preload);
  try {
    const hello = JSON.parse(line.slice('ready '.length)) as {
      page: number;
      ranges: Record<'isolated' | 'pooled', Range>;
      before: Record<'isolated' | 'pooled', BothWays>;
    };
    const { page } = hello;
    for (const [name, { status, os }] of Object.entries(hello.before)) {
      assert.deepEqual(reportedFacts(status), os, `${name} before: inspect() and smaps/maps agree`);
      assert.deepEqual(
        os,
        { lockVerified: true, dumpExcluded: true, forkExcluded: true, guardPages: true, sealed: true },
        `${name} before: fully protected`,
      );
    }
    // Undo, from outside, what the vault did: dump and fork advice, the lock,
    // the front guard page and (isolated, sealed with mprotect) the seal. The
    // vault's own records still say it did all of that.
    const hex = (n: number) => `0x${n.toString(16)}`;
    const calls: string[] = [];
    for (const { start, end } of Object.values(hello.ranges)) {
      const data = hex(start + page);
      const length = end - start - 2 * page;
      calls.push(
        `call (int)madvise((void*)${data}, ${length}, ${MADV_DODUMP})`,
        `call (int)madvise((void*)${data}, ${length}, ${MADV_DOFORK})`,
        `call (int)munlock((void*)${data}, ${length})`,
        `call (int)mprotect((void*)${hex(start)}, ${page}, ${PROT_READ})`,
      );
    }
    // A protection key seal lives in the thread's PKRU, which gdb's mprotect does not touch.
    assert.equal(hello.before.isolated.status.sealing, gdbSealing, 'the forced method');
    const unseal = ['mprotect', 'kernel-copy'].includes(hello.before.isolated.status.sealing);
    if (unseal) {
      const { start, end } = hello.ranges.isolated;
      calls.push(`call (int)mprotect((void*)${hex(start + page)}, ${end - start - 2 * page}, ${PROT_READ})`);
    }
    const run = spawnSync(gdb, ['-batch', '-nx', '-p', String(child.pid), ...calls.flatMap((c) => ['-ex', c])], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = run.stdout + run.stderr;
    if (/ptrace: Operation not permitted/.test(output)) return skipUnlessCI(t, `${ptraceRefusedReason()}: ${output.trim()}`);
    // The addon allocates a protection key when it loads wherever the CPU has
    // them, and some gdb builds then cannot restore the inferior's XSAVE state.
    if (/Couldn't write extended state status/.test(output))
      return t.skip(`gdb cannot call into a process that holds a protection key here: ${output.trim().split('\n').pop()}`);
    for (let i = 1; i <= calls.length; i++)
      assert.match(output, new RegExp(`^\\$${i} = 0$`, 'm'), `gdb call ${calls[i - 1]} returned 0: ${output}`);

    const facts = nextLine(child, 'facts ');
    child.kill('SIGUSR2');
    const after = JSON.parse(await facts) as Record<'isolated' | 'pooled', BothWays>;
    for (const [name, { status, os }] of Object.entries(after)) {
      const expected = {
        lockVerified: false,
        dumpExcluded: false,
        forkExcluded: false,
        guardPages: false,
        sealed: name === 'isolated' && unseal ? false : true,
      };
      assert.deepEqual(os, expected, `${name} after: smaps/maps show what gdb undid`);
      assert.deepEqual(reportedFacts(status), os, `${name} after: inspect() follows the OS`);
      assert.equal(status.locked, true, `${name} after: locked is the lock call's own record, which did succeed`);
    }
  } finally {
    child.kill('SIGKILL');
  }
});

const MADV_DONTDUMP = 16;
const MADV_DONTFORK = 10;
const PROT_NONE = 0;
const PROT_READ_WRITE = 3;

test('inspect follows the OS, not its own record, when the protections are undone behind the vault (every method)', (t) => {
  if (!isLinux) return t.skip('smaps, madvise and protection keys are Linux facts here');
  const tamper = osTamper();
  if ('missing' in tamper) return skipUnlessCI(t, tamper.missing);
  const page = platformInfo().pageSize;
  const isolated = new SecretVault({ sealing });
  const a = generateAndLocate(isolated, 16, undefined, () => isolatedMappingBytes(16, native.canarySize, page));
  const pooled = new SecretVault({ storage: 'pooled', sealing });
  const b = generateAndLocate(pooled, 16, undefined, () => firstArenaBytes(pooled, page));
  const cases = { isolated: { vault: isolated, ...a }, pooled: { vault: pooled, ...b } };
  // Under pkey the seal is the key on the pages and this thread's PKRU: both are read here, independently.
  const keyDenied = (key: number) => {
    const rights = tamper.pkeyGet(key);
    return rights >= 0 && (rights & 1) !== 0; // PKEY_DISABLE_ACCESS
  };
  const method = isolated.inspect(a.handle).sealing;
  t.diagnostic(`sealing ${method}`);
  for (const [name, { vault, handle, range }] of Object.entries(cases)) {
    const { status, os } = readBothWays(vault, handle, range, page, keyDenied);
    assert.equal(status.sealing, method, `${name}: the same method for both storages`);
    assert.deepEqual(os, { lockVerified: true, dumpExcluded: true, forkExcluded: true, guardPages: true, sealed: true }, `${name} before`);
    assert.deepEqual(reportedFacts(status), os, `${name} before: inspect() and smaps/maps agree`);
  }
  if (method === 'pkey') {
    // The thread's half of a key seal: a PKRU that lets the key through is not sealed, whatever smaps says.
    for (const [name, { vault, handle, range }] of Object.entries(cases)) {
      const key = readSmaps().find((m) => m.start <= range.start + page && m.end > range.start + page)?.protectionKey;
      assert.ok(key !== undefined && key > 0, `${name}: the data pages carry a key (${key})`);
      assert.equal(tamper.pkeySet(key, 0), 0);
      try {
        assert.equal(vault.inspect(handle).sealed, false, `${name}: a key open for this thread is not sealed`);
      } finally {
        assert.equal(tamper.pkeySet(key, 1), 0);
      }
      assert.equal(vault.inspect(handle).sealed, true, `${name}: closed again`);
    }
  }
  // One fact at a time, so that a fact that ignores the OS cannot hide behind another that follows it.
  const data = (range: Range) => ({ start: range.start + page, length: range.end - range.start - 2 * page });
  // A key seal opens by retagging the pages with the default key, a
  // page-table seal by making the pages readable. inspect() reads the seal
  // as it finds it, before its canary check opens and closes the secret.
  const steps: { fact: keyof OsFacts; undo: (range: Range) => number; redo: (range: Range) => number }[] = [
    {
      fact: 'dumpExcluded',
      undo: (r) => tamper.madvise(data(r).start, data(r).length, MADV_DODUMP),
      redo: (r) => tamper.madvise(data(r).start, data(r).length, MADV_DONTDUMP),
    },
    {
      fact: 'forkExcluded',
      undo: (r) => tamper.madvise(data(r).start, data(r).length, MADV_DOFORK),
      redo: (r) => tamper.madvise(data(r).start, data(r).length, MADV_DONTFORK),
    },
    { fact: 'lockVerified', undo: (r) => tamper.munlock(data(r).start, data(r).length), redo: () => 0 },
    {
      fact: 'guardPages',
      undo: (r) => tamper.mprotect(r.start, page, PROT_READ),
      redo: (r) => tamper.mprotect(r.start, page, PROT_NONE),
    },
    {
      fact: 'sealed',
      undo: (r) =>
        method === 'pkey'
          ? tamper.pkeyMprotect(data(r).start, data(r).length, PROT_READ_WRITE, 0)
          : tamper.mprotect(data(r).start, data(r).length, PROT_READ),
      redo: () => 0,
    },
  ];
  const expected: Record<string, OsFacts> = {
    isolated: { lockVerified: true, dumpExcluded: true, forkExcluded: true, guardPages: true, sealed: true },
    pooled: { lockVerified: true, dumpExcluded: true, forkExcluded: true, guardPages: true, sealed: true },
  };
  for (const { fact, undo, redo } of steps) {
    for (const [name, { vault, handle, range }] of Object.entries(cases)) {
      const facts = must(expected[name], `the expected facts of ${name}`);
      assert.equal(undo(range), 0, `${name}: undoing ${fact}`);
      facts[fact] = false;
      const { status, os } = readBothWays(vault, handle, range, page, keyDenied);
      assert.deepEqual(os, facts, `${name}: smaps/maps show ${fact} undone`);
      assert.deepEqual(reportedFacts(status), os, `${name}: inspect() follows the OS once ${fact} is undone`);
      assert.equal(status.locked, true, `${name}: locked is the lock call's own record, which did succeed`);
      // Put back what can be put back, so that the next fact is tested alone.
      assert.equal(redo(range), 0, `${name}: redoing ${fact}`);
      if (fact === 'dumpExcluded' || fact === 'forkExcluded' || fact === 'guardPages') facts[fact] = true;
    }
  }
  isolated.destroyAll();
  pooled.destroyAll();
});
