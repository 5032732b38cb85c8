// Extended public keys (BIP-32 serialization, Base58Check) from deriveKey,
// against the official BIP-32 vectors 1-4 (read in place from the folder
// STRONGROOM_VECTORS names, as the native wallet tests read them) and
// against @scure/bip32 on random seeds and paths; SLIP-10 ed25519 has no
// xpub and says so.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { HDKey } from '@scure/bip32';

import { SecretVault, type Storage } from '../../main';
import { packageRoot } from './support/platform';

const STORAGES: Storage[] = ['isolated', 'pooled'];
const VECTORS_FILE = 'bip-0032-test-vectors.json';

interface Bip32Vectors {
  vectors: { vector: number; seed: string | null; chains: { path: string; xpub: string; xprv: string }[] }[];
}

/** The official vectors, or why they are not here (STRONGROOM_REQUIRE_VECTORS=1 turns that into a failure). */
function loadVectors(): Bip32Vectors | string {
  // Default as the native tests' CMake: the `vectors` folder of a `shared` folder beside the checkout.
  const folder = process.env.STRONGROOM_VECTORS ?? path.join(path.dirname(packageRoot), 'shared', 'vectors');
  const file = path.join(folder, VECTORS_FILE);
  if (!fs.existsSync(file)) {
    const reason = `${file} is missing: set STRONGROOM_VECTORS to the folder of the official BIP, SLIP and Wycheproof vectors`;
    if (process.env.STRONGROOM_REQUIRE_VECTORS === '1') throw new Error(`${reason}; STRONGROOM_REQUIRE_VECTORS=1 needs them`);
    return reason;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Bip32Vectors;
}

const vectors = loadVectors();

for (const storage of STORAGES) {
  test(`${storage}: BIP-32 vectors 1-4: every chain's xpub`, { skip: typeof vectors === 'string' ? vectors : false }, () => {
    const vault = new SecretVault({ storage });
    let checked = 0;
    for (const vector of (vectors as Bip32Vectors).vectors) {
      if (vector.seed === null) continue; // vector 5: invalid extended keys only, no seed
      const seed = vault.importSeed(Buffer.from(vector.seed, 'hex'));
      for (const chain of vector.chains) {
        const key = vault.deriveKey(seed, chain.path, { extendedPublicKey: true });
        assert.equal(key.extendedPublicKey, chain.xpub, `vector ${vector.vector} ${chain.path}`);
        vault.destroy(key.handle);
        checked++;
      }
      vault.destroy(seed);
    }
    assert.equal(checked, 17, 'BIP-32 vectors 1-4 have 6, 6, 2 and 3 chains');
    vault.destroyAll();
  });

  test(`${storage}: xpubs of random seeds and paths equal @scure/bip32's, and only when asked`, () => {
    const vault = new SecretVault({ storage });
    for (let i = 0; i < 50; i++) {
      const seedBytes = randomBytes(16 + (i % 49));
      const reference = HDKey.fromMasterSeed(Uint8Array.from(seedBytes));
      const steps = Array.from({ length: i % 6 }, () => {
        const index = randomBytes(4).readUInt32BE(0) & 0x7fffffff;
        return randomBytes(1).readUInt8(0) & 1 ? `${index}'` : `${index}`;
      });
      const keyPath = ['m', ...steps].join('/');
      const seed = vault.importSeed(seedBytes);
      const key = vault.deriveKey(seed, keyPath, { extendedPublicKey: true });
      assert.equal(key.extendedPublicKey, reference.derive(keyPath).publicExtendedKey, keyPath);
      const plain = vault.deriveKey(seed, keyPath, { extendedPublicKey: false });
      assert.equal('extendedPublicKey' in plain, false, 'no xpub unless asked');
      assert.equal('extendedPublicKey' in vault.deriveKey(seed, keyPath), false, 'no xpub by default');
    }
    vault.destroyAll();
  });

  test(`${storage}: ed25519 has no xpub: a clear UNSUPPORTED, nothing created`, () => {
    const vault = new SecretVault({ storage });
    const seed = vault.importSeed(randomBytes(32));
    const before = vault.stats();
    assert.throws(
      () => vault.deriveKey(seed, "m/44'/501'/0'", { curve: 'ed25519', extendedPublicKey: true }),
      (error: { code?: string; message?: string }) => {
        assert.equal(error.code, 'UNSUPPORTED');
        assert.match(error.message ?? '', /secp256k1/);
        return true;
      },
    );
    assert.throws(() => vault.deriveKey(seed, 'm/0', { extendedPublicKey: 'yes' as unknown as boolean }), { code: 'INVALID_ARGUMENT' });
    assert.deepEqual(vault.stats(), before);
    // Without the flag the same derivation works.
    assert.equal(vault.deriveKey(seed, "m/44'/501'/0'", { curve: 'ed25519' }).publicKey.length, 32);
    vault.destroyAll();
  });
}
