// The differential: 10,000 random seeds, paths and digests through the
// vault's native BIP-32 derivation and ECDSA signing, against @scure/bip32
// and @noble/curves: identical private keys and chain codes, public keys,
// fingerprints, RFC 6979 signatures and recovery ids. Then SLIP-10 ed25519
// keys and RFC 8032 signatures against @noble/curves' ed25519 (and a SLIP-10
// derivation written from the spec with @noble/hashes).
//
// The cases come from a seeded generator (AES-128-CTR keystream): a failure
// names its seed, and STRONGROOM_DIFFERENTIAL_SEED=<hex> replays the run.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { ed25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { hmac } from '@noble/hashes/hmac';
import { sha512 } from '@noble/hashes/sha2';
import { HDKey } from '@scure/bip32';

import { SecretVault, type Storage } from '../../main';

const SECP256K1_CASES = 10_000;
const ED25519_CASES = 2_000;
const MAX_DEPTH = 5;
const HARDENED = 0x80000000;

const runSeed = process.env.STRONGROOM_DIFFERENTIAL_SEED ?? randomBytes(16).toString('hex');
const replay = `rerun with STRONGROOM_DIFFERENTIAL_SEED=${runSeed}`;

/** A deterministic byte stream from the run's seed. */
function generator(seedHex: string) {
  const key = Buffer.alloc(16);
  Buffer.from(seedHex, 'hex').copy(key);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const bytes = (n: number) => Uint8Array.from(cipher.update(Buffer.alloc(n)));
  const u32 = () => Buffer.from(bytes(4)).readUInt32BE(0);
  return { bytes, u32, below: (n: number) => u32() % n };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function slip10Ed25519(seed: Uint8Array, steps: number[]): { key: Uint8Array; chain: Uint8Array } {
  let node = hmac(sha512, new TextEncoder().encode('ed25519 seed'), seed);
  for (const step of steps) {
    const data = new Uint8Array(37);
    data.set(node.subarray(0, 32), 1);
    new DataView(data.buffer).setUint32(33, (step | HARDENED) >>> 0);
    node = hmac(sha512, node.subarray(32), data);
  }
  return { key: node.slice(0, 32), chain: node.slice(32) };
}

test(`${SECP256K1_CASES} random seeds, paths and digests: BIP-32 keys and RFC 6979 signatures identical to @scure/bip32 and @noble/curves`, () => {
  const random = generator(runSeed);
  const vaults: Record<Storage, SecretVault> = {
    isolated: new SecretVault({ storage: 'isolated' }),
    pooled: new SecretVault({ storage: 'pooled' }),
  };
  for (let i = 0; i < SECP256K1_CASES; i++) {
    const vault = i % 2 === 0 ? vaults.pooled : vaults.isolated;
    const seedBytes = random.bytes(16 + random.below(49));
    const steps = Array.from({ length: random.below(MAX_DEPTH + 1) }, () => {
      const index = random.u32() & 0x7fffffff;
      return random.below(2) === 1 ? `${index}'` : `${index}`;
    });
    const path = ['m', ...steps].join('/');
    const digest = random.bytes(32);
    const where = `case ${i} (${path}, seed ${hex(seedBytes)}): ${replay}`;

    const expected = HDKey.fromMasterSeed(seedBytes).derive(path);
    const seed = vault.importSeed(Uint8Array.from(seedBytes));
    const key = vault.deriveKey(seed, path);
    assert.equal(hex(key.publicKey), hex(expected.publicKey!), where);
    assert.equal(key.fingerprint, expected.fingerprint, where);
    assert.equal(key.parentFingerprint, expected.parentFingerprint, where);
    assert.equal(key.depth, expected.depth, where);
    assert.equal(key.childIndex, expected.index, where);
    // The private key and chain code themselves, read back once for the comparison.
    const secret = vault.read(key.handle, (view) => hex(view));
    assert.equal(secret, hex(expected.privateKey!) + hex(expected.chainCode!), where);

    const ours = vault.sign(key.handle, digest, { scheme: 'ecdsa' });
    const theirs = secp256k1.sign(digest, expected.privateKey!, { lowS: true });
    assert.equal(hex(ours.signature), hex(theirs.toBytes('compact')), where);
    assert.equal(ours.recoveryId, theirs.recovery, where);
    vault.destroy(key.handle);
    vault.destroy(seed);
  }
  assert.equal(vaults.isolated.stats().secrets + vaults.pooled.stats().secrets, 0);
});

test(`${ED25519_CASES} random seeds, hardened paths and messages: SLIP-10 ed25519 keys and RFC 8032 signatures identical to @noble/curves`, () => {
  const random = generator(hex(sha512(Buffer.from(runSeed, 'hex')).subarray(0, 16)));
  const vault = new SecretVault({ storage: 'pooled' });
  for (let i = 0; i < ED25519_CASES; i++) {
    const seedBytes = random.bytes(16 + random.below(49));
    const steps = Array.from({ length: random.below(MAX_DEPTH + 1) }, () => random.u32() & 0x7fffffff);
    const path = ['m', ...steps.map((s) => `${s}'`)].join('/');
    const message = random.bytes(random.below(300));
    const where = `case ${i} (${path}, seed ${hex(seedBytes)}): ${replay}`;

    const expected = slip10Ed25519(seedBytes, steps);
    const seed = vault.importSeed(Uint8Array.from(seedBytes));
    const key = vault.deriveKey(seed, path, { curve: 'ed25519' });
    assert.equal(
      vault.read(key.handle, (view) => hex(view)),
      hex(expected.key) + hex(expected.chain),
      where,
    );
    assert.equal(hex(key.publicKey), hex(ed25519.getPublicKey(expected.key)), where);
    const { signature } = vault.sign(key.handle, message, { scheme: 'ed25519' });
    assert.equal(hex(signature), hex(ed25519.sign(message, expected.key)), where);
    vault.destroy(key.handle);
    vault.destroy(seed);
  }
  assert.equal(vault.stats().secrets, 0);
});
