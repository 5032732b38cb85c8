// The addon's wallet and keystore calls read a secret argument and a target
// for a new secret one way (native/addon/secret_args.h): the same malformed
// argument is refused with the same code and message by every call that takes
// it; a call that takes only secp256k1 keys refuses every other kind before
// any work; a target comes back where it was named (a pool's chunk id or a new
// ProtectedRegion); and an async call looks its pool up again when its work
// is done, so a pool destroyed meanwhile is refused, not written. These calls
// sit below main's checks, so they are called here directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { computeAddress } from 'ethers';

import { native, type NativeKeystoreKdf, type NativePool, type NativeRegion, type NativeRegionOptions } from '../../main/native';

const SECRET_USAGE = 'expected a secret: (poolId, chunk | region, null), kind';
const KEY_USAGE = "expected a key: (poolId, chunk | region, null), 'secp256k1-key'";
const TARGET_USAGE = 'expected a target: a pool id or { maxSize, requireLock, sealing }';

const REGION: NativeRegionOptions = { maxSize: 256, requireLock: false, sealing: 'auto' };
const KDF: NativeKeystoreKdf = { kdf: 'pbkdf2', n: 0, r: 0, p: 0, c: 16, dklen: 32, salt: new Uint8Array(16).fill(7) };
// The Web3 Secret Storage definition's example key.
const KEY = Buffer.from('7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d', 'hex');

/** A native call with arguments main would never pass. */
type AnyCall = (...args: unknown[]) => unknown;
const call = (name: keyof typeof native, ...args: unknown[]): unknown => (native[name] as AnyCall)(...args);

function refused(fn: () => unknown, message: string, what: string): void {
  assert.throws(
    fn,
    (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'INVALID_ARGUMENT', `${what}: ${String(error)}`);
      assert.equal((error as Error).message, message, what);
      return true;
    },
    what,
  );
}

function keyRegion(): NativeRegion {
  const region = new native.ProtectedRegion(32, 64, false, 'auto');
  region.write(new Uint8Array(KEY));
  return region;
}

function newPool() {
  return new native.Pool(native.defaultArenaSize, 256, false, 'auto', 'anonymous');
}

/** KEY, imported into `pool`, sealed by the keystore with `password` (KDF, a zero iv). */
function sealedKey(pool: NativePool, password: Uint8Array): Promise<{ ciphertext: Uint8Array; mac: Uint8Array }> {
  const chunk = pool.importFrom(new Uint8Array(KEY));
  return native.keystoreEncrypt(pool.id, chunk, 'secp256k1-key', KDF, password, new Uint8Array(16), null).promise;
}

test('a malformed secret is refused with the same message by every call that reads one', () => {
  const region = keyRegion();
  const pool = newPool();
  const dead = newPool();
  dead.destroy();
  const readers: [string, (...secret: unknown[]) => unknown][] = [
    ['walletPublicKey', (...s) => call('walletPublicKey', ...s)],
    ['walletCheckMnemonic', (...s) => call('walletCheckMnemonic', ...s)],
    ['walletSignEcdsa', (...s) => call('walletSignEcdsa', ...s, new Uint8Array(32))],
    ['walletSignSchnorr', (...s) => call('walletSignSchnorr', ...s, new Uint8Array(32))],
    ['walletSignEd25519', (...s) => call('walletSignEd25519', ...s, new Uint8Array(3))],
    ['walletDeriveKey', (...s) => call('walletDeriveKey', ...s, 'secp256k1', 'm/0', REGION)],
    ['walletMnemonicToSeed', (...s) => call('walletMnemonicToSeed', ...s, null, REGION)],
    ['walletMnemonicToSeedAsync', (...s) => call('walletMnemonicToSeedAsync', ...s, null, REGION, REGION)],
    ['keystoreAddress', (...s) => call('keystoreAddress', ...s)],
    ['keystoreEncrypt', (...s) => call('keystoreEncrypt', ...s, KDF, new Uint8Array(1), new Uint8Array(16), null)],
  ];
  for (const [name, read] of readers) {
    const usage = name.startsWith('keystore') ? KEY_USAGE : SECRET_USAGE;
    refused(() => read(region, null, 'private-key'), usage, `${name}: an unknown kind`);
    refused(() => read(region, null, 7), usage, `${name}: a kind that is not a string`);
    refused(() => read(region, null), usage, `${name}: no kind`);
    refused(() => read({}, null, 'secp256k1-key'), 'expected a ProtectedRegion', `${name}: a plain object`);
    refused(() => read(pool.id, 'chunk', 'secp256k1-key'), 'expected a chunk id', `${name}: no chunk id`);
    refused(() => read(dead.id, 0, 'secp256k1-key'), 'not a live pool id', `${name}: a destroyed pool`);
  }
  region.destroy();
  pool.destroy();
});

test('the keystore calls take a secp256k1 key and refuse every other kind before any work', async () => {
  const region = keyRegion();
  for (const kind of ['seed', 'mnemonic', 'ed25519-key']) {
    refused(() => call('keystoreAddress', region, null, kind), KEY_USAGE, `keystoreAddress of a ${kind}`);
    refused(
      () => call('keystoreEncrypt', region, null, kind, KDF, new Uint8Array(1), new Uint8Array(16), null),
      KEY_USAGE,
      `keystoreEncrypt of a ${kind}`,
    );
  }
  // The wallet's calls take every kind and leave the kind's use to the wallet layer, which names it.
  assert.throws(
    () => call('walletPublicKey', region, null, 'seed'),
    (error: unknown) => (error as { code?: string }).code === 'INVALID_ARGUMENT' && /a seed secret cannot be used/.test(String(error)),
  );
  // The kind it takes works, pooled as well as isolated.
  const expected = computeAddress(`0x${KEY.toString('hex')}`).toLowerCase();
  assert.equal(`0x${Buffer.from(native.keystoreAddress(region, null, 'secp256k1-key')).toString('hex')}`, expected);
  const pool = newPool();
  const chunk = pool.importFrom(new Uint8Array(KEY));
  assert.equal(`0x${Buffer.from(native.keystoreAddress(pool.id, chunk, 'secp256k1-key')).toString('hex')}`, expected);
  const job = native.keystoreEncrypt(pool.id, chunk, 'secp256k1-key', KDF, new Uint8Array([1, 2]), new Uint8Array(16), null);
  const sealed = await job.promise;
  assert.equal(sealed.ciphertext.length, 32);
  pool.destroy();
  region.destroy();
});

test('a malformed target is refused with the same message by every call that makes a secret', () => {
  const words = native.walletGenerateMnemonic(12, REGION).secret;
  const seed = native.walletMnemonicToSeed(words, null, 'mnemonic', null, REGION);
  const dead = newPool();
  dead.destroy();
  const makers: [string, (target: unknown) => unknown][] = [
    ['walletGenerateMnemonic', (t) => call('walletGenerateMnemonic', 12, t)],
    ['walletMnemonicToSeed', (t) => call('walletMnemonicToSeed', words, null, 'mnemonic', null, t)],
    ['walletMnemonicToSeedAsync', (t) => call('walletMnemonicToSeedAsync', words, null, 'mnemonic', null, t, REGION)],
    ['walletMnemonicToSeedAsync (work)', (t) => call('walletMnemonicToSeedAsync', words, null, 'mnemonic', null, REGION, t)],
    ['walletDeriveKey', (t) => call('walletDeriveKey', seed, null, 'seed', 'secp256k1', "m/44'/0'", t)],
    [
      'keystoreDecrypt',
      (t) => call('keystoreDecrypt', KDF, new Uint8Array(1), new Uint8Array(32), new Uint8Array(16), new Uint8Array(32), t, null),
    ],
  ];
  const malformed: [string, unknown][] = [
    ['nothing', undefined],
    ['a string', 'pool'],
    ['no maxSize', { requireLock: true, sealing: 'auto' }],
    ['a zero maxSize', { ...REGION, maxSize: 0 }],
    ['a requireLock that is not a boolean', { ...REGION, requireLock: 'yes' }],
    ['an unknown sealing', { ...REGION, sealing: 'none' }],
  ];
  for (const [name, make] of makers) {
    for (const [what, target] of malformed) refused(() => make(target), TARGET_USAGE, `${name}: ${what}`);
    if (name.endsWith('(work)')) continue; // work options are a region's only
    refused(() => make(dead.id), 'not a live pool id', `${name}: a destroyed pool`);
  }
  (seed as NativeRegion).destroy();
  (words as NativeRegion).destroy();
});

test('a new secret comes back where its target named: a chunk of the pool, or a new ProtectedRegion', async () => {
  const pool = newPool();
  const pooled = native.walletGenerateMnemonic(12, pool.id);
  assert.equal(typeof pooled.secret, 'number');
  assert.equal(pool.record(pooled.secret as number).size, pooled.size);
  const isolated = native.walletGenerateMnemonic(12, REGION);
  assert.ok(isolated.secret instanceof native.ProtectedRegion);
  assert.equal(isolated.secret.record().size, isolated.size);
  const { ciphertext, mac } = await sealedKey(pool, new Uint8Array([9]));
  const decrypt = (target: unknown) =>
    call('keystoreDecrypt', KDF, new Uint8Array([9]), ciphertext, new Uint8Array(16), mac, target, null) as {
      promise: Promise<unknown>;
    };
  const chunk = await decrypt(pool.id).promise;
  assert.equal(typeof chunk, 'number');
  const back = new Uint8Array(32);
  pool.readInto(chunk as number, back);
  assert.deepEqual(Buffer.from(back), KEY);
  const region = await decrypt(REGION).promise;
  assert.ok(region instanceof native.ProtectedRegion);
  region.readInto(back);
  assert.deepEqual(Buffer.from(back), KEY);
  region.destroy();
  isolated.secret.destroy();
  pool.destroy();
});

test('an async call looks its target pool up when its work is done: one destroyed meanwhile is refused', async () => {
  const source = newPool();
  const { ciphertext, mac } = await sealedKey(source, new Uint8Array([5]));
  const words = native.walletGenerateMnemonic(12, source.id).secret as number;

  const target = newPool();
  const decrypted = native.keystoreDecrypt(KDF, new Uint8Array([5]), ciphertext, new Uint8Array(16), mac, target.id, null).promise;
  const seeded = native.walletMnemonicToSeedAsync(source.id, words, 'mnemonic', null, target.id, REGION);
  // The work runs on the thread pool; its result is settled on this thread, after this synchronous destroy.
  target.destroy();
  const outcomes = await Promise.allSettled([decrypted, seeded]);
  for (const [name, outcome] of [
    ['keystoreDecrypt', outcomes[0]],
    ['walletMnemonicToSeedAsync', outcomes[1]],
  ] as const) {
    assert.equal(outcome.status, 'rejected', `${name} settled into a destroyed pool`);
    const error = outcome.reason as Error & { code?: string };
    assert.equal(error.code, 'INVALID_ARGUMENT', `${name}: ${String(error)}`);
    assert.equal(error.message, 'not a live pool id', name);
  }
  source.destroy();
});
