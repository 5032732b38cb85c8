import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault } from '../../main';
import { rejects as rejectsWithCode } from './support/assertions';

// Option errors are read by the developer who wrote the options: each must say what to fix.
const rejects = (fn: () => unknown, code: string) => rejectsWithCode(fn, code, { actionable: true });

test('defaults: require lock, isolated storage, 1 MiB maximum', () => {
  const vault = new SecretVault();
  assert.equal(vault.lockPolicy, 'require');
  assert.equal(vault.storage, 'isolated');
  assert.equal(vault.maxSecretSize, 1024 * 1024);
  const custom = new SecretVault({ lockPolicy: 'best-effort', storage: 'isolated', maxSecretSize: 64 });
  assert.equal(custom.lockPolicy, 'best-effort');
  assert.equal(custom.maxSecretSize, 64);
});

test('unknown option names and values are refused', () => {
  rejects(() => new SecretVault({ lockpolicy: 'require' } as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault({ lockPolicy: 'maybe' } as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault({ storage: 'disk' } as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault({ maxSecretSize: '64' } as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault({ maxSecretSize: 0 }), 'INVALID_SIZE');
  rejects(() => new SecretVault({ maxSecretSize: 1.5 }), 'INVALID_SIZE');
  rejects(() => new SecretVault({ maxSecretSize: 2 ** 40 }), 'INVALID_SIZE');
  rejects(() => new SecretVault(null as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault('require' as never), 'INVALID_ARGUMENT');
  rejects(() => new SecretVault([] as never), 'INVALID_ARGUMENT');
});

test("storage: 'pooled' is accepted; backing: 'secretmem' only with pooled storage", () => {
  assert.equal(new SecretVault({ storage: 'pooled' }).storage, 'pooled');
  assert.equal(new SecretVault({ storage: 'pooled', backing: 'secretmem' }).backing, 'secretmem');
  rejects(() => new SecretVault({ backing: 'secretmem' }), 'UNSUPPORTED');
  rejects(() => new SecretVault({ storage: 'pooled', backing: 'disk' } as never), 'INVALID_ARGUMENT');
});
