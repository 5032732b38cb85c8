import assert from 'node:assert/strict';
import { test } from 'node:test';

import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { HDKey } from '@scure/bip32';

import { SecretVault, SecureMemoryError } from '../../main';
import { walletOperations } from '../../renderer-demo/main/operations';

const seedHex = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const seed = () => Uint8Array.from(Buffer.from(seedHex, 'hex'));

test('wallet.account derives the EIP-55 address independently reproduced here', () => {
  const account = walletOperations['wallet.account'](seed(), undefined) as { address: string; fingerprint: string; path: string };
  const key = HDKey.fromMasterSeed(seed()).derive("m/44'/60'/0'/0/0");
  const raw = secp256k1.ProjectivePoint.fromHex(key.publicKey!).toRawBytes(false);
  const expected = Buffer.from(keccak_256(raw.subarray(1)).subarray(12)).toString('hex');
  assert.equal(account.address.toLowerCase(), `0x${expected}`);
  assert.match(account.address, /^0x[0-9a-fA-F]{40}$/);
  assert.notEqual(account.address, account.address.toLowerCase(), 'EIP-55 mixes case');
  assert.equal(account.fingerprint, HDKey.fromMasterSeed(seed()).fingerprint.toString(16).padStart(8, '0'));
});

test('sign then verify through a vault; a tampered message or signature does not verify', () => {
  const vault = new SecretVault();
  const h = vault.import(seed());
  const signed = vault.read(h, (s) => walletOperations['wallet.sign'](s, { message: 'hello strongroom' })) as {
    signature: string;
    address: string;
  };
  assert.match(signed.signature, /^0x[0-9a-f]{130}$/);
  const verify = (message: string, signature: string) =>
    vault.read(h, (s) => walletOperations['wallet.verify'](s, { message, signature })) as { valid: boolean; signer: string | null };
  assert.equal(verify('hello strongroom', signed.signature).valid, true);
  assert.equal(verify('hello strongroom', signed.signature).signer, signed.address);
  assert.equal(verify('hello strongroom!', signed.signature).valid, false);
  const flipped = signed.signature.slice(0, 10) + (signed.signature[10] === 'a' ? 'b' : 'a') + signed.signature.slice(11);
  assert.equal(verify('hello strongroom', flipped).valid, false);
  vault.destroy(h);
});

test('operations refuse bad arguments with INVALID_ARGUMENT', () => {
  for (const args of [undefined, {}, { message: '' }, { message: 'x'.repeat(1025) }, { message: 42 }]) {
    assert.throws(
      () => walletOperations['wallet.sign'](seed(), args),
      (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_ARGUMENT',
    );
  }
  assert.throws(() => walletOperations['wallet.verify'](seed(), { message: 'm', signature: '0x12' }), /130 hex digits/);
});
