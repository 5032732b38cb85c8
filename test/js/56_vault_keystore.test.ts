// Web3 Secret Storage v3 keystores: the definition's own examples, round
// trips with ethers in both directions (random keys and passwords, unicode
// included), keys written shorter than 32 bytes, the KDF off the main thread
// with progress and cancellation, and every hostile file refused with its
// code before any work, with the password wiped and nothing created.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { keccak_256 } from '@noble/hashes/sha3';
import { scrypt } from '@noble/hashes/scrypt';
import { computeAddress, decryptKeystoreJson, encryptKeystoreJson } from 'ethers';

import { KEYSTORE_LIMITS, SecretVault, type SecretHandle, type Storage } from '../../main';
import { native } from '../../main/native';
import { sealingUnderTest } from './support/sealing';

const sealing = sealingUnderTest();
// scripts/test-js.js runs this file once per scrypt core (portable, sse2, avx512), forcing it with
// STRONGROOM_SCRYPT_CORE; a forced core that cannot run here fails every scrypt call (UNSUPPORTED).
const scryptCore = process.env.STRONGROOM_SCRYPT_CORE || 'auto';
const STORAGES: Storage[] = ['isolated', 'pooled'];
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
// ethers NFKC-normalizes a string password (geth takes the bytes as typed): the vault takes bytes, so it follows either.
const utf8 = (text: string) => new Uint8Array(Buffer.from(text.normalize('NFKC'), 'utf8'));
const wiped = (bytes: Uint8Array) => bytes.every((b) => b === 0);

// The Web3 Secret Storage definition's test vectors (password "testpassword").
const SPEC_KEY = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const SPEC_PBKDF2 = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const SPEC_SCRYPT = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: { dklen: 32, n: 262144, r: 1, p: 8, salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19' },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

function keyHex(vault: SecretVault, handle: SecretHandle): string {
  return vault.read(handle, (view) => hex(view.subarray(0, 32)));
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { code?: string }).code, code, String(error));
    return true;
  });
}

/** A keystore written the way the definition says, independently of the product (noble scrypt, Node's AES). */
function handMade(plaintext: Uint8Array, password: Uint8Array, address?: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const derived = scrypt(password, salt, { N: 1024, r: 8, p: 1, dkLen: 32 });
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = keccak_256(Buffer.concat([derived.subarray(16, 32), ciphertext]));
  return JSON.stringify({
    ...(address === undefined ? {} : { address }),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: hex(iv) },
      ciphertext: hex(ciphertext),
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n: 1024, r: 8, p: 1, salt: hex(salt) },
      mac: hex(mac),
    },
    id: '00000000-0000-4000-8000-000000000000',
    version: 3,
  });
}

test(`scrypt runs on the ${scryptCore} core: a keystore written with noble's scrypt imports to its key`, async () => {
  const vault = new SecretVault({ sealing });
  const key = randomBytes(32);
  key[0] = 0x01; // below the curve order
  const handle = await vault.importKeystore(handMade(key, utf8('core')), utf8('core'));
  assert.equal(keyHex(vault, handle), hex(key));
  vault.destroyAll();
});

for (const storage of STORAGES) {
  test(`${storage}: the definition's examples (pbkdf2 and scrypt) decrypt to their key; the password is wiped`, async () => {
    const vault = new SecretVault({ storage, sealing });
    for (const file of [SPEC_PBKDF2, SPEC_SCRYPT]) {
      const password = utf8('testpassword');
      const handle = await vault.importKeystore(JSON.stringify(file), password);
      assert.ok(wiped(password), 'the password bytes are wiped');
      assert.equal(keyHex(vault, handle), SPEC_KEY);
      assert.equal(vault.inspect(handle).storage, storage);
    }
    vault.destroyAll();
  });

  test(`${storage}: ethers-written keystores import, and exported ones decrypt in ethers (random keys, unicode passwords)`, async () => {
    const vault = new SecretVault({ storage, sealing });
    const passwords = ['', 'hunter2', 'pässwörd ünïcødé', '密码🔑 \u0041\u030A', randomBytes(24).toString('base64')];
    for (const [i, text] of passwords.entries()) {
      const privateKey = '0x' + randomBytes(32).toString('hex');
      // ethers -> vault.
      const written = await encryptKeystoreJson({ address: computeAddress(privateKey), privateKey }, text, {
        scrypt: { N: 1024, r: 8, p: 1 },
      });
      const imported = await vault.importKeystore(written, utf8(text));
      assert.equal('0x' + keyHex(vault, imported), privateKey, `case ${i}: ethers -> vault`);
      // vault -> ethers, both KDFs.
      const options = i % 2 === 0 ? { n: 1024, r: 8, p: 1 } : { kdf: 'pbkdf2' as const, c: 1000 };
      const password = utf8(text);
      const exported = await vault.exportKeystore(imported, password, options);
      assert.ok(wiped(password), 'the export password is wiped');
      const account = await decryptKeystoreJson(exported, text);
      assert.equal(account.privateKey, privateKey, `case ${i}: vault -> ethers`);
      assert.equal(account.address, computeAddress(privateKey));
      const parsed = JSON.parse(exported) as { address: string; version: number; crypto: { kdf: string } };
      assert.equal(parsed.version, 3);
      assert.equal(parsed.crypto.kdf, i % 2 === 0 ? 'scrypt' : 'pbkdf2');
      assert.equal('0x' + parsed.address, computeAddress(privateKey).toLowerCase());
      // And back again through the vault.
      const again = await vault.importKeystore(exported, utf8(text));
      assert.equal('0x' + keyHex(vault, again), privateKey);
      // Raw random password bytes (not UTF-8), as ethers takes them too.
      const raw = randomBytes(1 + i * 7);
      const rawWritten = await encryptKeystoreJson({ address: computeAddress(privateKey), privateKey }, new Uint8Array(raw), {
        scrypt: { N: 2048, r: 4, p: 2 },
      });
      const rawImported = await vault.importKeystore(rawWritten, new Uint8Array(raw));
      assert.equal('0x' + keyHex(vault, rawImported), privateKey, `case ${i}: raw password bytes`);
    }
    vault.destroyAll();
  });
}

test('a key written with 31 or 30 bytes imports as the same number, left-padded, and matches its address', async () => {
  const vault = new SecretVault({ sealing });
  for (const dropped of [1, 2]) {
    const key = randomBytes(32);
    key.fill(0, 0, dropped);
    key[dropped] = key.readUInt8(dropped) | 1; // not all zero
    const address = computeAddress('0x' + hex(key))
      .slice(2)
      .toLowerCase();
    const handle = await vault.importKeystore(handMade(key.subarray(dropped), utf8('old')), utf8('old'));
    assert.equal(keyHex(vault, handle), hex(key));
    const checked = await vault.importKeystore(handMade(key.subarray(dropped), utf8('old'), address), utf8('old'));
    assert.equal(keyHex(vault, checked), hex(key));
  }
  vault.destroyAll();
});

test('a wrong password is WRONG_PASSWORD; a file whose address is not its key is refused; nothing is created', async () => {
  const vault = new SecretVault({ sealing });
  const before = vault.stats();
  const password = utf8('testpassword!');
  await rejectsWith(vault.importKeystore(JSON.stringify(SPEC_PBKDF2), password), 'WRONG_PASSWORD');
  assert.ok(wiped(password));
  const key = randomBytes(32);
  const wrongAddress = 'ab'.repeat(20);
  await rejectsWith(vault.importKeystore(handMade(key, utf8('x'), wrongAddress), utf8('x')), 'INVALID_ARGUMENT');
  assert.equal(vault.stats().secrets, before.secrets);
});

test('the KDF runs off the main thread, reports progress to its total, and stops on abort (ABORTED, nothing created)', async () => {
  const vault = new SecretVault({ sealing });
  const file = handMade(randomBytes(32), utf8('p'));
  const heavy = JSON.parse(file) as { crypto: { kdfparams: { n: number } } };
  heavy.crypto.kdfparams.n = 131072; // 128 MiB, MAC will not match: the KDF runs in full first
  const reports: { done: number; total: number }[] = [];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    await rejectsWith(vault.importKeystore(JSON.stringify(heavy), utf8('p'), { onProgress: (p) => reports.push(p) }), 'WRONG_PASSWORD');
  } finally {
    clearInterval(timer);
  }
  assert.ok(reports.length >= 10, `${reports.length} progress reports`);
  const total = reports[0]?.total ?? 0;
  assert.equal(total, 2 * 131072);
  assert.equal(reports.at(-1)?.done, total);
  assert.ok(reports.every((r, i) => i === 0 || r.done >= (reports[i - 1]?.done ?? 0)));
  assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks during the KDF`);

  const before = vault.stats();
  const controller = new AbortController();
  const started = Date.now();
  const aborted = vault.importKeystore(JSON.stringify(heavy), utf8('p'), {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.done > 0) controller.abort();
    },
  });
  await rejectsWith(aborted, 'ABORTED');
  assert.ok(Date.now() - started < 5000);
  const already = new AbortController();
  already.abort();
  const password = utf8('p');
  await rejectsWith(vault.importKeystore(file, password, { signal: already.signal }), 'ABORTED');
  assert.ok(wiped(password));
  assert.equal(vault.stats().created, before.created);
});

test('hostile and malformed files are refused with their code before any work; the password is wiped', async () => {
  const vault = new SecretVault({ sealing });
  const good = JSON.parse(handMade(randomBytes(32), utf8('p'))) as Record<string, unknown> & {
    crypto: Record<string, unknown> & { kdfparams: Record<string, unknown>; cipherparams: Record<string, unknown> };
  };
  const variant = (edit: (file: typeof good) => void): string => {
    const copy = structuredClone(good);
    edit(copy);
    return JSON.stringify(copy);
  };
  const cases: [string, unknown, string][] = [
    ['not JSON', '{"version": 3,', 'INVALID_ARGUMENT'],
    ['not text', { version: 3 }, 'INVALID_ARGUMENT'],
    ['an array', '[]', 'INVALID_ARGUMENT'],
    ['version 1', variant((f) => (f.version = 1)), 'UNSUPPORTED'],
    ['version "3"', variant((f) => (f.version = '3')), 'UNSUPPORTED'],
    ['no version', variant((f) => delete f.version), 'INVALID_ARGUMENT'],
    ['no crypto', variant((f) => delete (f as Record<string, unknown>).crypto), 'INVALID_ARGUMENT'],
    ['unknown field', variant((f) => (f.extra = 1)), 'INVALID_ARGUMENT'],
    ['cipher aes-128-cbc', variant((f) => (f.crypto.cipher = 'aes-128-cbc')), 'UNSUPPORTED'],
    ['kdf argon2', variant((f) => (f.crypto.kdf = 'argon2')), 'UNSUPPORTED'],
    [
      'prf hmac-sha512',
      variant((f) => {
        f.crypto.kdf = 'pbkdf2';
        f.crypto.kdfparams = { c: 10, dklen: 32, prf: 'hmac-sha512', salt: 'aa' };
      }),
      'UNSUPPORTED',
    ],
    ['bad hex mac', variant((f) => (f.crypto.mac = 'zz'.repeat(32))), 'INVALID_ARGUMENT'],
    ['odd hex iv', variant((f) => (f.crypto.cipherparams.iv = 'abc')), 'INVALID_ARGUMENT'],
    ['short iv', variant((f) => (f.crypto.cipherparams.iv = 'ab'.repeat(8))), 'INVALID_ARGUMENT'],
    ['33-byte ciphertext', variant((f) => (f.crypto.ciphertext = 'ab'.repeat(33))), 'INVALID_ARGUMENT'],
    ['empty ciphertext', variant((f) => (f.crypto.ciphertext = '')), 'INVALID_ARGUMENT'],
    ['missing salt', variant((f) => delete f.crypto.kdfparams.salt), 'INVALID_ARGUMENT'],
    ['n not a power of two', variant((f) => (f.crypto.kdfparams.n = 1000)), 'INVALID_ARGUMENT'],
    ['n = 1', variant((f) => (f.crypto.kdfparams.n = 1)), 'INVALID_ARGUMENT'],
    ['n a float', variant((f) => (f.crypto.kdfparams.n = 1024.5)), 'INVALID_ARGUMENT'],
    ['n a string', variant((f) => (f.crypto.kdfparams.n = '1024')), 'INVALID_ARGUMENT'],
    ['dklen 16', variant((f) => (f.crypto.kdfparams.dklen = 16)), 'INVALID_ARGUMENT'],
    ['r = 0', variant((f) => (f.crypto.kdfparams.r = 0)), 'INVALID_ARGUMENT'],
    ['4 GiB of scrypt memory', variant((f) => (f.crypto.kdfparams.n = 2 ** 22)), 'LIMIT_EXCEEDED'],
    ['2^52 scrypt n', variant((f) => (f.crypto.kdfparams.n = 2 ** 52)), 'LIMIT_EXCEEDED'],
    ['r = 2^20', variant((f) => (f.crypto.kdfparams.r = 2 ** 20)), 'LIMIT_EXCEEDED'],
    ['too much scrypt work', variant((f) => Object.assign(f.crypto.kdfparams, { n: 2 ** 18, r: 16, p: 16 })), 'LIMIT_EXCEEDED'],
    [
      'a billion pbkdf2 rounds',
      variant((f) => {
        f.crypto.kdf = 'pbkdf2';
        f.crypto.kdfparams = { c: 1e9, dklen: 32, prf: 'hmac-sha256', salt: 'aa' };
      }),
      'LIMIT_EXCEEDED',
    ],
    ['a huge salt', variant((f) => (f.crypto.kdfparams.salt = 'ab'.repeat(KEYSTORE_LIMITS.maxSaltBytes + 1))), 'INVALID_ARGUMENT'],
    ['megabytes of JSON', ' '.repeat(KEYSTORE_LIMITS.maxJsonChars + 1), 'LIMIT_EXCEEDED'],
  ];
  const before = vault.stats();
  const rssBefore = process.memoryUsage().rss;
  for (const [name, file, code] of cases) {
    const password = utf8('p');
    const started = process.hrtime.bigint();
    await assert.rejects(vault.importKeystore(file as string, password), (error: unknown) => {
      assert.equal((error as { code?: string }).code, code, `${name}: ${String(error)}`);
      return true;
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 50, `${name}: refused in ${ms.toFixed(1)} ms, before any KDF work`);
    assert.ok(wiped(password), `${name}: the password is wiped`);
  }
  assert.ok(process.memoryUsage().rss - rssBefore < 64 * 2 ** 20, 'no large allocation');
  assert.equal(vault.stats().created, before.created);
  // Passwords that are not wipeable bytes are refused.
  await rejectsWith(vault.importKeystore(JSON.stringify(SPEC_SCRYPT), 'testpassword' as unknown as Uint8Array), 'INVALID_ARGUMENT');
  await rejectsWith(
    vault.importKeystore(JSON.stringify(SPEC_SCRYPT), new Uint8Array(KEYSTORE_LIMITS.maxPasswordBytes + 1)),
    'INVALID_SIZE',
  );
});

test('exportKeystore refuses what is not a secp256k1 key and parameters over the limits', async () => {
  const vault = new SecretVault({ sealing });
  const seed = vault.importSeed(randomBytes(32));
  const key = vault.import(randomBytes(32));
  await rejectsWith(vault.exportKeystore(seed, utf8('p')), 'INVALID_ARGUMENT');
  await rejectsWith(vault.exportKeystore(key, utf8('p')), 'INVALID_ARGUMENT'); // raw bytes, not a wallet key
  const derived = vault.deriveKey(vault.importSeed(randomBytes(32)), "m/44'/60'/0'/0/0");
  const password = utf8('p');
  await rejectsWith(vault.exportKeystore(derived.handle, password, { n: 2 ** 23 }), 'LIMIT_EXCEEDED');
  assert.ok(wiped(password));
  await rejectsWith(vault.exportKeystore(derived.handle, utf8('p'), { n: 1000 }), 'INVALID_ARGUMENT');
  await rejectsWith(vault.exportKeystore(derived.handle, utf8('p'), { kdf: 'pbkdf2', n: 1024 }), 'INVALID_ARGUMENT');
  // A derived key (key then chain code) exports its 32-byte private key.
  const json = await vault.exportKeystore(derived.handle, utf8('p'), { n: 1024 });
  const account = await decryptKeystoreJson(json, 'p');
  assert.equal(account.privateKey, '0x' + keyHex(vault, derived.handle));
  vault.destroyAll();
});

test("scrypt's working array is out of core dumps and forked children while the KDF runs (smaps dd, dc), advised huge pages (hg), and unmapped after", async (t) => {
  if (process.platform !== 'linux') {
    t.skip('reads /proc/self/smaps (Linux)');
    return;
  }
  const vault = new SecretVault({ sealing });
  const file = JSON.parse(handMade(randomBytes(32), utf8('p'))) as { crypto: { kdfparams: { n: number; r: number } } };
  file.crypto.kdfparams.n = 65536; // 64 MiB at r = 8, in a mapping one 2 MiB huge page larger (to align it)
  const sizeKib = (128 * 8 * 65536) / 1024 + 2048;
  const mappingsOfSize = () =>
    readFileSync('/proc/self/smaps', 'utf8')
      .split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)
      .filter((mapping) => new RegExp(`^Size:\\s+${sizeKib} kB$`, 'm').test(mapping));
  const already = mappingsOfSize().length;
  let seen: string[] | null = null;
  await rejectsWith(
    vault.importKeystore(JSON.stringify(file), utf8('p'), {
      onProgress: ({ done, total }) => {
        if (seen === null && done >= total / 2) seen = mappingsOfSize();
      },
    }),
    'WRONG_PASSWORD',
  );
  const during: string[] = (seen as string[] | null) ?? []; // set in the progress callback, which tsc does not follow
  assert.equal(during.length, already + 1, 'one working array of 128 * r * n bytes while the KDF runs');
  const flags = (mapping: string) => /^VmFlags:(.*)$/m.exec(mapping)?.[1]?.trim().split(/\s+/) ?? [];
  const array = during.find((mapping) => flags(mapping).includes('dd')) ?? '';
  assert.ok(flags(array).includes('dd'), `dump-excluded: ${flags(array).join(' ')}`);
  assert.ok(flags(array).includes('dc'), `fork-excluded: ${flags(array).join(' ')}`);
  assert.ok(!flags(array).includes('lo'), 'not locked (it could not be under ordinary limits)');
  if (existsSync('/sys/kernel/mm/transparent_hugepage/enabled')) {
    // The advice is recorded whatever the THP mode; whether huge pages back it is up to the kernel.
    assert.ok(flags(array).includes('hg'), `advised MADV_HUGEPAGE: ${flags(array).join(' ')}`);
  }
  assert.equal(mappingsOfSize().length, already, 'unmapped when the call settles');
});

test("the parser's limits are the native layer's", () => {
  assert.deepEqual(native.keystoreLimits, {
    maxScryptMemory: KEYSTORE_LIMITS.maxScryptMemoryBytes,
    maxScryptWork: KEYSTORE_LIMITS.maxScryptWork,
    maxScryptR: KEYSTORE_LIMITS.maxScryptR,
    maxScryptP: KEYSTORE_LIMITS.maxScryptP,
    maxPbkdf2Iterations: KEYSTORE_LIMITS.maxPbkdf2Iterations,
    maxDerivedKeyBytes: KEYSTORE_LIMITS.maxDerivedKeyBytes,
    maxSaltBytes: KEYSTORE_LIMITS.maxSaltBytes,
    maxPasswordBytes: KEYSTORE_LIMITS.maxPasswordBytes,
  });
});
