// No key material left in the process after deriving and signing natively.
// A child (wallet-residue.child.ts) derives and signs ROUNDS times through the
// vault's wallet calls and ROUNDS times through the demo wallet's operations
// on the bridge's real handlers, destroys everything, collects garbage, then
// reads all of its readable memory (/proc/self/maps + /proc/self/mem) for
// every seed, derived private key (the master key, each key on the way, each
// account) and chain code: raw, reversed (a BigInt's limbs) and lowercase
// hex, whole and each half (a freed heap block loses its first 16 bytes to
// the allocator, not the rest). Every secret is destroyed before the search, so nothing of the vault's
// own storage may hold them either: the whole process is searched.
//
// The search has teeth: the same child then signs the old way (the seed's
// scoped copy given to @scure/bip32 and @noble/curves, keys wiped with
// wipePrivateData as the libraries allow) and the same search must find that
// seed's keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

import { must } from './support/assertions';
import { isLinux } from './support/platform';
import { forEachSealingMethod, TEST_SEALING } from './support/sealing';
import type { ResidueResult } from './support/wallet-residue.child';

const ROUNDS = 20;
const ACCOUNT = "m/44'/60'/0'/0/0";

test(
  `after ${ROUNDS} native derivations and signatures through the vault and ${ROUNDS} through the demo's operations, no seed, private key or chain code is left in readable memory; signing in JavaScript leaves them`,
  { skip: isLinux ? false : 'reads /proc/self/maps and /proc/self/mem (Linux)' },
  (t) =>
    forEachSealingMethod(t, (method) => {
      const child = path.join(__dirname, 'support', 'wallet-residue.child.js');
      const run = spawnSync(process.execPath, ['--expose-gc', child], {
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, [TEST_SEALING]: method, STRONGROOM_RESIDUE_ROUNDS: String(ROUNDS) },
      });
      assert.equal(run.status, 0, run.stderr);
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      assert.ok(line, run.stdout + run.stderr);
      const result = JSON.parse(line.slice('RESULT '.length)) as ResidueResult;

      assert.equal(result.sealing, method, 'the vault seals with the forced method');
      assert.equal(result.signatures, 2 * ROUNDS, 'every signature recovered its key or verified');
      assert.equal(result.vaultSecretsAfter, 0);
      // Two seeds; the vault's ROUNDS accounts, and the master and 4 keys on
      // their way; the demo's account, master and 4 keys on the way; each a
      // private key and a chain code.
      assert.equal(result.secrets.length, 2 + 2 * (ROUNDS + 5 + 6), result.secrets.join(', '));
      assert.equal(result.needles, 9 * result.secrets.length, 'three forms of the whole and of each half');
      for (const name of ['vault seed', 'demo seed', `vault ${ACCOUNT} private key`, `demo ${ACCOUNT} chain code`, 'demo m private key'])
        assert.ok(result.secrets.includes(name), name);

      for (const scan of [result.scan, result.control]) {
        assert.ok(scan.scannedBytes > 32 * 1024 * 1024, `scanned ${scan.scannedBytes} bytes`);
        // Only the kernel's vvar pages refuse reads; anything else unread would be a hole in the search.
        for (const entry of scan.unreadable) assert.match(entry, /\[(vvar|vvar_vclock|vsyscall)\]/, entry);
      }
      assert.equal(result.scan.total, 0, `copies left after signing natively: ${result.scan.where.join('; ')}`);

      // Teeth: the JavaScript signer's account key is found, as raw bytes.
      const controlAccount = must(result.control.counts[`control ${ACCOUNT} private key`], "the counts of the control account's key");
      assert.ok(result.control.total > 0, 'signing in JavaScript leaves copies the search finds');
      assert.ok(controlAccount.raw > 0, `the JavaScript signer's account key is found: ${JSON.stringify(result.control.counts)}`);
      t.diagnostic(
        `${method}: ${result.scan.scannedBytes} bytes searched, 0 copies of ${result.secrets.length} secrets; ` +
          `control (JavaScript signing): ${result.control.total} copies, ${controlAccount.raw} of the account key`,
      );
    }),
);
