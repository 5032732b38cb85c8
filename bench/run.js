#!/usr/bin/env node
// Strongroom benchmarks: everything measured in one run, side by
// side, printed as a table with ratios and written to bench/results.json.
// Benchmarks, not tests: nothing here passes or fails on a number.
//
// One module per table in tables/, run in order:
//   1. 32-byte allocate + free, per storage and sealing method, against
//      sodium-native and an empty Node-API call pair.
//   2. 32-byte read scope, per storage and sealing method, against the raw
//      floors measured in C++ in the same run (floors.js).
//   3. Capacity under an 8 MiB RLIMIT_MEMLOCK, in a child (child-capacity.js).
//   4. inspect() with 10,000 live secrets.
//   5. 1,000,000-operation churn: VmLck, RSS and stats before and after.
//   6. Wallet crypto: sign, derive and mnemonic -> seed natively on sealed
//      secrets, against @noble/curves, @scure/bip32 and @scure/bip39.
// Then the targets (targets.js). format.js prints; measure.js times.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// sodium_free leaves the mapping to the garbage collector (sodium-native
// frees in the ArrayBuffer's finaliser): without forced GCs, thousands of
// dead sodium mappings would inflate /proc/self/smaps and VmLck for every
// later benchmark. Re-run with --expose-gc.
if (typeof global.gc !== 'function') {
  const again = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const { isLinux, quick } = require('./measure');
const targets = require('./targets');

const TABLES = ['01-allocate-free', '02-read-scope', '03-capacity', '04-inspect', '05-churn', '06-wallet'].map((name) =>
  require(`./tables/${name}`),
);

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'main', 'index.js');
const strongroom = require(entry);
const { native } = require(path.join(root, 'dist', 'main', 'native.js'));

let sodium = null;
try {
  sodium = require('sodium-native');
} catch (error) {
  sodium = null;
}

function cpuHasPkeys() {
  return isLinux && /^flags\s*:.*\bospke\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
}

// A virtual machine pays several times bare metal's price for a system call.
function underHypervisor() {
  return isLinux ? /^flags\s*:.*\bhypervisor\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8')) : null;
}

const results = {
  date: new Date().toISOString(),
  machine: {
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    // 1, 5 and 15 minute load averages when the run started: timings on a
    // shared machine move with them, ratios less so.
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.version,
    pkeysInCpu: cpuHasPkeys(),
    hypervisor: underHypervisor(),
    memfdSecret: native.memfdSecretAvailable(),
    root: typeof process.getuid === 'function' && process.getuid() === 0,
  },
  quick,
};

// Pools made directly on the addon, one per sealing method available here,
// for the side-by-side comparison; 'auto' is what vaults get by default.
const METHODS = ['pkey', 'kernel-copy', 'mprotect'];
const pools = {};
const unavailable = {};
for (const method of METHODS) {
  try {
    pools[method] = new native.Pool(native.defaultArenaSize, 1 << 20, true, method, 'anonymous');
  } catch (error) {
    unavailable[method] = error.message;
  }
}
const methods = METHODS.filter((m) => pools[m] !== undefined);
const poolAuto = new native.Pool(native.defaultArenaSize, 1 << 20, true, 'auto', 'anonymous');
const autoSealing = poolAuto.config();
results.sealing = { ...autoSealing, methods, unavailable };

const context = { strongroom, native, sodium, entry, machine: results.machine, pools, poolAuto, methods, autoSealing };

async function main() {
  for (const table of TABLES) results[table.key] = await table.run(context);

  poolAuto.destroy();
  for (const method of methods) pools[method].destroy();

  const lines = [];
  lines.push(
    `Strongroom benchmarks — ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.os}, Node ${results.machine.node}`,
  );
  lines.push(
    `Protection keys in this CPU: ${results.machine.pkeysInCpu ? 'yes (ospke in /proc/cpuinfo)' : 'no (no ospke in /proc/cpuinfo)'}; sealing methods measured: ${methods.join(', ')}${
      Object.keys(unavailable).length > 0
        ? `; not available: ${Object.entries(unavailable)
            .map(([m, why]) => `${m} (${why})`)
            .join('; ')}`
        : ''
    }`,
  );
  lines.push(
    `Pool sealing here: ${autoSealing.sealing}${autoSealing.sealingFallbackReason ? ` (${autoSealing.sealingFallbackReason})` : ''}`,
  );
  lines.push('');
  for (const table of TABLES) lines.push(...table.print(results, context));

  results.targets = targets.targets(results, context);
  lines.push('');
  lines.push(targets.print(results.targets));

  const report = lines.join('\n');
  console.log(report);
  results.report = report;
  fs.writeFileSync(path.join(__dirname, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(__dirname, 'results.json'))}`);
  // The chart and the results section of docs/benchmarks.md, from what was just written.
  for (const file of require('./chart').write(results)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
