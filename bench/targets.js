// The targets, reported, never asserted: this machine is shared and noisy.
'use strict';

const { fmtNs, fmtRatio, kib, ratio, speed, table } = require('./format');
const { floorOf } = require('./tables/02-read-scope');

function targets(results, { methods, autoSealing }) {
  const af = results.allocateFree;
  const rs = results.readScope;
  const cap = results.capacity;
  const ch = results.churn;
  const sealingAuto = autoSealing.sealing;
  const out = [];
  const pooledGenerate = af.vaultPooledGenerateBy[sealingAuto] ?? null;
  const generateFactor = sealingAuto === 'pkey' ? 20 : 8;
  out.push({
    target: `pooled vault.generate(32)+destroy >= ${generateFactor}x faster than sodium_malloc(32)+sodium_free (${sealingAuto === 'pkey' ? 'a protection key in use' : 'no protection keys'})`,
    measured: `${sealingAuto}: ${fmtRatio(ratio(af.sodium, pooledGenerate))} faster (pool generate+free alone ${fmtRatio(ratio(af.sodium, af.poolGenerate[sealingAuto]))})`,
    met: pooledGenerate === null || af.sodium === null ? null : ratio(af.sodium, pooledGenerate) >= generateFactor,
  });
  const kernelCopyRead = rs.vaultPooled['kernel-copy'] ?? null;
  out.push({
    target: 'pooled vault.read of a 32-byte secret under kernel-copy within 2x of one pread of /proc/self/mem',
    measured:
      kernelCopyRead === null
        ? 'no kernel copy here'
        : `${fmtRatio(ratio(kernelCopyRead, rs.floors.kernelCopyReadNs))} (native readInto ${fmtRatio(ratio(rs.pooledNative['kernel-copy'], rs.floors.kernelCopyReadNs))})`,
    met: kernelCopyRead === null ? null : ratio(kernelCopyRead, rs.floors.kernelCopyReadNs) <= 2,
  });
  const isolatedGenerate = af.vaultIsolatedGenerateBy[sealingAuto] ?? null;
  out.push({
    target: 'isolated vault.generate(32)+destroy no slower than sodium_malloc(32)+sodium_free',
    measured: `${sealingAuto}: ${speed(af.sodium, isolatedGenerate)}`,
    met: isolatedGenerate === null || af.sodium === null ? null : isolatedGenerate <= af.sodium,
  });
  out.push({
    target: 'pool allocator alone (allocate+free) within 4x of the empty Node-API call pair',
    measured: `allocator ${fmtRatio(ratio(af.poolAllocator.auto, af.noop))}: ${fmtNs(af.poolAllocator.auto)} = ${fmtNs(rs.floors.poolAllocateFreeNs)} in C++ bookkeeping + ${fmtNs(af.poolAllocator.auto - rs.floors.poolAllocateFreeNs)} crossing Node-API (empty pair ${fmtNs(af.noop)})`,
    met: ratio(af.poolAllocator.auto, af.noop) <= 4,
  });
  out.push({
    target: '>= 200,000 32-byte pooled secrets OS-verified locked under 8 MiB',
    measured: cap.pooled.lockedVerified === undefined ? 'n/a' : String(cap.pooled.lockedVerified),
    met: cap.pooled.lockedVerified === undefined ? null : cap.pooled.lockedVerified >= 200_000,
  });
  out.push({
    target: 'each native read scope within 3x of the floor of its sealing method',
    measured: methods
      .map(
        (m) =>
          `${m}: pooled ${fmtRatio(ratio(rs.pooledNative[m], floorOf(rs, m)))}, isolated ${fmtRatio(ratio(rs.isolatedNative[m], floorOf(rs, m)))}`,
      )
      .join('; '),
    met: Math.max(...methods.flatMap((m) => [ratio(rs.pooledNative[m], floorOf(rs, m)), ratio(rs.isolatedNative[m], floorOf(rs, m))])) <= 3,
  });
  out.push({
    target: 'after the churn, VmLck and the vault stats are back at baseline',
    measured: `VmLck ${kib(ch.before.vmLck)} -> ${kib(ch.after.vmLck)}, stats ${ch.statsBackAtBaseline ? 'equal' : 'differ'}`,
    met: ch.vmLckBackAtBaseline && ch.statsBackAtBaseline,
  });
  return out;
}

function print(list) {
  return table(
    'Targets',
    ['target', 'measured', 'met'],
    list.map((t) => [t.target, t.measured, t.met === null ? 'not measurable here' : t.met ? 'yes' : 'NO']),
  );
}

module.exports = { targets, print };
