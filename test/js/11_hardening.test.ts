import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { hardening, platformInfo, SecureMemoryError } from '../../main';
import { entryPoint, isLinux, isRoot, readableStage, runNode, which } from './helpers';

function isCode(code: string) {
  return (error: unknown) => error instanceof SecureMemoryError && error.code === code;
}

const posix = process.platform !== 'win32';

test('status() reports RLIMIT_CORE and dumpable as the OS has them', { skip: !isLinux && 'reads /proc (Linux)' }, () => {
  const status = hardening.status();
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits)!;
  const parse = (v: string) => (v === 'unlimited' ? null : Number(v));
  assert.deepEqual(status.rlimitCore, { soft: parse(match[1]), hard: parse(match[2]) });
  assert.equal(typeof status.dumpable, 'boolean');
  assert.equal(status.windowsErrorMode, null);
  assert.equal(status.lockBudget.limit, platformInfo().memlockLimit);
  assert.equal(status.lockBudget.used, platformInfo().lockedBytes);
});

test('disableCoreDumpsGuard lowers RLIMIT_CORE to 0 and restore() puts back exactly what was there', { skip: !posix && 'no RLIMIT_CORE on Windows' }, () => {
  // In a child, so the test process keeps its own limits whatever happens.
  const child = runNode(`
    const h = strongroom.hardening;
    // The OS's own view where it offers one (/proc on Linux); elsewhere status() alone.
    const limits = () => { try { return /^Max core file size\\s+(\\S+)\\s+(\\S+)/m.exec(require('fs').readFileSync('/proc/self/limits', 'utf8')).slice(1, 3); } catch { return null; } };
    const before = { status: h.status(), limits: limits() };
    const guard = h.disableCoreDumpsGuard();
    const during = { status: h.status(), limits: limits(), active: guard.active };
    guard.restore();
    const after = { status: h.status(), limits: limits(), active: guard.active };
    guard.restore(); // second restore: no-op
    console.log(JSON.stringify({ before, during, after }));
  `);
  assert.equal(child.status, 0, child.stderr);
  const { before, during, after } = JSON.parse(child.stdout);
  assert.equal(during.status.coreDumps, 'disabled');
  assert.equal(during.status.rlimitCore.soft, 0);
  assert.deepEqual(after.status.rlimitCore, before.status.rlimitCore);
  if (isLinux) {
    assert.equal(during.limits[0], '0', 'the OS reads back a soft limit of 0');
    assert.equal(during.limits[1], before.limits[1], 'the hard limit is untouched');
  }
  if (isLinux) assert.equal(during.status.dumpable, false);
  assert.equal(during.active, true);
  assert.deepEqual(after.limits, before.limits);
  assert.equal(after.status.dumpable, before.status.dumpable);
  assert.equal(after.active, false);
});

test('a non-dumpable process keeps same-user gdb and /proc/PID/environ readers out', (t) => {
  if (!isLinux) return t.skip('PR_SET_DUMPABLE is Linux-only');
  // Root reads anything (CAP_SYS_PTRACE), so as root both the child and the
  // reader run as nobody. The child is started as nobody rather than dropping
  // privileges itself, because a setuid() makes a process non-dumpable anyway.
  const asNobody = isRoot() ? { uid: 65534, gid: 65534 } : {};
  // As nobody the children need a package copy they can read.
  const entry = isRoot() ? path.join(readableStage(), 'dist', 'main', 'index.js') : entryPoint;
  const start = (disable: boolean) => {
    const script = `const strongroom = require(${JSON.stringify(entry)});
      ${disable ? 'strongroom.hardening.disableCoreDumps();' : ''}
      process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
    return spawn(process.execPath, ['-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, STRONGROOM_MARK: 'visible' },
      ...asNobody,
    });
  };
  const readAs = (pid: number) => spawnSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8', ...asNobody });
  const gdb = which('gdb');
  const attachAs = (pid: number) =>
    spawnSync(gdb!, ['-batch', '-nx', '-p', String(pid), '-ex', 'detach'], { encoding: 'utf8', timeout: 60_000, ...asNobody });
  const waitReady = (child: ReturnType<typeof start>) =>
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
  return (async () => {
    const control = start(false);
    const hardened = start(true);
    try {
      await Promise.all([waitReady(control), waitReady(hardened)]);
      const visible = readAs(control.pid!);
      assert.equal(visible.status, 0, `control must be readable: ${visible.stderr}`);
      assert.match(visible.stdout, /STRONGROOM_MARK=visible/);
      const hidden = readAs(hardened.pid!);
      assert.notEqual(hidden.status, 0, 'the hardened process must not be readable');
      assert.match(hidden.stderr, /Permission denied/);
      if (gdb === null) {
        t.diagnostic('gdb is not installed: the attach half of this test did not run');
      } else {
        const attached = attachAs(control.pid!);
        assert.doesNotMatch(attached.stdout + attached.stderr, /ptrace: Operation not permitted/, 'gdb attaches to the control');
        assert.match(attached.stdout + attached.stderr, /\[Inferior 1 \(process \d+\) detached\]/, "gdb attached and detached");
        const refused = attachAs(hardened.pid!);
        assert.match(refused.stdout + refused.stderr, /ptrace: Operation not permitted/, 'gdb cannot attach to the hardened child');
      }
    } finally {
      control.kill('SIGKILL');
      hardened.kill('SIGKILL');
    }
  })();
});

test('withCoreDumpsDisabled restores after fn returns, throws, or its Promise settles', { skip: !posix && 'no RLIMIT_CORE on Windows' }, async () => {
  const before = hardening.status();
  assert.equal(hardening.withCoreDumpsDisabled(() => hardening.status().coreDumps), 'disabled');
  assert.deepEqual(hardening.status(), before);
  assert.throws(() => hardening.withCoreDumpsDisabled(() => {
    throw new Error('inner');
  }), /inner/);
  assert.deepEqual(hardening.status(), before);
  const inside = await hardening.withCoreDumpsDisabled(async () => {
    await new Promise((r) => setTimeout(r, 5));
    return hardening.status().coreDumps;
  });
  assert.equal(inside, 'disabled');
  assert.deepEqual(hardening.status(), before);
  await assert.rejects(hardening.withCoreDumpsDisabled(() => Promise.reject(new Error('late'))), /late/);
  assert.deepEqual(hardening.status(), before);
  assert.throws(() => hardening.withCoreDumpsDisabled('nope' as never), isCode('INVALID_ARGUMENT'));
});

test('Windows error-mode helpers are UNSUPPORTED off Windows, and check their argument', { skip: !posix && 'Windows runs them for real' }, () => {
  assert.throws(() => hardening.setWindowsErrorMode(1), isCode('UNSUPPORTED'));
  assert.throws(() => hardening.suppressWindowsErrorDialogs(), isCode('UNSUPPORTED'));
  for (const bad of [-1, 1.5, 2 ** 32, '1', null]) {
    assert.throws(() => hardening.setWindowsErrorMode(bad as never), isCode('INVALID_ARGUMENT'));
  }
});

test('reserveLockBudget raises RLIMIT_MEMLOCK up to the hard limit and reports what it got', (t) => {
  if (!isLinux) return t.skip('prlimit sets up the child (Linux)');
  const prlimit = which('prlimit');
  if (prlimit === null) return t.skip('prlimit (util-linux) is not installed');
  const child = runNode(
    `
    const h = strongroom.hardening;
    const a = h.reserveLockBudget(256 * 1024);
    const b = h.reserveLockBudget(4 * 1024 * 1024);
    const c = h.reserveLockBudget(1);
    console.log(JSON.stringify({ a, b, c, info: strongroom.platformInfo().memlockLimit }));
    `,
    { prefix: [prlimit, '--memlock=65536:1048576', '--'] },
  );
  assert.equal(child.status, 0, child.stderr);
  const { a, b, c, info } = JSON.parse(child.stdout);
  assert.deepEqual(a, { limit: 256 * 1024, ceiling: 1024 * 1024 });
  assert.deepEqual(b, { limit: 1024 * 1024, ceiling: 1024 * 1024 }, 'capped at the hard limit');
  assert.deepEqual(c, b, 'never lowered');
  assert.equal(info, 1024 * 1024);
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => hardening.reserveLockBudget(bad), isCode('INVALID_SIZE'));
  assert.throws(() => hardening.reserveLockBudget('1' as never), isCode('INVALID_ARGUMENT'));
});
