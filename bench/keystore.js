// Keystore decryption at real parameters (scrypt n = 262144, r = 8, p = 1:
// 256 MiB, as geth and ethers write by default), in one run, side by side:
// vault.importKeystore (native scrypt on the libuv pool, key into sealed
// memory), ethers' decryptKeystoreJson (scrypt in JavaScript), and Node's
// crypto.scrypt (OpenSSL) on the same parameters, which is only the KDF.
// Rounds alternate between the three so that load drift hits them alike;
// the median of each is compared, in wall time and in the process's CPU time
// (user + system, every thread: only one of the three runs at a time), which
// a machine shared with other work disturbs less. The verdicts use CPU time.
// Targets are reported, never asserted.
//
//   npm run build && node --expose-gc bench/keystore.js [rounds]
'use strict';

const nodeCrypto = require('node:crypto');
const path = require('node:path');
const { fmtNs, fmtRatio, ratio, speed, table } = require('./format');

const root = path.resolve(__dirname, '..');
const { SecretVault } = require(path.join(root, 'dist', 'main', 'index.js'));
const { encryptKeystoreJsonSync, decryptKeystoreJson, computeAddress } = require('ethers');

const PARAMS = { n: 262144, r: 8, p: 1 };
const rounds = Number(process.argv[2] ?? 3);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn) {
  // The process's CPU time counts every thread, the garbage collector's too:
  // collect what the previous call left (ethers' 256 MiB of typed arrays)
  // before the clock starts, so that no call is charged for another's.
  // Run with --expose-gc (npm run bench:keystore does).
  if (typeof global.gc === 'function') global.gc();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await fn();
  const used = process.cpuUsage(cpu);
  return {
    wall: Number(process.hrtime.bigint() - started),
    cpu: (used.user + used.system) * 1000,
    system: used.system * 1000,
  };
}

async function main() {
  const privateKey = '0x' + nodeCrypto.randomBytes(32).toString('hex');
  const password = 'correct horse battery staple';
  const json = encryptKeystoreJsonSync({ address: computeAddress(privateKey), privateKey }, password, {
    scrypt: { N: PARAMS.n, r: PARAMS.r, p: PARAMS.p },
  });
  const salt = Buffer.from(JSON.parse(json).Crypto.kdfparams.salt, 'hex');
  const vault = new SecretVault();
  const times = { vault: [], ethers: [], node: [] };
  for (let i = 0; i < rounds; i++) {
    times.vault.push(
      await time(async () => {
        const handle = await vault.importKeystore(json, new Uint8Array(Buffer.from(password)));
        vault.destroy(handle);
      }),
    );
    times.ethers.push(
      await time(async () => {
        const account = await decryptKeystoreJson(json, password);
        if (account.privateKey !== privateKey) throw new Error('ethers decrypted another key');
      }),
    );
    times.node.push(
      await time(
        () =>
          new Promise((resolve, reject) =>
            nodeCrypto.scrypt(password, salt, 32, { N: PARAMS.n, r: PARAMS.r, p: PARAMS.p, maxmem: 300 * 2 ** 20 }, (error) =>
              error ? reject(error) : resolve(),
            ),
          ),
      ),
    );
  }
  const wall = (list) => median(list.map((t) => t.wall));
  const cpu = (list) => median(list.map((t) => t.cpu));
  // The kernel's share (mostly faulting in and zeroing the 256 MiB), which
  // varies most from one call to the next.
  const system = (list) => median(list.map((t) => t.system));
  const vaultT = cpu(times.vault);
  const ethersT = cpu(times.ethers);
  const nodeT = cpu(times.node);
  const lines = [];
  lines.push(
    table(
      `Keystore decrypt, scrypt n=${PARAMS.n} r=${PARAMS.r} p=${PARAMS.p} (median of ${rounds})`,
      ['call', 'wall time', 'CPU time', 'of which system', 'vault.importKeystore (CPU time)'],
      [
        ['vault.importKeystore (native scrypt, key sealed)', fmtNs(wall(times.vault)), fmtNs(vaultT), fmtNs(system(times.vault)), '-'],
        [
          'ethers decryptKeystoreJson (JavaScript scrypt)',
          fmtNs(wall(times.ethers)),
          fmtNs(ethersT),
          fmtNs(system(times.ethers)),
          speed(ethersT, vaultT),
        ],
        ['Node crypto.scrypt (OpenSSL, KDF only)', fmtNs(wall(times.node)), fmtNs(nodeT), fmtNs(system(times.node)), speed(nodeT, vaultT)],
      ],
    ),
  );
  const rows = [
    {
      target: 'keystore decrypt no slower than Node crypto.scrypt (same parameters)',
      measured: `CPU ${fmtNs(vaultT)} vs ${fmtNs(nodeT)}: ${fmtRatio(ratio(vaultT, nodeT))} its time`,
      met: vaultT <= nodeT,
    },
    {
      target: 'keystore decrypt >= 2x faster than ethers decryptKeystoreJson',
      measured: `CPU ${fmtNs(vaultT)} vs ${fmtNs(ethersT)}: ${speed(ethersT, vaultT)}`,
      met: ethersT / vaultT >= 2,
    },
  ];
  lines.push('');
  lines.push(
    table(
      'Keystore targets',
      ['target', 'measured', 'verdict'],
      rows.map((r) => [r.target, r.measured, r.met ? 'met' : 'not met']),
    ),
  );
  console.log(lines.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
