// 6. Wallet crypto on sealed memory, side by side with the JavaScript
// libraries an app would otherwise run on the key's bytes:
//   - ECDSA sign (RFC 6979, recovery id) with a sealed pooled key, per sealing
//     method, against @noble/curves secp256k1.sign with the key in JS and
//     against the floor: libsecp256k1's own sign with its key read from a
//     sealed chunk by one read scope, in C++ (the benchmark module);
//   - derive m/44'/60'/0'/0/0 from a seed handle against @scure/bip32;
//   - BIP-39 mnemonic -> seed against @scure/bip39, and the async variant:
//     its throughput with the KDF on the libuv pool, and what each call costs
//     the main thread.
'use strict';

const { secp256k1 } = require('@noble/curves/secp256k1');
const { HDKey } = require('@scure/bip32');
const { mnemonicToSeedSync } = require('@scure/bip39');

const floors = require('../floors');
const { fmtNs, fmtRatio, ratio, speed, table } = require('../format');
const { measure, scale } = require('../measure');

const MNEMONIC = 'test test test test test test test test test test test junk';
const ACCOUNT_0 = "m/44'/60'/0'/0/0";
const ASYNC_BATCH = 64;

async function run({ strongroom, methods }) {
  const { SecretVault } = strongroom;
  const out = { sign: {}, signFloor: {}, nobleSign: null, derive: null, scureDerive: null };
  const digest = new Uint8Array(32).fill(7);

  // The same key both ways: derived natively, then read once for noble.
  for (const method of methods) {
    const vault = new SecretVault({ storage: 'pooled', sealing: method });
    const key = vault.deriveKey(vault.importMnemonic(new TextEncoder().encode(MNEMONIC)), ACCOUNT_0).handle;
    if (out.nobleSign === null) {
      const keyBytes = vault.read(key, (view) => Uint8Array.from(view.subarray(0, 32)));
      out.nobleSign = measure((n) => {
        for (let i = 0; i < n; i++) secp256k1.sign(digest, keyBytes, { lowS: true });
      }, 500);
      keyBytes.fill(0);
    }
    out.sign[method] = measure((n) => {
      for (let i = 0; i < n; i++) vault.sign(key, digest, { scheme: 'ecdsa' });
    }, 5000);
    out.signFloor[method] = floors.walletSignFloor(Math.max(1, Math.round(5000 * scale)), method);
    vault.destroyAll();
  }

  const vault = new SecretVault({ storage: 'pooled' });
  const seedBytes = mnemonicToSeedSync(MNEMONIC);
  const seed = vault.importSeed(Uint8Array.from(seedBytes));
  out.derive = measure((n) => {
    for (let i = 0; i < n; i++) vault.destroy(vault.deriveKey(seed, ACCOUNT_0).handle);
  }, 2000);
  out.scureDerive = measure((n) => {
    for (let i = 0; i < n; i++) HDKey.fromMasterSeed(seedBytes).derive(ACCOUNT_0);
  }, 100);

  const template = new TextEncoder().encode(MNEMONIC);
  const words = new Uint8Array(template.length);
  out.mnemonicToSeed = measure((n) => {
    for (let i = 0; i < n; i++) {
      words.set(template);
      vault.destroy(vault.importMnemonic(words));
    }
  }, 200);
  out.scureMnemonicToSeed = measure((n) => {
    for (let i = 0; i < n; i++) mnemonicToSeedSync(MNEMONIC);
  }, 20);

  // Async: a batch started at once (each call's synchronous part timed on the
  // main thread), then awaited; best of a few rounds.
  out.asyncThroughput = Infinity;
  out.asyncMainThread = Infinity;
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    const pending = [];
    const start = process.hrtime.bigint();
    for (let i = 0; i < ASYNC_BATCH; i++) {
      words.set(template);
      pending.push(vault.importMnemonicAsync(words));
    }
    const issued = process.hrtime.bigint();
    const handles = await Promise.all(pending);
    const done = process.hrtime.bigint();
    for (const handle of handles) vault.destroy(handle);
    out.asyncMainThread = Math.min(out.asyncMainThread, Number(issued - start) / ASYNC_BATCH);
    out.asyncThroughput = Math.min(out.asyncThroughput, Number(done - start) / ASYNC_BATCH);
  }
  out.asyncBatch = ASYNC_BATCH;
  out.threadpoolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  vault.destroyAll();
  seedBytes.fill(0);
  return out;
}

function print(results, { methods }) {
  const w = results.wallet;
  const rows = [];
  for (const method of methods) {
    rows.push([
      `ECDSA sign, sealed pooled key (${method})`,
      fmtNs(w.sign[method]),
      `@noble/curves sign, key in JS: ${fmtNs(w.nobleSign)}`,
      speed(w.nobleSign, w.sign[method]),
    ]);
    rows.push([
      `ECDSA sign, sealed pooled key (${method})`,
      fmtNs(w.sign[method]),
      `libsecp256k1 sign + one sealed read, in C++: ${fmtNs(w.signFloor[method])}`,
      `${fmtRatio(ratio(w.sign[method], w.signFloor[method]))} the floor`,
    ]);
  }
  rows.push([
    `derive ${ACCOUNT_0} from a seed handle`,
    fmtNs(w.derive),
    `@scure/bip32: ${fmtNs(w.scureDerive)}`,
    speed(w.scureDerive, w.derive),
  ]);
  rows.push([
    'mnemonic -> seed (importMnemonic)',
    fmtNs(w.mnemonicToSeed),
    `@scure/bip39: ${fmtNs(w.scureMnemonicToSeed)}`,
    speed(w.scureMnemonicToSeed, w.mnemonicToSeed),
  ]);
  rows.push([
    `mnemonic -> seed (importMnemonicAsync, ${w.asyncBatch} at once, ${w.threadpoolSize} pool threads)`,
    `${fmtNs(w.asyncThroughput)} per seed`,
    `@scure/bip39: ${fmtNs(w.scureMnemonicToSeed)}`,
    speed(w.scureMnemonicToSeed, w.asyncThroughput),
  ]);
  rows.push([
    'importMnemonicAsync: main-thread time per call',
    fmtNs(w.asyncMainThread),
    `importMnemonic (all on the main thread): ${fmtNs(w.mnemonicToSeed)}`,
    `${fmtRatio(ratio(w.asyncMainThread, w.mnemonicToSeed))} of it`,
  ]);
  return [table('6. Wallet crypto on sealed memory', ['operation', 'time', 'compared with', 'ratio'], rows), ''];
}

/** The wallet's rows of the targets table. */
function targets(results, { methods }, missing) {
  const w = results.wallet;
  const out = [];
  const row = (target, sealing, measured, value, meets) =>
    out.push({ target, sealing, measured, met: value === null ? null : meets(value), reason: value === null ? 'no data' : null });
  for (const method of ['pkey', 'kernel-copy', 'mprotect']) {
    if (!methods.includes(method)) {
      for (const target of [
        'vault.sign (ECDSA, sealed pooled key) >= 5x faster than @noble/curves secp256k1.sign',
        'vault.sign (ECDSA, sealed pooled key) <= 1.3x libsecp256k1 sign + one sealed read',
      ]) {
        out.push({ target, sealing: method, measured: 'n/a', met: null, reason: missing(method) });
      }
      continue;
    }
    const faster = ratio(w.nobleSign, w.sign[method]);
    row(
      'vault.sign (ECDSA, sealed pooled key) >= 5x faster than @noble/curves secp256k1.sign',
      method,
      `${fmtNs(w.sign[method])} vs ${fmtNs(w.nobleSign)}: ${speed(w.nobleSign, w.sign[method])}`,
      faster,
      (r) => r >= 5,
    );
    const overFloor = ratio(w.sign[method], w.signFloor[method]);
    row(
      'vault.sign (ECDSA, sealed pooled key) <= 1.3x libsecp256k1 sign + one sealed read',
      method,
      `${fmtNs(w.sign[method])} = ${fmtRatio(overFloor)} the floor (${fmtNs(w.signFloor[method])})`,
      overFloor,
      (r) => r <= 1.3,
    );
  }
  const sealing = results.sealing.sealing;
  row(
    `vault.deriveKey(seed, "${ACCOUNT_0}") >= 5x faster than @scure/bip32`,
    sealing,
    `${fmtNs(w.derive)} vs ${fmtNs(w.scureDerive)}: ${speed(w.scureDerive, w.derive)}`,
    ratio(w.scureDerive, w.derive),
    (r) => r >= 5,
  );
  row(
    'importMnemonic (mnemonic -> seed) >= 2x faster than @scure/bip39',
    sealing,
    `${fmtNs(w.mnemonicToSeed)} vs ${fmtNs(w.scureMnemonicToSeed)}: ${speed(w.scureMnemonicToSeed, w.mnemonicToSeed)}`,
    ratio(w.scureMnemonicToSeed, w.mnemonicToSeed),
    (r) => r >= 2,
  );
  row(
    'importMnemonicAsync (per seed, in a batch) >= 2x faster than @scure/bip39',
    sealing,
    `${fmtNs(w.asyncThroughput)} vs ${fmtNs(w.scureMnemonicToSeed)}: ${speed(w.scureMnemonicToSeed, w.asyncThroughput)}`,
    ratio(w.scureMnemonicToSeed, w.asyncThroughput),
    (r) => r >= 2,
  );
  return out;
}

module.exports = { key: 'wallet', run, print, targets };
