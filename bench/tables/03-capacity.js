// 3. Capacity: 32-byte secrets OS-verified locked in an unprivileged child
// under an 8 MiB RLIMIT_MEMLOCK: pooled, isolated, sodium_malloc.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const { table } = require('../format');
const { isLinux } = require('../measure');

const childScript = path.join(__dirname, '..', 'child-capacity.js');

function capacityChild(kind, { entry, sodium, machine }) {
  if (!isLinux) return { skipped: 'RLIMIT_MEMLOCK children are Linux-only here' };
  const prlimit = spawnSync('sh', ['-c', 'command -v prlimit'], { encoding: 'utf8' }).stdout.trim();
  if (!prlimit) return { skipped: 'prlimit (util-linux) is not installed' };
  const sodiumPath = sodium ? require.resolve('sodium-native') : '';
  const drop = machine.root ? 'drop' : 'keep';
  const child = spawnSync(prlimit, ['--memlock=8388608:8388608', '--', process.execPath, childScript, kind, entry, sodiumPath, drop], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (child.status !== 0) return { error: (child.stderr || '').slice(0, 500) };
  return JSON.parse(child.stdout.trim().split('\n').pop());
}

function run(ctx) {
  return {
    pooled: capacityChild('pooled', ctx),
    isolated: capacityChild('isolated', ctx),
    sodium: ctx.sodium ? capacityChild('sodium', ctx) : { skipped: 'sodium-native is not installed' },
  };
}

function print(results) {
  const cap = results.capacity;
  const capRow = (name, c) =>
    c.skipped || c.error
      ? [name, 'n/a', 'n/a', c.skipped ?? c.error]
      : [name, String(c.created), String(c.lockedVerified), c.note ?? (c.stoppedBy ? `stopped by ${c.stoppedBy}` : '')];
  return [
    table(
      '3. 32-byte secrets locked under RLIMIT_MEMLOCK = 8 MiB (unprivileged child, counted from the OS)',
      ['storage', 'created', 'OS-verified locked', 'note'],
      [capRow('pooled', cap.pooled), capRow('isolated', cap.isolated), capRow('sodium_malloc', cap.sodium)],
    ),
    '',
  ];
}

module.exports = { key: 'capacity', run, print };
