// The benchmark module, strongroom_bench.node (native/bench): the floors the
// benchmarks compare against (an empty Node-API call, sealing and allocator
// floors measured in C++). Never shipped with the addon: `npm run build:bench`
// builds it into build/bench, and this builds it on first use if missing.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const file = path.join(root, 'build', 'bench', 'Release', 'strongroom_bench.node');

/**
 * @returns {{
 *   noop(): void,
 *   sealingFloors(iterations: number): {
 *     mprotectPairNs: number,
 *     pkeyPairNs: number | null,
 *     kernelCopyReadNs: number | null,            // one 32-byte pread of a sealed page through the kernel-copy descriptor
 *     poolAllocateFreeNs: number,                  // Pool allocate(32)+free in C++: the allocator's share of a JS pair
 *     kernelCopyDescriptorsNs: {                   // ns per 32-byte copy; null where kernel copy is unavailable
 *       readWritePread: number | null, readOnlyPread: number | null,
 *       readWritePwrite: number | null, reopenPwriteClose: number | null,
 *     },
 *   },
 *   walletSignFloor(iterations: number, sealing: string): number | null,   // ns per libsecp256k1 recoverable sign plus one sealed 32-byte read
 * }}
 */
function loadBenchModule() {
  if (!fs.existsSync(file)) {
    console.error('bench: building the benchmark module (npm run build:bench)');
    // Build output goes to stderr: stdout carries the tables.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const built = spawnSync(npm, ['run', 'build:bench'], { cwd: root, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
    if (built.status !== 0) throw new Error(`bench: npm run build:bench failed (${built.error?.message ?? `exit ${built.status}`})`);
  }
  return require(file);
}

module.exports = { loadBenchModule };
