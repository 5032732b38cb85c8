import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';

import { platformInfo, SecretVault } from '../../main';
import { addonSource } from '../../main/native';
import { isDarwin, isLinux, osPageSize, SIMULATED_PAGE_SIZE, vmLck, which } from './support/platform';

test('platformInfo reports the runtime and a power-of-two page size', () => {
  const info = platformInfo();
  assert.equal(info.os, process.platform);
  assert.equal(info.arch, process.arch);
  assert.equal(info.runtime, 'node');
  assert.equal(info.pageSize & (info.pageSize - 1), 0, 'power of two');
});

test('pageSize is the OS page size, or the simulated one when the tests ask for it', (t) => {
  const os = osPageSize();
  if (os === null) return t.skip('no getconf here to ask the OS for its page size');
  const simulated = process.env[SIMULATED_PAGE_SIZE];
  assert.equal(platformInfo().pageSize, simulated ? Number(simulated) : os);
});

test('memlockLimit is the RLIMIT_MEMLOCK soft limit on Linux', { skip: !isLinux && 'Linux-only read-back' }, () => {
  const info = platformInfo();
  const limits = fs.readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max locked memory\s+(\S+)\s+(\S+)\s+bytes/m.exec(limits);
  assert.ok(match, 'no "Max locked memory" row in /proc/self/limits');
  const soft = match[1] === 'unlimited' ? null : Number(match[1]);
  assert.equal(info.memlockLimit, soft);
});

test('lockedBytes is VmLck as the OS reports it', { skip: !isLinux && 'Linux-only read-back' }, () => {
  assert.equal(platformInfo().lockedBytes, vmLck());
});

/** `ulimit -l` (KiB, or "unlimited") and `sysctl -n NAME` (bytes), asked by other programs than ours. */
function shell(command: string): string {
  const run = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${command}: ${run.stderr}`);
  return run.stdout.trim();
}

test('macOS: memlockLimit is the smaller of RLIMIT_MEMLOCK and vm.user_wire_limit', { skip: !isDarwin && 'macOS wire limits' }, () => {
  const ulimit = shell('ulimit -l');
  const rlimit = ulimit === 'unlimited' ? null : Number(ulimit) * 1024;
  const wire = Number(shell('sysctl -n vm.user_wire_limit'));
  assert.ok(wire > 0, 'vm.user_wire_limit is a byte count');
  assert.equal(platformInfo().memlockLimit, rlimit === null ? wire : Math.min(rlimit, wire));
});

test(
  'macOS: lockedBytes (wired map entries) grows by the pages a secret locks, and shrinks back',
  { skip: !isDarwin && 'macOS wired-entry read-back' },
  () => {
    const page = platformInfo().pageSize;
    const before = platformInfo().lockedBytes;
    assert.equal(typeof before, 'number', 'mach_vm_region_recurse gives the wired bytes');
    const vault = new SecretVault();
    const h = vault.generate(32);
    assert.equal(platformInfo().lockedBytes! - before!, page);
    vault.destroy(h);
    assert.equal(platformInfo().lockedBytes, before);
  },
);

test('the addon cannot create external ArrayBuffers (V8 memory cage)', (t) => {
  // The binary this process loaded: a prebuild where one exists, else the local build.
  const addon = addonSource.file;
  assert.ok(fs.existsSync(addon), `addon not found at ${addon}`);
  const nm = process.platform === 'linux' ? which('nm') : null; // ELF dynamic symbols: nm -D
  if (nm === null) {
    t.skip("needs Linux and nm (binutils) to list the addon's dynamic imports");
    return;
  }
  const symbols = spawnSync(nm, ['-D', '--undefined-only', addon], { encoding: 'utf8' });
  assert.equal(symbols.status, 0, symbols.stderr);
  assert.match(symbols.stdout, /napi_create_buffer_copy|napi_create_object/, 'nm output looks empty');
  assert.doesNotMatch(symbols.stdout, /napi_create_external_(array)?buffer|napi_create_external_buffer/);
});
