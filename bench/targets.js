// The targets, reported, never asserted: timings drift with the machine's load.
// Each row names the sealing method it was measured under. A row whose method
// is not available here says so, with the probe's reason, instead of a number;
// its kernel-copy and mprotect equivalents (the same ratio, against the floor
// of their own method) follow it, so that something real is measured anywhere.
'use strict';

const { fmtNs, fmtRatio, kib, ratio, speed, table } = require('./format');
const { floorOf } = require('./tables/02-read-scope');
const wallet = require('./tables/06-wallet');

const EQUIVALENTS = ['kernel-copy', 'mprotect'];

function targets(results, { methods }) {
  const af = results.allocateFree;
  const rs = results.readScope;
  const cap = results.capacity;
  const ch = results.churn;
  const unavailable = results.sealing.unavailable ?? {};
  const out = [];
  const missing = (method) => `not measurable here: no ${method} (${unavailable[method] ?? 'not available'})`;
  // One row per method: `measure(method)` gives [value, text]; `meets(value)` the verdict.
  const perMethod = (target, method, measure, meets) => {
    if (!methods.includes(method)) {
      out.push({ target, sealing: method, measured: 'n/a', met: null, reason: missing(method) });
      return;
    }
    const [value, measured] = measure(method);
    out.push({ target, sealing: method, measured, met: value === null ? null : meets(value), reason: value === null ? 'no data' : null });
  };

  const generateVsSodium = (method) => {
    const t = af.vaultPooledGenerateBy[method] ?? null;
    const r = ratio(af.sodium, t);
    return [
      r,
      `${fmtNs(t)} vs ${fmtNs(af.sodium)}: ${speed(af.sodium, t)} (pool generate+free alone ${speed(af.sodium, af.poolGenerate[method])})`,
    ];
  };
  perMethod('pooled vault.generate(32)+destroy >= 20x faster than sodium_malloc(32)+sodium_free', 'pkey', generateVsSodium, (r) => r >= 20);
  for (const method of EQUIVALENTS) {
    perMethod('pooled vault.generate(32)+destroy >= 8x faster than sodium_malloc(32)+sodium_free', method, generateVsSodium, (r) => r >= 8);
  }

  const vsFloor = (key) => (method) => {
    const t = rs[key][method] ?? null;
    const floor = floorOf(rs, method);
    const r = ratio(t, floor);
    return [r, `${fmtNs(t)} = ${fmtRatio(r)} the floor (${fmtNs(floor)})`];
  };
  const readFloor = {
    pkey: 'a C pkey_set pair around a 32-byte copy',
    'kernel-copy': 'one 32-byte pread of /proc/self/mem',
    mprotect: 'a C mprotect pair',
  };
  for (const method of ['pkey', ...EQUIVALENTS]) {
    perMethod(`pooled vault.read(32) <= 10x ${readFloor[method]}`, method, vsFloor('vaultPooled'), (r) => r <= 10);
  }
  perMethod('pooled vault.read(32) <= 2x one 32-byte pread of /proc/self/mem', 'kernel-copy', vsFloor('vaultPooled'), (r) => r <= 2);
  for (const method of ['pkey', ...EQUIVALENTS]) {
    perMethod(`pooled native readInto(32) <= 3x ${readFloor[method]}`, method, vsFloor('pooledNative'), (r) => r <= 3);
  }
  for (const method of EQUIVALENTS) {
    perMethod(`isolated native readInto(32) <= 3x ${readFloor[method]}`, method, vsFloor('isolatedNative'), (r) => r <= 3);
  }

  const sealingAuto = results.sealing.sealing;
  out.push({
    target: 'C++ Pool::allocate(32)+free <= 40 ns',
    sealing: 'none (no write, no system call)',
    measured: fmtNs(rs.floors.poolAllocateFreeNs),
    met: rs.floors.poolAllocateFreeNs <= 40,
  });
  for (const [how, t] of [['plain functions over the pool id', af.poolAllocatorById]]) {
    if (t === undefined) continue; // results from before the plain functions existed
    const crossing = ratio(t, af.noop);
    out.push({
      target: `pool allocate(32)+free across Node-API (${how}) <= 3x the empty Node-API call pair`,
      sealing: `none (${sealingAuto} pool, no write)`,
      measured: `${fmtNs(t)} = ${fmtRatio(crossing)} the empty pair (${fmtNs(af.noop)}); ${fmtNs(rs.floors.poolAllocateFreeNs)} of it in C++`,
      met: crossing <= 3,
    });
  }
  const isolatedGenerate = af.vaultIsolatedGenerateBy[sealingAuto] ?? null;
  out.push({
    target: 'isolated vault.generate(32)+destroy no slower than sodium_malloc(32)+sodium_free',
    sealing: sealingAuto,
    measured: `${fmtNs(isolatedGenerate)} vs ${fmtNs(af.sodium)}`,
    met: isolatedGenerate === null || af.sodium === null ? null : isolatedGenerate <= af.sodium,
    reason: isolatedGenerate === null || af.sodium === null ? 'no data' : null,
  });
  out.push({
    target: '>= 200,000 32-byte pooled secrets OS-verified locked under 8 MiB',
    sealing: sealingAuto,
    measured: cap.pooled.lockedVerified === undefined ? 'n/a' : String(cap.pooled.lockedVerified),
    met: cap.pooled.lockedVerified === undefined ? null : cap.pooled.lockedVerified >= 200_000,
    reason: cap.pooled.lockedVerified === undefined ? 'the capacity child did not run' : null,
  });
  out.push({
    target: 'after the churn, VmLck and the vault stats are back at baseline',
    sealing: sealingAuto,
    measured: `VmLck ${kib(ch.before.vmLck)} -> ${kib(ch.after.vmLck)}, stats ${ch.statsBackAtBaseline ? 'equal' : 'differ'}`,
    met: ch.vmLckBackAtBaseline && ch.statsBackAtBaseline,
  });
  if (results.wallet !== undefined) out.push(...wallet.targets(results, { methods }, missing));
  return out;
}

function verdict(t) {
  if (t.met === null) return t.reason ?? 'not measurable here';
  return t.met ? 'met' : 'not met';
}

function print(list) {
  return table(
    'Targets',
    ['target', 'sealing', 'measured', 'verdict'],
    list.map((t) => [t.target, t.sealing, t.measured, verdict(t)]),
  );
}

module.exports = { targets, print };
