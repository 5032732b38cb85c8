import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { hardening, platformInfo, SecureMemoryError, type HardeningStatus } from '../../main';
import { at, must } from './support/assertions';
import { readableStage, runNode } from './support/children';
import { entryPoint, isLinux, isRoot, skipUnlessCI, which } from './support/platform';
import { allowAnyTracerPreload, ptraceRefusedReason, withPreload } from './support/tracing';

function isCode(code: string) {
  return (error: unknown) => error instanceof SecureMemoryError && error.code === code;
}

const posix = process.platform !== 'win32';

test('status() reports RLIMIT_CORE and dumpable as the OS has them', { skip: !isLinux && 'reads /proc (Linux)' }, () => {
  const status = hardening.status();
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const match = must(/^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits), 'a core file size line in /proc/self/limits');
  const parse = (v: string) => (v === 'unlimited' ? null : Number(v));
  assert.deepEqual(status.rlimitCore, { soft: parse(at(match, 1, 'the soft limit')), hard: parse(at(match, 2, 'the hard limit')) });
  assert.equal(typeof status.dumpable, 'boolean');
  assert.equal(status.windowsErrorMode, null);
  assert.equal(status.lockBudget.limit, platformInfo().memlockLimit);
  assert.equal(status.lockBudget.used, platformInfo().lockedBytes);
});

test(
  'disableCoreDumpsGuard lowers RLIMIT_CORE to 0 and restore() puts back exactly what was there',
  { skip: !posix && 'no RLIMIT_CORE on Windows' },
  () => {
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
    type Snapshot = { status: HardeningStatus; limits: string[] | null; active: boolean };
    const { before, during, after } = JSON.parse(child.stdout) as { before: Snapshot; during: Snapshot; after: Snapshot };
    assert.equal(during.status.coreDumps, 'disabled');
    assert.equal(during.status.rlimitCore?.soft, 0);
    assert.deepEqual(after.status.rlimitCore, before.status.rlimitCore);
    if (isLinux) {
      assert.equal(must(during.limits, 'the limits /proc shows')[0], '0', 'the OS reads back a soft limit of 0');
      assert.equal(
        must(during.limits, 'the limits /proc shows')[1],
        must(before.limits, 'the limits /proc showed')[1],
        'the hard limit is untouched',
      );
    }
    if (isLinux) assert.equal(during.status.dumpable, false);
    assert.equal(during.active, true);
    assert.deepEqual(after.limits, before.limits);
    assert.equal(after.status.dumpable, before.status.dumpable);
    assert.equal(after.active, false);
  },
);

// Root reads and traces anything (CAP_SYS_PTRACE), so as root the children
// and their readers run as nobody. A child is started as nobody rather than
// dropping privileges itself, because a setuid() makes a process non-dumpable
// anyway; as nobody it needs a package copy it can read.
const asNobody = isRoot() ? { uid: 65534, gid: 65534 } : {};

type Started = { child: ChildProcess; ready: { preloaded: boolean; dumpable: boolean | null } };

/**
 * Starts a child that idles; `disable` makes it call disableCoreDumps()
 * first. It reports whether `preload` is mapped into it (from its own
 * /proc/self/maps, which stays readable to itself once it is non-dumpable)
 * and whether the kernel has it dumpable.
 */
function startChild(disable: boolean, env: NodeJS.ProcessEnv, preload: string | null): Promise<Started> {
  const entry = isRoot() ? path.join(readableStage(), 'dist', 'main', 'index.js') : entryPoint;
  const script = `const strongroom = require(${JSON.stringify(entry)});
    ${disable ? 'strongroom.hardening.disableCoreDumps();' : ''}
    const maps = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n');
    const preload = ${JSON.stringify(preload)};
    const preloaded = preload !== null && maps.some((line) => line.endsWith(' ' + preload));
    process.stdout.write('ready ' + JSON.stringify({ preloaded, dumpable: strongroom.hardening.status().dumpable }) + '\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env, ...asNobody });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('ready '));
      if (line !== undefined) resolve({ child, ready: JSON.parse(line.slice('ready '.length)) as Started['ready'] });
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

test('a non-dumpable process keeps same-user /proc/PID/environ readers out', async (t) => {
  if (!isLinux) return t.skip('PR_SET_DUMPABLE is Linux-only');
  // Reading environ is a PTRACE_MODE_READ check: Yama only governs attaches,
  // so this half needs no preload under any ptrace_scope.
  const env = { ...process.env, STRONGROOM_MARK: 'visible' };
  const readAs = (pid: number) => spawnSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8', ...asNobody });
  const [control, hardened] = await Promise.all([startChild(false, env, null), startChild(true, env, null)]);
  try {
    assert.equal(hardened.ready.dumpable, false, 'disableCoreDumps made the child non-dumpable');
    const visible = readAs(control.child.pid!);
    assert.equal(visible.status, 0, `control must be readable: ${visible.stderr}`);
    assert.match(visible.stdout, /STRONGROOM_MARK=visible/);
    const hidden = readAs(hardened.child.pid!);
    assert.notEqual(hidden.status, 0, 'the hardened process must not be readable');
    assert.match(hidden.stderr, /Permission denied/);
  } finally {
    control.child.kill('SIGKILL');
    hardened.child.kill('SIGKILL');
  }
});

test('a non-dumpable process refuses a same-user gdb that attaches to its control twin', async (t) => {
  if (!isLinux) return t.skip('PR_SET_DUMPABLE is Linux-only');
  const gdb = which('gdb');
  if (gdb === null) return skipUnlessCI(t, 'gdb is not installed (apt-get install gdb); .ci/run installs it');
  // gdb is a sibling of both children, never their ancestor, so under Yama
  // ptrace_scope=1 each child has to declare a tracer. Both children preload
  // prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY), which runs before any
  // JavaScript and so before the hardened child's disableCoreDumps(): at the
  // attach both have allowed any tracer and differ only in PR_SET_DUMPABLE.
  // The kernel checks dumpable (__ptrace_may_access) before it asks Yama, so
  // the hardened child's refusal is the dumpable check, not Yama.
  const preload = allowAnyTracerPreload();
  if (typeof preload !== 'string') return skipUnlessCI(t, preload.missing);
  const env = withPreload(preload);
  const attachAs = (pid: number) => {
    const run = spawnSync(gdb, ['-batch', '-nx', '-p', String(pid), '-ex', 'detach'], { encoding: 'utf8', timeout: 60_000, ...asNobody });
    return run.stdout + run.stderr;
  };
  const [control, hardened] = await Promise.all([startChild(false, env, preload), startChild(true, env, preload)]);
  try {
    assert.deepEqual(control.ready, { preloaded: true, dumpable: true }, 'the control loaded the preload and is dumpable');
    assert.deepEqual(
      hardened.ready,
      { preloaded: true, dumpable: false },
      'the hardened child loaded the preload, then became non-dumpable',
    );
    const attached = attachAs(control.child.pid!);
    if (/ptrace: Operation not permitted/.test(attached)) {
      // Without a working control the hardened refusal below would prove nothing.
      return skipUnlessCI(t, `gdb could not attach to the control child, so the refusal cannot be shown: ${ptraceRefusedReason()}`);
    }
    assert.match(attached, /\[Inferior 1 \(process \d+\) detached\]/, `gdb attached to the control and detached: ${attached}`);
    const refused = attachAs(hardened.child.pid!);
    assert.match(refused, /ptrace: Operation not permitted/, `gdb cannot attach to the hardened child: ${refused}`);
  } finally {
    control.child.kill('SIGKILL');
    hardened.child.kill('SIGKILL');
  }
});

test(
  'withCoreDumpsDisabled restores after fn returns, throws, or its Promise settles',
  { skip: !posix && 'no RLIMIT_CORE on Windows' },
  async () => {
    const before = hardening.status();
    assert.equal(
      hardening.withCoreDumpsDisabled(() => hardening.status().coreDumps),
      'disabled',
    );
    assert.deepEqual(hardening.status(), before);
    assert.throws(
      () =>
        hardening.withCoreDumpsDisabled(() => {
          throw new Error('inner');
        }),
      /inner/,
    );
    assert.deepEqual(hardening.status(), before);
    const inside = await hardening.withCoreDumpsDisabled(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return hardening.status().coreDumps;
    });
    assert.equal(inside, 'disabled');
    assert.deepEqual(hardening.status(), before);
    await assert.rejects(
      hardening.withCoreDumpsDisabled(() => Promise.reject(new Error('late'))),
      /late/,
    );
    assert.deepEqual(hardening.status(), before);
    assert.throws(() => hardening.withCoreDumpsDisabled('nope' as never), isCode('INVALID_ARGUMENT'));
  },
);

test(
  'Windows error-mode helpers are UNSUPPORTED off Windows, and check their argument',
  { skip: !posix && 'Windows runs them for real' },
  () => {
    assert.throws(() => hardening.setWindowsErrorMode(1), isCode('UNSUPPORTED'));
    assert.throws(() => hardening.suppressWindowsErrorDialogs(), isCode('UNSUPPORTED'));
    for (const bad of [-1, 1.5, 2 ** 32, '1', null]) {
      assert.throws(() => hardening.setWindowsErrorMode(bad as never), isCode('INVALID_ARGUMENT'));
    }
  },
);

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
  const { a, b, c, info } = JSON.parse(child.stdout) as Record<'a' | 'b' | 'c' | 'info', unknown>;
  assert.deepEqual(a, { limit: 256 * 1024, ceiling: 1024 * 1024 });
  assert.deepEqual(b, { limit: 1024 * 1024, ceiling: 1024 * 1024 }, 'capped at the hard limit');
  assert.deepEqual(c, b, 'never lowered');
  assert.equal(info, 1024 * 1024);
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => hardening.reserveLockBudget(bad), isCode('INVALID_SIZE'));
  assert.throws(() => hardening.reserveLockBudget('1' as never), isCode('INVALID_ARGUMENT'));
});
