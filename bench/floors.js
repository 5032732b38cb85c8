// The floors measured natively, side by side with what they bound: an empty
// Node-API call (noop) and, in C++, a pkey_set pair, one pread of
// /proc/self/mem, an mprotect pair, the pool allocator alone and the
// kernel-copy descriptor policies (sealingFloors). The only place the
// benchmarks load them from the addon.
'use strict';

const path = require('node:path');

const { native } = require(path.join(__dirname, '..', 'dist', 'main', 'native.js'));

/** @type {{ noop(): void; sealingFloors(iterations: number): object }} */
const floors = native.bench;

module.exports = floors;
