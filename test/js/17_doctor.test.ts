import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

import type { DoctorReport } from '../../main/doctor-report';
import { at, must } from './support/assertions';
import { readableStage } from './support/children';
import { isDarwin, isLinux, isRoot, packageRoot, which } from './support/platform';

const cli = path.join(packageRoot, 'bin', 'strongroom.js');

function doctor(args: string[], prefix: string[] = []) {
  const argv = [...prefix, process.execPath, cli, ...args];
  return spawnSync(at(argv, 0, 'a command'), argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
}

test('doctor --json: every row has an OS-sourced value and a verdict; exit 0 when the vault works', () => {
  const run = doctor(['doctor', '--json']);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const report = JSON.parse(run.stdout) as DoctorReport;
  assert.equal(report.ok, true);
  const checks = report.rows.map((r) => r.check);
  for (const check of ['page size', 'lock budget', 'lock test', 'dump exclusion', 'core dumps', 'fork hygiene']) {
    assert.ok(checks.includes(check), `row ${check}`);
  }
  for (const row of report.rows) {
    assert.ok(['ok', 'degraded', 'unavailable'].includes(row.verdict), JSON.stringify(row));
    assert.ok(row.source.length > 0);
    if (row.verdict !== 'ok') assert.ok(row.advice, `advice for ${row.check}`);
  }
  const row = (check: string) =>
    must(
      report.rows.find((r) => r.check === check),
      `the ${check} row`,
    );
  if (isLinux) {
    assert.equal(row('lock test').value, 'locked; the OS confirms it');
    assert.equal(row('dump exclusion').verdict, 'ok');
    // The seal's source is the one for the method in use: a key on every page
    // (smaps) and this thread's PKRU under pkey, the page tables otherwise.
    const method = /^(pkey|kernel-copy|mprotect)\b/.exec(row('sealing method').value)?.[1];
    assert.ok(method, row('sealing method').value);
    if (method === 'pkey') {
      assert.match(row('guard pages + seal').source, /smaps ProtectionKey \+ this thread's PKRU/);
    } else {
      assert.match(row('guard pages + seal').source, new RegExp(`^${method}; /proc/self/maps \\(---p\\)$`));
    }
  }
  if (isDarwin) {
    assert.equal(row('lock test').value, 'locked; the OS confirms it');
    assert.match(row('lock test').source, /mach_vm_region_recurse/);
    assert.equal(row('fork hygiene').verdict, 'ok');
    // No per-region dump exclusion on macOS: said, not claimed.
    assert.equal(row('dump exclusion').verdict, 'unavailable');
    assert.match(row('dump exclusion').value, /RLIMIT_CORE/);
    assert.match(row('lock budget').value, /vm\.user_wire_limit .*vm\.global_user_wire_limit/);
    assert.match(row('guard pages + seal').value, /sealed at rest \(the OS confirms\)/);
  }
});

test('doctor prints a table and says ok', () => {
  const run = doctor(['doctor']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^check\s+value\s+verdict/m);
  assert.match(run.stdout, /^lock test\s+(locked|the lock call succeeded)/m);
  assert.match(run.stdout, /^ok: /m);
});

test('doctor exits non-zero with advice where nothing can be locked', (t) => {
  if (!isLinux) return t.skip('prlimit sets up the child (Linux)');
  const prlimit = which('prlimit');
  if (prlimit === null) return t.skip('prlimit (util-linux) is not installed');
  // Root may lock past any limit: run the doctor as nobody, from a copy of
  // the package nobody can read.
  const command = isRoot() ? path.join(readableStage(), 'bin', 'strongroom.js') : cli;
  const argv = [prlimit, '--memlock=0:0', '--', process.execPath, command, 'doctor', '--json'];
  const run = spawnSync(at(argv, 0, 'a command'), argv.slice(1), { encoding: 'utf8', ...(isRoot() ? { uid: 65534, gid: 65534 } : {}) });
  assert.equal(run.status, 1, run.stderr);
  const report = JSON.parse(run.stdout) as DoctorReport;
  assert.equal(report.ok, false);
  const lock = must(
    report.rows.find((r) => r.check === 'lock test'),
    'the lock test row',
  );
  assert.equal(lock.verdict, 'unavailable');
  assert.match(lock.value, /LOCK_FAILED \(mlock2?, errno (1|12)\)/);
  assert.match(must(lock.advice, 'advice'), /ulimit -l|LimitMEMLOCK/);
  const budget = must(
    report.rows.find((r) => r.check === 'lock budget'),
    'the lock budget row',
  );
  assert.equal(budget.verdict, 'unavailable');
});

test('unknown commands and flags print usage and exit 2', () => {
  assert.equal(doctor(['bogus']).status, 2);
  assert.equal(doctor(['doctor', '--yaml']).status, 2);
  assert.equal(doctor([]).status, 2);
  const help = doctor(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: strongroom doctor/);
});
