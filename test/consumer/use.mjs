// An ES module consumer: named imports from the CommonJS package.
import assert from 'node:assert/strict';
import { SecretVault, SecureMemoryError, hardening } from 'strongroom';

assert.equal(typeof hardening.status, 'function');
const vault = new SecretVault({ lockPolicy: 'best-effort', storage: 'pooled' });
const handle = vault.import(Uint8Array.from([1, 2, 3, 4]));
assert.deepEqual(
  vault.read(handle, (view) => Array.from(view)),
  [1, 2, 3, 4],
);
const status = vault.inspect(handle);
assert.equal(status.storage, 'pooled');
vault.destroy(handle);
assert.throws(
  () => vault.read(handle, () => 0),
  (e) => e instanceof SecureMemoryError && e.code === 'INVALID_HANDLE',
);
console.log(JSON.stringify({ module: 'esm', locked: status.locked, lockVerified: status.lockVerified }));
