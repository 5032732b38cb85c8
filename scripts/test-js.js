#!/usr/bin/env node
// Runs the compiled unit tests one file at a time, in name order. The file
// list is made here, not by a shell glob: Windows' cmd.exe does not expand
// globs, and only Node 21+ expands them itself.
//
// The suites whose vaults depend on the sealing method run once per method
// this machine offers (STRONGROOM_TEST_SEALING, read only by the tests); a
// method the machine lacks is reported with the probe's reason, never
// replaced by another. Likewise the keystore suites run once per scrypt core
// (STRONGROOM_SCRYPT_CORE, which the native layer reads once per process and
// which only tests set: portable, sse2, avx512), each core forced, a core
// this build or CPU lacks reported with its reason. Every other suite runs once.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const METHOD_DEPENDENT = ['23_vault_read_write', '25_vault_os_facts', '30_pooled_storage', '50_vault_wallet', '53_vault_wallet_mnemonic'];
const METHODS = ['pkey', 'kernel-copy', 'mprotect'];
const SCRYPT_CORE_DEPENDENT = ['56_vault_keystore'];
const SCRYPT_CORES = ['portable', 'sse2', 'avx512'];

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'dist', 'test', 'js');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => path.join(dir, f));
if (files.length === 0) {
  console.error(`test:js: no compiled tests in ${dir} (npm run build first)`);
  process.exit(1);
}
const listedIn = (names) => (file) => names.some((name) => path.basename(file).startsWith(`${name}.`));
const dependsOnMethod = listedIn(METHOD_DEPENDENT);
const dependsOnScryptCore = listedIn(SCRYPT_CORE_DEPENDENT);
const extraArgs = process.argv.slice(2);

/** Whether each method can be had here: a forced vault either seals with it or is refused UNSUPPORTED, with the reason. */
function probeMethods() {
  const probe = `
    const { SecretVault } = require(${JSON.stringify(path.join(root, 'dist', 'main', 'index.js'))});
    const out = {};
    for (const method of ${JSON.stringify(METHODS)}) {
      const vault = new SecretVault({ sealing: method });
      try { vault.destroy(vault.generate(1)); out[method] = null; }
      catch (error) { if (error.code !== 'UNSUPPORTED') throw error; out[method] = error.message; }
    }
    console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (run.status !== 0) {
    console.error(`test:js: the sealing probe failed: ${run.stderr}`);
    process.exit(1);
  }
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

/**
 * Whether each scrypt core runs here: a process that forces it imports a tiny
 * scrypt keystore whose MAC cannot match, so the KDF ran when the answer is
 * WRONG_PASSWORD; a core that cannot run is refused UNSUPPORTED, with the reason.
 */
function probeScryptCores() {
  const file = JSON.stringify({
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: '00'.repeat(16) },
      ciphertext: '00'.repeat(32),
      kdf: 'scrypt',
      kdfparams: { dklen: 32, n: 2, r: 1, p: 1, salt: '00' },
      mac: '00'.repeat(32),
    },
    id: '00000000-0000-4000-8000-000000000000',
    version: 3,
  });
  const probe = `
    const { SecretVault } = require(${JSON.stringify(path.join(root, 'dist', 'main', 'index.js'))});
    new SecretVault().importKeystore(${JSON.stringify(file)}, new Uint8Array(1)).then(
      () => { throw new Error('a keystore whose MAC cannot match was imported'); },
      (error) => {
        if (error.code !== 'WRONG_PASSWORD' && error.code !== 'UNSUPPORTED') throw error;
        console.log(JSON.stringify(error.code === 'UNSUPPORTED' ? error.message : null));
      },
    );`;
  const reasons = {};
  for (const core of SCRYPT_CORES) {
    const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, STRONGROOM_SCRYPT_CORE: core } });
    if (run.status !== 0) {
      console.error(`test:js: the scrypt core probe failed for ${core}: ${run.stderr}`);
      process.exit(1);
    }
    reasons[core] = JSON.parse(run.stdout.trim().split('\n').pop());
  }
  return reasons;
}

function runTests(list, env) {
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...extraArgs, ...list], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

const methodFiles = files.filter(dependsOnMethod);
const scryptCoreFiles = files.filter(dependsOnScryptCore);
let status = runTests(
  files.filter((f) => !dependsOnMethod(f) && !dependsOnScryptCore(f)),
  { STRONGROOM_TEST_SEALING: '', STRONGROOM_SCRYPT_CORE: '' },
);
if (scryptCoreFiles.length > 0) {
  const reasons = probeScryptCores();
  for (const core of SCRYPT_CORES) {
    if (reasons[core] !== null) {
      console.log(`# scrypt core ${core}: not run here, ${reasons[core]}`);
      continue;
    }
    console.log(`# scrypt core ${core}: ${scryptCoreFiles.map((f) => path.basename(f, '.test.js')).join(', ')}`);
    status = runTests(scryptCoreFiles, { STRONGROOM_TEST_SEALING: '', STRONGROOM_SCRYPT_CORE: core }) || status;
  }
  if (reasons.portable !== null) {
    console.error('test:js: the portable scrypt core must run everywhere');
    status = 1;
  }
}
if (methodFiles.length > 0) {
  const reasons = probeMethods();
  let ran = 0;
  for (const method of METHODS) {
    if (reasons[method] !== null) {
      console.log(`# sealing ${method}: not run here, ${reasons[method]}`);
      continue;
    }
    console.log(`# sealing ${method}: ${methodFiles.map((f) => path.basename(f, '.test.js')).join(', ')}`);
    status = runTests(methodFiles, { STRONGROOM_TEST_SEALING: method }) || status;
    ran++;
  }
  if (ran === 0) {
    console.error('test:js: no sealing method is available: nothing sealed was tested');
    status = 1;
  }
}
process.exit(status);
