import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault } from '../../main';
import { isLinux, vmLck } from './support/platform';

test('100,000 generate/destroy cycles leave stats and VmLck at their baselines', (t) => {
  const vault = new SecretVault();
  const lockedBefore = vmLck();
  const statsBefore = vault.stats();
  const cycles = 100_000;
  for (let i = 0; i < cycles; i++) vault.destroy(vault.generate(32));
  const statsAfter = vault.stats();
  assert.deepEqual({ ...statsAfter, created: 0, destroyed: 0 }, { ...statsBefore, created: 0, destroyed: 0 });
  assert.equal(statsAfter.created - statsBefore.created, cycles);
  assert.equal(statsAfter.destroyed - statsBefore.destroyed, cycles);
  if (!isLinux) {
    // The stats above were checked; the locked total is not: only Linux
    // reports a process's locked bytes (VmLck).
    return t.skip("this OS does not report the process's locked bytes; the stats were checked");
  }
  assert.ok(lockedBefore !== null, 'Linux reports VmLck');
  assert.equal(vmLck(), lockedBefore);
});
