import assert from 'node:assert/strict';
import { test } from 'node:test';

import { platformInfo, SecretVault } from '../../main';
import { isLinux, vmLck } from './helpers';

test('generate(32): the OS shows the pages locked and out of dumps; destroy gives them back', { skip: !isLinux && 'smaps/VmLck read-back is Linux-only' }, () => {
  const page = platformInfo().pageSize;
  const vault = new SecretVault();
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
      // A protection key where the CPU has one, else mprotect: both seal.
      sealing: status.sealing === 'pkey' ? 'mprotect' : status.sealing,
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
});

test('inspect never claims what the OS did not confirm', () => {
  const vault = new SecretVault();
  const h = vault.generate(16);
  const status = vault.inspect(h);
  for (const key of ['lockVerified', 'dumpExcluded', 'forkExcluded'] as const) {
    assert.ok(status[key] === null || typeof status[key] === 'boolean', `${key} is boolean or null`);
  }
  if (!isLinux) {
    // No smaps: dump exclusion cannot be verified here.
    assert.equal(status.dumpExcluded, null);
  }
  vault.destroy(h);
});
