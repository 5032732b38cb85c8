// The floors measured natively, side by side with what they bound: an empty
// Node-API call (noop) and, in C++, a pkey_set pair, one pread of
// /proc/self/mem, an mprotect pair, the pool allocator alone and the
// kernel-copy descriptor policies (sealingFloors). They come from the
// benchmark module (native/bench), never from the shipped addon.
'use strict';

const { loadBenchModule } = require('./bench-module');

/** @type {{ noop(): void; sealingFloors(iterations: number): object; walletSignFloor(iterations: number, sealing: string): number | null }} */
const floors = loadBenchModule();

module.exports = floors;
