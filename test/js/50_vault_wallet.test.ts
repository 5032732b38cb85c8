// The vault's wallet calls: BIP-39 seeds, BIP-32 / SLIP-10 derivation and
// signing on native secrets, checked against independent implementations
// (@noble/curves, @noble/hashes, @scure/bip32), for both storages; every
// hostile argument refused with its code, before native code, and the vault
// left as it was.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { ed25519 } from '@noble/curves/ed25519';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1';
import { hmac } from '@noble/hashes/hmac';
import { sha512 } from '@noble/hashes/sha2';
import { keccak_256 } from '@noble/hashes/sha3';
import { HDKey } from '@scure/bip32';

import { SecretVault, type SecretHandle, type Storage } from '../../main';
import { at } from './support/assertions';
import { sealingUnderTest } from './support/sealing';

/** The sealing method these suites force (scripts/test-js.js runs them once per method). */
const sealing = sealingUnderTest();

const MNEMONIC = 'test test test test test test test test test test test junk';
const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const STORAGES: Storage[] = ['isolated', 'pooled'];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const words = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** EIP-55 checksummed address of an uncompressed secp256k1 public key (65 bytes). */
function ethereumAddress(uncompressed: Uint8Array): string {
  const plain = hex(keccak_256(uncompressed.subarray(1)).subarray(12));
  const hash = hex(keccak_256(new TextEncoder().encode(plain)));
  return (
    '0x' +
    plain
      .split('')
      .map((c, i) => (parseInt(at(hash, i, 'a hash digit'), 16) >= 8 ? c.toUpperCase() : c))
      .join('')
  );
}

/** SLIP-10 ed25519 derivation (hardened steps only), written from the spec for the comparison. */
function slip10Ed25519(seed: Uint8Array, steps: number[]): Uint8Array {
  let node = hmac(sha512, new TextEncoder().encode('ed25519 seed'), seed);
  for (const step of steps) {
    const data = new Uint8Array(37);
    data.set(node.subarray(0, 32), 1);
    new DataView(data.buffer).setUint32(33, (step | 0x80000000) >>> 0);
    node = hmac(sha512, node.subarray(32), data);
  }
  return node.subarray(0, 32);
}

for (const storage of STORAGES) {
  test(`${storage}: the development mnemonic signs for its Ethereum address`, () => {
    const vault = new SecretVault({ storage, sealing });
    const bytes = words(MNEMONIC);
    const seed = vault.importMnemonic(bytes);
    assert.ok(
      bytes.every((b) => b === 0),
      'the mnemonic bytes are wiped',
    );
    const key = vault.deriveKey(seed, "m/44'/60'/0'/0/0");
    assert.equal(key.depth, 5);
    assert.equal(key.path, "m/44'/60'/0'/0/0");
    assert.equal(key.childIndex, 0);
    assert.equal(key.publicKey.length, 33);
    assert.deepEqual(vault.publicKey(key.handle), key.publicKey);
    const point = secp256k1.Point.fromHex(key.publicKey);
    assert.equal(ethereumAddress(point.toBytes(false)), ADDRESS);

    const digest = keccak_256(new TextEncoder().encode('strongroom signs'));
    const { signature, recoveryId } = vault.sign(key.handle, digest, { scheme: 'ecdsa' });
    assert.equal(signature.length, 64);
    assert.ok(secp256k1.verify(signature, digest, key.publicKey, { lowS: true }));
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- @noble/curves 1.x recovers a key only through the signature; the standalone recoverPublicKey is 2.x's
    const recovered = secp256k1.Signature.fromBytes(signature, 'compact').addRecoveryBit(recoveryId!).recoverPublicKey(digest);
    assert.equal(ethereumAddress(recovered.toBytes(false)), ADDRESS);

    const stats = vault.stats();
    assert.equal(stats.secrets, 2, 'the seed and the key; the mnemonic words are not kept');
    assert.equal(stats.pooledSecrets, storage === 'pooled' ? 2 : 0);
    vault.destroyAll();
  });

  test(`${storage}: a passphrase changes the seed as BIP-39 says`, () => {
    const vault = new SecretVault({ storage, sealing });
    const plain = vault.importMnemonic(words(MNEMONIC));
    const salted = vault.importMnemonic(words(MNEMONIC), { passphrase: 'TREZOR' });
    const a = vault.deriveKey(plain, 'm/0').publicKey;
    const b = vault.deriveKey(salted, 'm/0').publicKey;
    assert.notDeepEqual(a, b);
    // Against @scure/bip32 on the same seed, read back from the vault.
    const seed = vault.read(salted, (view) => Uint8Array.from(view));
    assert.deepEqual(b, HDKey.fromMasterSeed(seed).derive('m/0').publicKey);
    vault.destroyAll();
  });

  test(`${storage}: 200 random seeds and paths agree with @scure/bip32, RFC 6979 signatures byte for byte`, () => {
    const vault = new SecretVault({ storage, sealing });
    for (let i = 0; i < 200; i++) {
      const seedBytes = randomBytes(16 + (i % 49));
      const reference = HDKey.fromMasterSeed(Uint8Array.from(seedBytes));
      const depth = i % 6;
      const steps = Array.from({ length: depth }, () => {
        const index = randomBytes(4).readUInt32BE(0) & 0x7fffffff;
        return randomBytes(1).readUInt8(0) & 1 ? `${index}'` : `${index}`;
      });
      const path = ['m', ...steps].join('/');
      const seed = vault.importSeed(seedBytes);
      const key = vault.deriveKey(seed, path);
      const expected = reference.derive(path);
      assert.equal(hex(key.publicKey), hex(expected.publicKey!), path);
      assert.equal(key.fingerprint, expected.fingerprint, path);
      assert.equal(key.parentFingerprint, expected.parentFingerprint, path);
      assert.equal(key.depth, depth);
      const digest = randomBytes(32);
      const ours = vault.sign(key.handle, digest, { scheme: 'ecdsa' });
      const theirs = secp256k1.sign(digest, expected.privateKey!, { lowS: true });
      assert.equal(hex(ours.signature), hex(theirs.toBytes('compact')), path);
      assert.equal(ours.recoveryId, theirs.recovery, path);
      vault.destroy(key.handle);
      vault.destroy(seed);
    }
    assert.equal(vault.stats().secrets, 0);
  });

  test(`${storage}: BIP-340 Schnorr signatures verify with @noble/curves`, () => {
    const vault = new SecretVault({ storage, sealing });
    const key = vault.deriveKey(vault.importMnemonic(words(MNEMONIC)), "m/86'/0'/0'/0/0");
    const message = randomBytes(32);
    const { signature, recoveryId } = vault.sign(key.handle, message, { scheme: 'schnorr' });
    assert.equal(recoveryId, undefined);
    assert.ok(schnorr.verify(signature, message, key.publicKey.subarray(1)));
    vault.destroyAll();
  });

  test(`${storage}: SLIP-10 ed25519 keys and RFC 8032 signatures match an independent derivation`, () => {
    const vault = new SecretVault({ storage, sealing });
    for (let i = 0; i < 20; i++) {
      const seedBytes = randomBytes(32);
      const steps = Array.from({ length: i % 5 }, () => randomBytes(4).readUInt32BE(0) & 0x7fffffff);
      const privateKey = slip10Ed25519(Uint8Array.from(seedBytes), steps);
      const seed = vault.importSeed(seedBytes);
      const key = vault.deriveKey(seed, ['m', ...steps.map((s) => `${s}H`)].join('/'), { curve: 'ed25519' });
      assert.equal(key.curve, 'ed25519');
      assert.equal(hex(key.publicKey), hex(ed25519.getPublicKey(privateKey)));
      assert.deepEqual(vault.publicKey(key.handle), key.publicKey);
      const message = randomBytes(i * 7);
      const { signature } = vault.sign(key.handle, message, { scheme: 'ed25519' });
      assert.equal(hex(signature), hex(ed25519.sign(message, privateKey)));
    }
    vault.destroyAll();
  });

  test(`${storage}: hostile arguments are refused with their code, and the vault is unchanged`, () => {
    const vault = new SecretVault({ storage, sealing });
    const seed = vault.importMnemonic(words(MNEMONIC));
    const key = vault.deriveKey(seed, "m/44'/60'/0'/0/0").handle;
    const edKey = vault.deriveKey(seed, "m/44'/501'/0'", { curve: 'ed25519' }).handle;
    const plain = vault.generate(32);
    const other = new SecretVault({ storage, sealing });
    const foreign = other.importSeed(randomBytes(32));
    const dead = vault.importSeed(randomBytes(32));
    vault.destroy(dead);
    const before = vault.stats();
    const digest = new Uint8Array(32);
    const deep = 'm' + '/1'.repeat(256);

    const refusals: [string, () => unknown][] = [
      // Paths.
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, "44'/60'")],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm/')],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm//1')],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm/-1')],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm/0x10')],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm/2147483648')],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, "m/1''")],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, deep)],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 7 as unknown as string)],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, "m/44'/501'/0", { curve: 'ed25519' })],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm', { curve: 'p256' as 'ed25519' })],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm', { storage: 'disk' as Storage })],
      ['INVALID_ARGUMENT', () => vault.deriveKey(seed, 'm', { extra: 1 } as object)],
      // Handles of the wrong kind, dead, foreign or fake.
      ['INVALID_ARGUMENT', () => vault.deriveKey(key, 'm/0')],
      ['INVALID_ARGUMENT', () => vault.deriveKey(plain, 'm/0')],
      ['INVALID_ARGUMENT', () => vault.sign(seed, digest, { scheme: 'ecdsa' })],
      ['INVALID_ARGUMENT', () => vault.sign(plain, digest, { scheme: 'ecdsa' })],
      ['INVALID_ARGUMENT', () => vault.sign(edKey, digest, { scheme: 'ecdsa' })],
      ['INVALID_ARGUMENT', () => vault.sign(key, digest, { scheme: 'ed25519' })],
      ['INVALID_ARGUMENT', () => vault.publicKey(seed)],
      ['INVALID_ARGUMENT', () => vault.write(key, () => vault.sign(key, digest, { scheme: 'ecdsa' }))],
      ['INVALID_ARGUMENT', () => vault.write(seed, () => vault.deriveKey(seed, 'm/0'))],
      ['INVALID_HANDLE', () => vault.deriveKey(dead, 'm/0')],
      ['INVALID_HANDLE', () => vault.deriveKey(foreign, 'm/0')],
      ['INVALID_HANDLE', () => vault.sign(dead, digest, { scheme: 'ecdsa' })],
      ['INVALID_HANDLE', () => vault.publicKey({} as unknown as SecretHandle)],
      // Messages and schemes.
      ['INVALID_SIZE', () => vault.sign(key, new Uint8Array(31), { scheme: 'ecdsa' })],
      ['INVALID_SIZE', () => vault.sign(key, new Uint8Array(33), { scheme: 'schnorr' })],
      ['INVALID_SIZE', () => vault.sign(key, new Uint8Array(0), { scheme: 'ecdsa' })],
      ['INVALID_SIZE', () => vault.sign(edKey, new Uint8Array(1024 * 1024 + 1), { scheme: 'ed25519' })],
      ['INVALID_ARGUMENT', () => vault.sign(key, Array.from(digest) as unknown as Uint8Array, { scheme: 'ecdsa' })],
      ['INVALID_ARGUMENT', () => vault.sign(key, digest, { scheme: 'rsa' as 'ecdsa' })],
      ['INVALID_ARGUMENT', () => vault.sign(key, digest, undefined as unknown as { scheme: 'ecdsa' })],
      // Mnemonics and seeds.
      ['INVALID_ARGUMENT', () => vault.importMnemonic(MNEMONIC as unknown as Uint8Array)],
      ['INVALID_ARGUMENT', () => vault.importMnemonic(words(MNEMONIC.replace('junk', 'test')))],
      ['INVALID_ARGUMENT', () => vault.importMnemonic(words(MNEMONIC.replace('junk', 'junko')))],
      ['INVALID_ARGUMENT', () => vault.importMnemonic(words(MNEMONIC), { passphrase: 7 as unknown as string })],
      ['INVALID_ARGUMENT', () => vault.importMnemonic(words(MNEMONIC), { password: 'x' } as object)],
      ['INVALID_SIZE', () => vault.importMnemonic(new Uint8Array(1025).fill(0x61))],
      ['INVALID_SIZE', () => vault.importSeed(randomBytes(15))],
      ['INVALID_SIZE', () => vault.importSeed(randomBytes(65))],
    ];
    for (const [code, call] of refusals) {
      assert.throws(call, (error: { code?: string; message?: string }) => {
        assert.equal(error.code, code, `${call.toString()}: ${error.message}`);
        return true;
      });
      assert.deepEqual(vault.stats(), before, call.toString());
    }
    // A refused mnemonic is given back, as import() gives back refused bytes.
    const refused = words(MNEMONIC.replace('junk', 'test'));
    assert.throws(() => vault.importMnemonic(refused), { code: 'INVALID_ARGUMENT' });
    assert.equal(Buffer.from(refused).toString('utf8'), MNEMONIC.replace('junk', 'test'));
    vault.destroyAll();
    other.destroyAll();
  });
}
