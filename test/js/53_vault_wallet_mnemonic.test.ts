// Mnemonics made natively (generateMnemonic: the entropy never in JS, the
// words only inside a read scope), turned into seeds without the words
// entering JS (mnemonicToSeed), and the async variants whose KDF runs on the
// libuv pool. Checked against @scure/bip39 and @scure/bip32, for both
// storages; hostile arguments refused with their code, the vault unchanged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';

import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

import { SecretVault, type SecretHandle, type Storage } from '../../main';
import { sealingUnderTest } from './support/sealing';

const sealing = sealingUnderTest();
const STORAGES: Storage[] = ['isolated', 'pooled'];
const MNEMONIC = 'test test test test test test test test test test test junk';
const ACCOUNT_0 = "m/44'/60'/0'/0/0";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const words = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
/** The words, read once inside the vault's scope (as a backup screen would). */
const readWords = (vault: SecretVault, handle: SecretHandle) => vault.read(handle, (view) => Buffer.from(view).toString('utf8'));

for (const storage of STORAGES) {
  test(`${storage}: generateMnemonic makes valid English mnemonics of every length, and their seeds are BIP-39's`, () => {
    const vault = new SecretVault({ storage, sealing });
    const seen = new Set<string>();
    for (const count of [12, 15, 18, 21, 24] as const) {
      for (let round = 0; round < 4; round++) {
        const mnemonic = vault.generateMnemonic({ words: count });
        const text = readWords(vault, mnemonic);
        const list = text.split(' ');
        assert.equal(list.length, count, text);
        assert.ok(
          list.every((w) => wordlist.includes(w)),
          `every word is in the English list: ${text}`,
        );
        assert.ok(validateMnemonic(text, wordlist), `the checksum is valid: ${text}`);
        assert.equal(vault.inspect(mnemonic).size, Buffer.byteLength(text), 'the secret holds the words and nothing else');
        seen.add(text);

        const passphrase = round % 2 === 0 ? undefined : 'TREZOR';
        const seed = vault.mnemonicToSeed(mnemonic, passphrase === undefined ? undefined : { passphrase });
        const expected = mnemonicToSeedSync(text, passphrase);
        assert.equal(hex(vault.read(seed, (view) => Uint8Array.from(view))), hex(expected));
        const key = vault.deriveKey(seed, ACCOUNT_0);
        assert.equal(hex(key.publicKey), hex(HDKey.fromMasterSeed(expected).derive(ACCOUNT_0).publicKey!));
        vault.destroy(key.handle);
        vault.destroy(seed);
        vault.destroy(mnemonic);
      }
    }
    assert.equal(seen.size, 20, 'every mnemonic is new (fresh CSPRNG entropy)');
    assert.equal(vault.stats().secrets, 0);
    vault.destroyAll();
  });

  test(`${storage}: a generated mnemonic is a wallet secret of its own kind, 24 words by default`, () => {
    const vault = new SecretVault({ storage, sealing });
    const mnemonic = vault.generateMnemonic();
    assert.equal(readWords(vault, mnemonic).split(' ').length, 24);
    assert.equal(vault.stats().pooledSecrets, storage === 'pooled' ? 1 : 0);
    const seed = vault.mnemonicToSeed(mnemonic);
    // The mnemonic stays until destroyed; a second seed with the same words is the same seed.
    const again = vault.mnemonicToSeed(mnemonic);
    assert.deepEqual(
      vault.read(seed, (v) => Uint8Array.from(v)),
      vault.read(again, (v) => Uint8Array.from(v)),
    );
    vault.destroyAll();
  });

  test(`${storage}: hostile mnemonic arguments are refused with their code, and the vault is unchanged`, () => {
    const vault = new SecretVault({ storage, sealing });
    const mnemonic = vault.generateMnemonic({ words: 12 });
    const seed = vault.mnemonicToSeed(mnemonic);
    const key = vault.deriveKey(seed, ACCOUNT_0).handle;
    const plain = vault.generate(32);
    const dead = vault.generateMnemonic({ words: 12 });
    vault.destroy(dead);
    const other = new SecretVault({ storage, sealing });
    const foreign = other.generateMnemonic({ words: 12 });
    const before = vault.stats();
    const digest = new Uint8Array(32);
    const refusals: [string, () => unknown][] = [
      ['INVALID_ARGUMENT', () => vault.generateMnemonic({ words: 13 as 12 })],
      ['INVALID_ARGUMENT', () => vault.generateMnemonic({ words: 0 as 12 })],
      ['INVALID_ARGUMENT', () => vault.generateMnemonic({ words: '12' as unknown as 12 })],
      ['INVALID_ARGUMENT', () => vault.generateMnemonic({ words: 24.5 as 24 })],
      ['INVALID_ARGUMENT', () => vault.generateMnemonic({ entropy: 16 } as object)],
      ['INVALID_ARGUMENT', () => vault.generateMnemonic({ storage: 'disk' as Storage })],
      ['INVALID_ARGUMENT', () => vault.generateMnemonic(null as unknown as object)],
      ['INVALID_ARGUMENT', () => vault.mnemonicToSeed(seed)],
      ['INVALID_ARGUMENT', () => vault.mnemonicToSeed(key)],
      ['INVALID_ARGUMENT', () => vault.mnemonicToSeed(plain)],
      ['INVALID_ARGUMENT', () => vault.mnemonicToSeed(mnemonic, { passphrase: 7 as unknown as string })],
      ['INVALID_SIZE', () => vault.mnemonicToSeed(mnemonic, { passphrase: 'x'.repeat(1025) })],
      ['INVALID_ARGUMENT', () => vault.mnemonicToSeed(mnemonic, { salt: 'x' } as object)],
      ['INVALID_ARGUMENT', () => vault.deriveKey(mnemonic, ACCOUNT_0)],
      ['INVALID_ARGUMENT', () => vault.sign(mnemonic, digest, { scheme: 'ecdsa' })],
      ['INVALID_ARGUMENT', () => vault.publicKey(mnemonic)],
      ['INVALID_ARGUMENT', () => vault.write(mnemonic, () => vault.mnemonicToSeed(mnemonic))],
      ['INVALID_HANDLE', () => vault.mnemonicToSeed(dead)],
      ['INVALID_HANDLE', () => vault.mnemonicToSeed(foreign)],
      ['INVALID_HANDLE', () => vault.mnemonicToSeed({} as unknown as SecretHandle)],
    ];
    for (const [code, call] of refusals) {
      assert.throws(call, (error: { code?: string; message?: string }) => {
        assert.equal(error.code, code, `${call.toString()}: ${error.message}`);
        return true;
      });
      assert.deepEqual(vault.stats(), before, call.toString());
    }
    vault.destroyAll();
    other.destroyAll();
  });

  test(`${storage}: importMnemonicAsync wipes the words before it returns and resolves to the same seed as importMnemonic`, async () => {
    const vault = new SecretVault({ storage, sealing });
    const bytes = words(MNEMONIC);
    const pending = vault.importMnemonicAsync(bytes, { passphrase: 'TREZOR' });
    assert.ok(
      bytes.every((b) => b === 0),
      'the mnemonic bytes are wiped before the call returns',
    );
    assert.equal(vault.stats().secrets, 0, 'nothing is registered until the seed is made');
    const seed = await pending;
    assert.equal(vault.stats().secrets, 1, 'the seed, and no copy of the words');
    assert.equal(vault.stats().pooledSecrets, storage === 'pooled' ? 1 : 0);
    const expected = mnemonicToSeedSync(MNEMONIC, 'TREZOR');
    assert.equal(hex(vault.read(seed, (view) => Uint8Array.from(view))), hex(expected));
    const sync = vault.importMnemonic(words(MNEMONIC), { passphrase: 'TREZOR' });
    assert.deepEqual(vault.deriveKey(seed, ACCOUNT_0).publicKey, vault.deriveKey(sync, ACCOUNT_0).publicKey);
    vault.destroyAll();
  });

  test(`${storage}: mnemonicToSeedAsync copies the words before it returns: the handle may go at once`, async () => {
    const vault = new SecretVault({ storage, sealing });
    const jobs: { text: string; pending: Promise<SecretHandle>; passphrase: string }[] = [];
    for (let i = 0; i < 8; i++) {
      const mnemonic = vault.generateMnemonic({ words: i % 2 === 0 ? 12 : 24 });
      const text = readWords(vault, mnemonic);
      const passphrase = randomBytes(6).toString('base64');
      jobs.push({ text, passphrase, pending: vault.mnemonicToSeedAsync(mnemonic, { passphrase }) });
      vault.destroy(mnemonic);
    }
    for (const { text, passphrase, pending } of jobs) {
      const seed = await pending;
      assert.equal(hex(vault.read(seed, (v) => Uint8Array.from(v))), hex(mnemonicToSeedSync(text, passphrase)));
    }
    assert.equal(vault.stats().secrets, 8);
    vault.destroyAll();
  });

  test(`${storage}: the async variants reject hostile input with the same codes, and a refused mnemonic is given back`, async () => {
    const vault = new SecretVault({ storage, sealing });
    const seed = vault.importMnemonic(words(MNEMONIC));
    const before = vault.stats();
    const refused = words(MNEMONIC.replace('junk', 'test'));
    await assert.rejects(vault.importMnemonicAsync(refused), { code: 'INVALID_ARGUMENT' });
    assert.equal(Buffer.from(refused).toString('utf8'), MNEMONIC.replace('junk', 'test'), 'the refused words are given back');
    await assert.rejects(vault.importMnemonicAsync(words(MNEMONIC.replace('junk', 'junko'))), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(vault.importMnemonicAsync(MNEMONIC as unknown as Uint8Array), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(vault.importMnemonicAsync(new Uint8Array(1025).fill(0x61)), { code: 'INVALID_SIZE' });
    await assert.rejects(vault.importMnemonicAsync(words(MNEMONIC), { passphrase: 1 as unknown as string }), {
      code: 'INVALID_ARGUMENT',
    });
    await assert.rejects(vault.mnemonicToSeedAsync(seed), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(vault.mnemonicToSeedAsync({} as unknown as SecretHandle), { code: 'INVALID_HANDLE' });
    assert.deepEqual(vault.stats(), before);
    vault.destroyAll();
  });
}
