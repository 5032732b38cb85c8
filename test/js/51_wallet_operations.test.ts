// The demo wallet's operations on a capability for a native seed: addresses
// and signatures checked against an independent derivation in JavaScript
// (@scure/bip32 and @noble/curves, run here on a known test seed), and the
// keys they derive destroyed when they return.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { utf8ToBytes } from '@noble/hashes/utils';
import { HDKey } from '@scure/bip32';

import { SecretVault, SecureMemoryError, type SecretHandle } from '../../main';
import { openCapabilityScope } from '../../main/ipc/capability';
import { registerVaultIpc } from '../../main/ipc/register';
import { createBridgeApi } from '../../preload/bridge-api';
import { DERIVATION_PATH, walletOperations } from '../../renderer-demo/main/operations';
import { must } from './support/assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN } from './support/bridge-fixtures';

const seedHex = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const seed = () => Uint8Array.from(Buffer.from(seedHex, 'hex'));

/** Runs a demo operation on `handle` as the bridge does: on a capability, revoked (and its derived keys destroyed) afterwards. */
function runOn(vault: SecretVault, handle: SecretHandle, name: string, args?: unknown): unknown {
  const scope = openCapabilityScope(vault, handle, name);
  try {
    return must(walletOperations[name], `the wallet operation ${name}`)(scope.root, args);
  } finally {
    assert.equal(scope.revoke(), undefined);
  }
}

const personalHash = (message: string) => {
  const body = utf8ToBytes(message);
  return keccak_256(new Uint8Array([...utf8ToBytes(`\x19Ethereum Signed Message:\n${body.length}`), ...body]));
};

test('wallet.account derives, natively, the EIP-55 address and master fingerprint reproduced here with @scure/bip32', () => {
  const vault = new SecretVault();
  const h = vault.importSeed(seed());
  const account = runOn(vault, h, 'wallet.account') as { address: string; fingerprint: string; path: string };
  const key = HDKey.fromMasterSeed(seed()).derive(DERIVATION_PATH);
  const raw = secp256k1.Point.fromHex(key.publicKey!).toBytes(false);
  const expected = Buffer.from(keccak_256(raw.subarray(1)).subarray(12)).toString('hex');
  assert.equal(account.address.toLowerCase(), `0x${expected}`);
  assert.match(account.address, /^0x[0-9a-fA-F]{40}$/);
  assert.notEqual(account.address, account.address.toLowerCase(), 'EIP-55 mixes case');
  assert.equal(account.fingerprint, HDKey.fromMasterSeed(seed()).fingerprint.toString(16).padStart(8, '0'));
  assert.equal(account.path, DERIVATION_PATH);
  assert.equal(vault.stats().secrets, 1, 'the derived keys were destroyed when the operation returned');
  vault.destroy(h);
});

test('wallet.sign is the RFC 6979 signature @noble/curves makes with the same key, with its recovery id as v', () => {
  const vault = new SecretVault();
  const h = vault.importSeed(seed());
  const signed = runOn(vault, h, 'wallet.sign', { message: 'hello strongroom' }) as { signature: string; address: string };
  const key = HDKey.fromMasterSeed(seed()).derive(DERIVATION_PATH);
  const reference = secp256k1.sign(personalHash('hello strongroom'), key.privateKey!);
  assert.equal(signed.signature, `0x${Buffer.from(reference.toBytes('compact')).toString('hex')}${(27 + reference.recovery).toString(16)}`);
  assert.equal(vault.stats().secrets, 1);
  vault.destroy(h);
});

test('sign then verify; a tampered message or signature does not verify', () => {
  const vault = new SecretVault();
  const h = vault.importSeed(seed());
  const signed = runOn(vault, h, 'wallet.sign', { message: 'hello strongroom' }) as { signature: string; address: string };
  assert.match(signed.signature, /^0x[0-9a-f]{130}$/);
  const verify = (message: string, signature: string) =>
    runOn(vault, h, 'wallet.verify', { message, signature }) as { valid: boolean; signer: string | null };
  assert.equal(verify('hello strongroom', signed.signature).valid, true);
  assert.equal(verify('hello strongroom', signed.signature).signer, signed.address);
  assert.equal(verify('hello strongroom!', signed.signature).valid, false);
  const flipped = signed.signature.slice(0, 10) + (signed.signature[10] === 'a' ? 'b' : 'a') + signed.signature.slice(11);
  assert.equal(verify('hello strongroom', flipped).valid, false);
  assert.equal(vault.stats().secrets, 1);
  vault.destroy(h);
});

test('operations refuse bad arguments with INVALID_ARGUMENT, and a secret that is not a seed', () => {
  const vault = new SecretVault();
  const h = vault.importSeed(seed());
  for (const args of [undefined, {}, { message: '' }, { message: 'x'.repeat(1025) }, { message: 42 }]) {
    assert.throws(
      () => runOn(vault, h, 'wallet.sign', args),
      (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_ARGUMENT',
    );
  }
  assert.throws(() => runOn(vault, h, 'wallet.verify', { message: 'm', signature: '0x12' }), /130 hex digits/);
  // Plain random bytes are not a seed: the vault refuses to derive from them.
  const plain = vault.generate(32);
  assert.throws(
    () => runOn(vault, plain, 'wallet.account'),
    (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_ARGUMENT',
  );
  assert.equal(vault.stats().secrets, 2);
  vault.destroyAll();
});

test('through the bridge: a seed generated natively signs, the signature recovers to its address, and nothing derived outlives a call', async () => {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, operations: walletOperations });
  const contents = new FakeWebContents();
  const api = createBridgeApi((channel, payload) => ipc.invoke(eventFrom(contents), channel, payload));
  const ref = await api.generate(32, { kind: 'seed' });
  const account = (await api.run('wallet.account', ref.id)) as { address: string };
  const signed = (await api.run('wallet.sign', ref.id, { message: 'bridge' })) as { signature: string; address: string };
  assert.equal(signed.address, account.address);
  const bytes = Buffer.from(signed.signature.slice(2), 'hex');
  const recovered = secp256k1.Signature.fromBytes(bytes.subarray(0, 64), 'compact')
    .addRecoveryBit(bytes.readUInt8(64) - 27)
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- @noble/curves 1.x recovers a key only through the signature; the standalone recoverPublicKey is 2.x's
    .recoverPublicKey(personalHash('bridge'))
    .toBytes(false);
  assert.equal(`0x${Buffer.from(keccak_256(recovered.subarray(1)).subarray(12)).toString('hex')}`, account.address.toLowerCase());
  assert.deepEqual(await api.run('wallet.verify', ref.id, { message: 'bridge', signature: signed.signature }), {
    valid: true,
    signer: account.address,
    expected: account.address,
  });
  assert.equal(vault.stats().secrets, 1, 'only the seed is left');
  // A plain secret from generate() is not a seed: the operation fails, and nothing is left behind.
  const plain = await api.generate(32);
  await assert.rejects(api.run('wallet.account', plain.id), /^Error: OPERATION_FAILED/);
  assert.equal(vault.stats().secrets, 2);
  bridge.dispose();
  assert.equal(vault.stats().secrets, 0);
});
