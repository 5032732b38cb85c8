// Timing and the process's memory, shared by every table.
'use strict';

const fs = require('node:fs');

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
const isLinux = process.platform === 'linux';

// Needs --expose-gc (run.js re-runs itself with it).
function settleGarbage() {
  for (let i = 0; i < 5; i++) global.gc();
}

// Node-API finalisers (sodium_free's munmap) run after the GC, on the event loop.
async function settleGarbageAndFinalizers() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function vmLck() {
  if (!isLinux) return null;
  const m = /^VmLck:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}

function rss() {
  return process.memoryUsage().rss;
}

// ns per iteration: best of `rounds` after a warm-up round.
function measure(fn, iterations, rounds = 5) {
  iterations = Math.max(1, Math.round(iterations * scale));
  fn(Math.min(iterations, 1000));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    fn(iterations);
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (ns < best) best = ns;
  }
  return best;
}

module.exports = { quick, scale, isLinux, settleGarbage, settleGarbageAndFinalizers, vmLck, rss, measure };
