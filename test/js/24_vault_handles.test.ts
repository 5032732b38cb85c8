import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretHandle, SecretVault, SecureMemoryError } from '../../main';
import { runNode } from './support/children';
import { PROC_STATUS_SOURCE } from './support/platform';

function invalidHandle(error: unknown): boolean {
  return error instanceof SecureMemoryError && error.code === 'INVALID_HANDLE';
}

test("destroyed handles, other vaults' handles and look-alikes are INVALID_HANDLE", () => {
  const vault = new SecretVault();
  const other = new SecretVault();
  const h = vault.generate(8);
  const foreign = other.generate(8);
  const before = vault.stats();

  const lookalikes: unknown[] = [
    {},
    Object.create(SecretHandle.prototype),
    Object.freeze(Object.assign({}, h)),
    undefined,
    null,
    1,
    'handle',
  ];
  for (const fake of [foreign, ...lookalikes]) {
    assert.throws(() => vault.read(fake as never, () => 0), invalidHandle);
    assert.throws(() => vault.write(fake as never, () => 0), invalidHandle);
    assert.throws(() => vault.inspect(fake as never), invalidHandle);
    assert.throws(() => vault.destroy(fake as never), invalidHandle);
    assert.equal(vault.has(fake), false);
  }
  assert.deepEqual(vault.stats(), before);

  vault.destroy(h);
  assert.equal(vault.has(h), false);
  assert.throws(() => vault.read(h, () => 0), invalidHandle);
  assert.throws(() => vault.destroy(h), invalidHandle, 'double destroy');
  assert.equal(other.has(foreign), true);
  other.destroyAll();
});

test('handles cannot be built outside a vault or changed', () => {
  assert.throws(() => new (SecretHandle as unknown as new () => unknown)());
  const vault = new SecretVault();
  const h = vault.generate(4);
  assert.ok(Object.isFrozen(h));
  assert.throws(() => {
    (h as unknown as { id: number }).id = 1;
  }, TypeError);
  vault.destroy(h);
});

test('destroyAll wipes every secret and counts them', () => {
  const vault = new SecretVault();
  const handles = [vault.generate(8), vault.generate(16), vault.import(new Uint8Array([1]))];
  assert.equal(vault.destroyAll(), 3);
  assert.equal(vault.stats().secrets, 0);
  assert.equal(vault.stats().destroyed, 3);
  for (const h of handles) assert.throws(() => vault.inspect(h), invalidHandle);
});

test('a dropped handle is reclaimed by the FinalizationRegistry and counted', () => {
  const child = runNode(
    `
    // /proc exists on Linux only; elsewhere -1 and the VmLck assertion is skipped.
    ${PROC_STATUS_SOURCE}
    const vmLck = () => Number(procStatus('VmLck') ?? -1);
    const baseline = vmLck();
    const vault = new strongroom.SecretVault();
    (function () { for (let i = 0; i < 10; i++) vault.generate(32); })();
    const kept = vault.generate(32);
    (async () => {
      for (let i = 0; i < 50 && vault.stats().reclaimed < 10; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      const s = vault.stats();
      console.log(JSON.stringify({ reclaimed: s.reclaimed, secrets: s.secrets, alive: vault.has(kept), lockedKiB: vmLck() - baseline, pageKiB: strongroom.platformInfo().pageSize / 1024 }));
    })();
    `,
    { args: ['--expose-gc'] },
  );
  assert.equal(child.status, 0, child.stderr);
  const result = JSON.parse(child.stdout.trim()) as {
    reclaimed: number;
    secrets: number;
    alive: boolean;
    lockedKiB: number;
    pageKiB: number;
  };
  assert.equal(result.reclaimed, 10);
  assert.equal(result.secrets, 1);
  assert.equal(result.alive, true);
  if (process.platform === 'linux') assert.equal(result.lockedKiB, result.pageKiB, 'only the kept secret stays locked');
});
