// 2. 32-byte read scope: isolated and pooled, per sealing method, against
// the raw floors measured in C++ in the same run (a pkey_set pair, one
// pread of /proc/self/mem, an mprotect pair); 2b. the kernel-copy
// descriptor policies, from the same floors.
'use strict';

const floors = require('../floors');
const { fmtNs, fmtRatio, ratio, table } = require('../format');
const { measure, scale } = require('../measure');

function run({ strongroom, native, pools, methods }) {
  const rows = {
    floors: floors.sealingFloors(Math.round(200_000 * scale)),
    pooledNative: {},
    isolatedNative: {},
    vaultPooled: {},
    vaultIsolated: {},
  };
  const target = new Uint8Array(32);
  for (const method of methods) {
    const pool = pools[method];
    const chunk = pool.generate(32);
    rows.pooledNative[method] = measure((n) => {
      for (let i = 0; i < n; i++) pool.readInto(chunk, target);
    }, 200_000);
    pool.free(chunk);
    const region = new native.ProtectedRegion(32, 1 << 20, true, method);
    region.fillRandom();
    rows.isolatedNative[method] = measure((n) => {
      for (let i = 0; i < n; i++) region.readInto(target);
    }, 200_000);
    region.destroy();
    const pooledVault = new strongroom.SecretVault({ storage: 'pooled', sealing: method });
    const isolatedVault = new strongroom.SecretVault({ sealing: method });
    const hp = pooledVault.generate(32);
    const hi = isolatedVault.generate(32);
    rows.vaultPooled[method] = measure((n) => {
      for (let i = 0; i < n; i++) pooledVault.read(hp, (v) => v[0]);
    }, 200_000);
    rows.vaultIsolated[method] = measure((n) => {
      for (let i = 0; i < n; i++) isolatedVault.read(hi, (v) => v[0]);
    }, 200_000);
    pooledVault.destroyAll();
    isolatedVault.destroyAll();
  }
  return rows;
}

/** The floor a read scope under `method` is compared with. */
function floorOf(rs, method) {
  return method === 'pkey'
    ? rs.floors.pkeyPairNs
    : method === 'kernel-copy'
      ? rs.floors.kernelCopyReadNs
      : method === 'mprotect'
        ? rs.floors.mprotectPairNs
        : null;
}

function print(results, { methods }) {
  const rs = results.readScope;
  const lines = [];
  const readRows = [
    ['floor: pkey_set pair (C++)', fmtNs(rs.floors.pkeyPairNs), '', rs.floors.pkeyPairNs === null ? 'n/a: no protection keys here' : ''],
    [
      'floor: one 32-byte pread of /proc/self/mem (C++)',
      fmtNs(rs.floors.kernelCopyReadNs),
      '',
      rs.floors.kernelCopyReadNs === null ? 'n/a: no kernel copy here' : '',
    ],
    ['floor: mprotect pair (C++)', fmtNs(rs.floors.mprotectPairNs), '', ''],
  ];
  for (const [label, key] of [
    ['pooled readInto', 'pooledNative'],
    ['isolated readInto', 'isolatedNative'],
    ['vault.read, pooled', 'vaultPooled'],
    ['vault.read, isolated', 'vaultIsolated'],
  ]) {
    for (const method of methods) {
      const t = rs[key][method];
      readRows.push([`${label}, ${method}`, fmtNs(t), fmtNs(floorOf(rs, method)), fmtRatio(ratio(t, floorOf(rs, method)))]);
    }
  }
  lines.push(table('2. 32-byte read scope (per scope)', ['what', 'time', 'floor of its sealing', 'vs floor'], readRows));
  lines.push('');
  const kd = rs.floors.kernelCopyDescriptorsNs;
  if (kd.readWritePread !== null) {
    lines.push(
      table(
        '2b. kernel-copy descriptor policies (32 bytes, one sealed page, C++)',
        ['what', 'time', 'vs pread on the kept descriptor'],
        [
          ['pread, kept read-write descriptor (used)', fmtNs(kd.readWritePread), '1.00×'],
          ['pread, separate read-only descriptor', fmtNs(kd.readOnlyPread), fmtRatio(ratio(kd.readOnlyPread, kd.readWritePread))],
          ['pwrite, kept read-write descriptor (used)', fmtNs(kd.readWritePwrite), fmtRatio(ratio(kd.readWritePwrite, kd.readWritePread))],
          [
            'open + pwrite + close, short-lived write descriptor',
            fmtNs(kd.reopenPwriteClose),
            fmtRatio(ratio(kd.reopenPwriteClose, kd.readWritePread)),
          ],
        ],
      ),
    );
    lines.push('');
  }
  return lines;
}

module.exports = { key: 'readScope', run, print, floorOf };
