import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault } from '../../main';
import { rejects } from './support/assertions';

test('import copies the bytes into protected memory and wipes the source', () => {
  const vault = new SecretVault();
  const source = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const handle = vault.import(source);
  assert.deepEqual(Array.from(source), new Array(8).fill(0), 'caller bytes wiped');
  assert.deepEqual(
    vault.read(handle, (v) => Array.from(v)),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  vault.destroy(handle);
});

test('import accepts a Buffer and a view into a larger ArrayBuffer, wiping only that view', () => {
  const vault = new SecretVault();
  const buffer = Buffer.from('correct horse battery staple');
  const h1 = vault.import(buffer);
  assert.ok(buffer.every((b) => b === 0));
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
  const view = backing.subarray(2, 5);
  const h2 = vault.import(view);
  assert.deepEqual(Array.from(backing), [9, 9, 0, 0, 0, 9, 9]);
  assert.deepEqual(
    vault.read(h2, (v) => Array.from(v)),
    [1, 2, 3],
  );
  assert.equal(
    vault.read(h1, (v) => Buffer.from(v).toString()),
    'correct horse battery staple',
  );
  vault.destroyAll();
});

test('bad import input is refused and stats stay unchanged', () => {
  const vault = new SecretVault({ maxSecretSize: 16 });
  const before = vault.stats();
  rejects(() => vault.import('text' as never), 'INVALID_ARGUMENT');
  rejects(() => vault.import(null as never), 'INVALID_ARGUMENT');
  rejects(() => vault.import(undefined as never), 'INVALID_ARGUMENT');
  rejects(() => vault.import([1, 2, 3] as never), 'INVALID_ARGUMENT');
  rejects(() => vault.import(new Uint16Array(4) as never), 'INVALID_ARGUMENT');
  rejects(() => vault.import(new ArrayBuffer(4) as never), 'INVALID_ARGUMENT');
  const shared = new Uint8Array(new SharedArrayBuffer(8)).fill(4);
  rejects(() => vault.import(shared), 'INVALID_ARGUMENT');
  assert.ok(
    shared.every((b) => b === 4),
    'refused shared bytes are left as they were',
  );

  const detached = new Uint8Array([1, 2, 3]);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  rejects(() => vault.import(detached), 'INVALID_ARGUMENT');

  rejects(() => vault.import(new Uint8Array(0)), 'INVALID_SIZE');
  const tooBig = new Uint8Array(17).fill(7);
  rejects(() => vault.import(tooBig), 'INVALID_SIZE');
  assert.ok(
    tooBig.every((b) => b === 7),
    'refused input is left as it was',
  );
  assert.deepEqual(vault.stats(), before);
});
