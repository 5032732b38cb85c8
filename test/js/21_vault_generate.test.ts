import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault } from '../../main';
import { rejects } from './support/assertions';

test('generate(32) returns an opaque handle to 32 random bytes', () => {
  const vault = new SecretVault();
  const a = vault.generate(32);
  const b = vault.generate(32);
  const bytesA = vault.read(a, (view) => Array.from(view));
  const bytesB = vault.read(b, (view) => Array.from(view));
  assert.equal(bytesA.length, 32);
  assert.notDeepEqual(bytesA, new Array(32).fill(0));
  assert.notDeepEqual(bytesA, bytesB);
  assert.deepEqual(Object.keys(a), [], 'the handle carries nothing');
  assert.ok(Object.isFrozen(a));
  assert.equal(JSON.stringify({ a }), '{"a":"[SecretHandle]"}');
  assert.equal(vault.stats().secrets, 2);
  assert.equal(vault.stats().bytes, 64);
  vault.destroyAll();
});

test('generate accepts 1 byte and exactly the maximum', () => {
  const vault = new SecretVault({ maxSecretSize: 4096 });
  for (const size of [1, 4096]) {
    const handle = vault.generate(size);
    const status = vault.inspect(handle);
    assert.equal(status.size, size, `inspect().size of generate(${size})`);
    assert.equal(status.canaryIntact, true);
    assert.equal(vault.stats().bytes, size);
    const bytes = vault.read(handle, (view) => Array.from(view));
    assert.equal(bytes.length, size, `read() of generate(${size}) sees ${size} bytes`);
    // 4096 random bytes are never all zero (2^-32768); one byte may be.
    if (size > 1) assert.notDeepEqual(bytes, new Array(size).fill(0));
    vault.destroy(handle);
    assert.equal(vault.stats().secrets, 0);
  }
  // One past the maximum is the first size refused.
  rejects(() => vault.generate(4097), 'INVALID_SIZE');
});

test('bad sizes get the right code and leave stats unchanged', () => {
  const vault = new SecretVault({ maxSecretSize: 1024 });
  const keep = vault.generate(16);
  const before = vault.stats();
  for (const size of [0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 40, 1025]) {
    rejects(() => vault.generate(size), 'INVALID_SIZE');
  }
  for (const size of ['32', undefined, {}, null, [], 32n, Symbol('x')]) {
    rejects(() => vault.generate(size as never), 'INVALID_ARGUMENT');
  }
  assert.deepEqual(vault.stats(), before);
  vault.destroy(keep);
});
