// Run by tables/03-capacity.js under `prlimit --memlock=8388608`: how many
// 32-byte secrets of one kind get locked, counted from the OS. Prints one
// line of JSON.
//
//   node child-capacity.js <pooled|isolated|sodium> <strongroom entry> <sodium-native path> <drop>
//
// <drop> is 'drop' when the parent runs as root: the child then becomes
// nobody, so the budget applies (root has CAP_IPC_LOCK).
'use strict';

const [kind, entry, sodiumPath, drop] = process.argv.slice(2);
if (drop === 'drop') {
  process.setgroups([]);
  process.setgid(65534);
  process.setuid(65534);
}
const fs = require('fs');
const capEff = /CapEff:\s+([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
if (BigInt('0x' + capEff) & (1n << 14n)) {
  console.log(JSON.stringify({ skipped: 'could not drop CAP_IPC_LOCK' }));
  process.exit(0);
}
const { vmLck } = require('./measure');
const out = { kind, limit: 8 * 1024 * 1024 };
const before = vmLck();
if (kind === 'sodium') {
  const sodium = require(sodiumPath);
  // sodium_malloc never reports a refused lock: count locked pages (one per secret).
  const keep = [];
  for (let i = 0; i < 4096; i++) keep.push(sodium.sodium_malloc(32));
  out.created = keep.length;
  out.lockedVerified = Math.floor((vmLck() - before) / 4096);
  out.note = 'sodium_malloc keeps allocating unlocked after the budget; it aborts near 16k (vm.max_map_count)';
} else {
  const strongroom = require(entry);
  const vault = new strongroom.SecretVault({ storage: kind });
  let created = 0;
  const start = process.hrtime.bigint();
  for (;;) {
    try {
      vault.generate(32);
      created++;
    } catch (e) {
      out.stoppedBy = e.code;
      break;
    }
    if (created >= 400000) break;
  }
  out.seconds = Number(process.hrtime.bigint() - start) / 1e9;
  out.created = created;
  if (kind === 'pooled') {
    const info = vault.poolInfo();
    out.lockedVerified = info.chunksLocked;
    out.arenas = info.arenas;
    out.usedBytes = info.used;
  } else {
    // One locked page per isolated secret.
    out.lockedVerified = Math.floor((vmLck() - before) / 4096);
  }
}
out.vmLck = vmLck();
console.log(JSON.stringify(out));
