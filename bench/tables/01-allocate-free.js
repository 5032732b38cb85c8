// 1. 32-byte allocate + free: pooled and isolated per sealing method (pkey
// where the CPU has keys, kernel-copy, mprotect), sodium-native,
// Buffer.alloc, and an empty Node-API call pair (the floor).
'use strict';

const floors = require('../floors');
const { fmtNs, fmtRatio, ratio, speed, table } = require('../format');
const { measure, scale, settleGarbageAndFinalizers } = require('../measure');

async function run({ strongroom, native, sodium, pools, poolAuto, methods }) {
  const pooledVault = new strongroom.SecretVault({ storage: 'pooled' });
  const isolatedVault = new strongroom.SecretVault({ storage: 'isolated' });
  const rows = {};
  rows.noop = measure((n) => {
    for (let i = 0; i < n; i++) {
      floors.noop();
      floors.noop();
    }
  }, 2_000_000);
  rows.bufferAlloc = measure((n) => {
    for (let i = 0; i < n; i++) Buffer.alloc(32).fill(0);
  }, 2_000_000);
  // The allocator through the plain functions over the pool's id (what the vault calls).
  const id = poolAuto.id;
  rows.poolAllocatorById = measure((n) => {
    for (let i = 0; i < n; i++) native.poolFree(id, native.poolAllocate(id, 32));
  }, 1_000_000);
  rows.poolGenerate = {};
  for (const method of methods) {
    const pool = pools[method];
    rows.poolGenerate[method] = measure((n) => {
      for (let i = 0; i < n; i++) pool.free(pool.generate(32));
    }, 100_000);
  }
  rows.vaultPooledGenerateBy = {};
  rows.vaultIsolatedGenerateBy = {};
  for (const method of methods) {
    const pooled = new strongroom.SecretVault({ storage: 'pooled', sealing: method });
    const isolated = new strongroom.SecretVault({ storage: 'isolated', sealing: method });
    rows.vaultPooledGenerateBy[method] = measure((n) => {
      for (let i = 0; i < n; i++) pooled.destroy(pooled.generate(32));
    }, 50_000);
    rows.vaultIsolatedGenerateBy[method] = measure((n) => {
      for (let i = 0; i < n; i++) isolated.destroy(isolated.generate(32));
    }, 20_000);
    pooled.destroyAll();
    isolated.destroyAll();
  }
  const secret = new Uint8Array(32).fill(7);
  rows.vaultPooledImport = measure((n) => {
    for (let i = 0; i < n; i++) {
      secret.fill(7);
      pooledVault.destroy(pooledVault.import(secret));
    }
  }, 50_000);
  // sodium_free detaches the buffer; the unmap happens in its finaliser at
  // the next GC, and 16,000 unfreed mappings abort the process (libsodium
  // #901). So: batches of 1,000, with forced GCs between batches and outside
  // the timing. This leaves sodium's munlock/munmap out of its number: the
  // comparison is tilted in sodium's favour, not ours.
  rows.sodium = sodium
    ? await (async () => {
        let best = Infinity;
        const total = Math.max(1000, Math.round(20_000 * scale));
        for (let round = 0; round < 5; round++) {
          let elapsed = 0n;
          for (let done = 0; done < total; done += 1000) {
            const start = process.hrtime.bigint();
            for (let i = 0; i < 1000; i++) sodium.sodium_free(sodium.sodium_malloc(32));
            elapsed += process.hrtime.bigint() - start;
            await settleGarbageAndFinalizers();
          }
          best = Math.min(best, Number(elapsed) / total);
        }
        return best;
      })()
    : null;
  await settleGarbageAndFinalizers();
  pooledVault.destroyAll();
  isolatedVault.destroyAll();
  return rows;
}

function print(results, { methods, autoSealing }) {
  const af = results.allocateFree;
  const rs = results.readScope;
  const sealingAuto = autoSealing.sealing;
  const sodiumCol = (t) => speed(af.sodium, t);
  const noopCol = (t) => fmtRatio(ratio(t, af.noop));
  const allocRows = [
    ['empty Node-API call pair (floor)', fmtNs(af.noop), sodiumCol(af.noop), '1.00×'],
    ['Buffer.alloc(32) (unprotected)', fmtNs(af.bufferAlloc), sodiumCol(af.bufferAlloc), noopCol(af.bufferAlloc)],
    [
      "pool allocate+free (allocator alone: no write, no syscall), plain functions over the pool id (the vault's path)",
      fmtNs(af.poolAllocatorById),
      sodiumCol(af.poolAllocatorById),
      noopCol(af.poolAllocatorById),
    ],
    [
      '  of which C++ Pool::allocate+free (measured in C++)',
      fmtNs(rs.floors.poolAllocateFreeNs),
      '',
      noopCol(rs.floors.poolAllocateFreeNs),
    ],
  ];
  for (const method of methods) {
    allocRows.push([
      `pool generate+free, ${method}`,
      fmtNs(af.poolGenerate[method]),
      sodiumCol(af.poolGenerate[method]),
      noopCol(af.poolGenerate[method]),
    ]);
  }
  allocRows.push([
    `vault.import(32 B)+destroy, pooled, auto = ${sealingAuto}`,
    fmtNs(af.vaultPooledImport),
    sodiumCol(af.vaultPooledImport),
    noopCol(af.vaultPooledImport),
  ]);
  for (const method of methods) {
    const t = af.vaultPooledGenerateBy[method];
    allocRows.push([`vault.generate(32)+destroy, pooled, ${method}`, fmtNs(t), sodiumCol(t), noopCol(t)]);
  }
  for (const method of methods) {
    const t = af.vaultIsolatedGenerateBy[method];
    allocRows.push([`vault.generate(32)+destroy, isolated, ${method}`, fmtNs(t), sodiumCol(t), noopCol(t)]);
  }
  allocRows.push(['sodium-native sodium_malloc(32)+sodium_free', fmtNs(af.sodium), '1.00×', noopCol(af.sodium)]);
  return [table('1. 32-byte allocate + free (per pair)', ['what', 'time', 'vs sodium_malloc+free', 'vs empty N-API pair'], allocRows), ''];
}

module.exports = { key: 'allocateFree', run, print };
