#!/usr/bin/env node
// Runs the compiled unit tests one file at a time, in name order. The file
// list is made here, not by a shell glob: Windows' cmd.exe does not expand
// globs, and only Node 21+ expands them itself.
//
// The suites whose vaults depend on the sealing method run once per method
// this machine offers (STRONGROOM_TEST_SEALING, read only by the tests); a
// method the machine lacks is reported with the probe's reason, never
// replaced by another. Every other suite runs once.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const METHOD_DEPENDENT = ['23_vault_read_write', '25_vault_os_facts', '30_pooled_storage', '50_vault_wallet'];
const METHODS = ['pkey', 'kernel-copy', 'mprotect'];

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
const dependsOnMethod = (file) => METHOD_DEPENDENT.some((name) => path.basename(file).startsWith(`${name}.`));
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

function runTests(list, env) {
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...extraArgs, ...list], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

const methodFiles = files.filter(dependsOnMethod);
let status = runTests(
  files.filter((f) => !dependsOnMethod(f)),
  { STRONGROOM_TEST_SEALING: '' },
);
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
