// 5. 1,000,000-operation churn (100,000 with --quick): VmLck, RSS and stats
// before and after.
'use strict';

const { fmtNs, kib, table } = require('../format');
const { quick, rss, settleGarbage, vmLck } = require('../measure');

function run({ strongroom }) {
  const operations = quick ? 100_000 : 1_000_000;
  const vault = new strongroom.SecretVault({ storage: 'pooled' });
  vault.destroyAll();
  settleGarbage();
  const before = { vmLck: vmLck(), rss: rss(), stats: vault.stats() };
  const live = [];
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const start = process.hrtime.bigint();
  let peakLive = 0;
  for (let i = 0; i < operations; i++) {
    if (live.length === 0 || (live.length < 1000 && random() % 2 === 0)) {
      live.push(vault.generate(16 + (random() % 49)));
    } else {
      const at = random() % live.length;
      vault.destroy(live[at]);
      live[at] = live[live.length - 1];
      live.pop();
    }
    if (live.length > peakLive) peakLive = live.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const duringVmLck = vmLck();
  for (const h of live) vault.destroy(h);
  const spare = vault.poolInfo();
  const afterDestroy = { vmLck: vmLck(), arenas: spare.arenas };
  vault.destroyAll(); // trims the spare arena
  settleGarbage();
  const after = { vmLck: vmLck(), rss: rss(), stats: vault.stats(), pool: vault.poolInfo() };
  return {
    operations,
    seconds,
    nsPerOperation: (seconds * 1e9) / operations,
    peakLive,
    before,
    duringVmLck,
    afterDestroyBeforeTrim: afterDestroy,
    after,
    statsBackAtBaseline:
      after.stats.secrets === before.stats.secrets &&
      after.stats.bytes === before.stats.bytes &&
      after.stats.lockedBytes === before.stats.lockedBytes &&
      after.pool.chunks === 0,
    vmLckBackAtBaseline: after.vmLck === before.vmLck,
  };
}

function print(results) {
  const ch = results.churn;
  return [
    table(
      `5. ${ch.operations.toLocaleString('en')}-operation pooled churn (generate/destroy, ≤1,000 live, 16–64 B)`,
      ['when', 'VmLck', 'RSS', 'vault secrets', 'pool chunks / arenas'],
      [
        ['before', kib(ch.before.vmLck), kib(ch.before.rss), String(ch.before.stats.secrets), '0 / 0'],
        ['during (end of churn)', kib(ch.duringVmLck), '', '', ''],
        ['all destroyed, before trim', kib(ch.afterDestroyBeforeTrim.vmLck), '', '0', `0 / ${ch.afterDestroyBeforeTrim.arenas} (spare)`],
        [
          'after destroyAll (trims)',
          kib(ch.after.vmLck),
          kib(ch.after.rss),
          String(ch.after.stats.secrets),
          `${ch.after.pool.chunks} / ${ch.after.pool.arenas}`,
        ],
      ],
    ),
    '',
    `churn: ${fmtNs(ch.nsPerOperation)} per operation; VmLck back at baseline: ${ch.vmLckBackAtBaseline}; stats back at baseline: ${ch.statsBackAtBaseline}`,
  ];
}

module.exports = { key: 'churn', run, print };
