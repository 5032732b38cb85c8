#!/usr/bin/env node
// `npm run prebuild`: builds the Node-API addon for this machine (or for
// --arch <arch>) with cmake-js and stores it, stripped, where the loader
// looks first: prebuilds/<platform>-<arch>/strongroom.napi[.glibc].node.
// One Node-API binary serves Node and every Electron from 21 on.
//
// A Linux prebuild runs only where glibc is at least the newest symbol
// version it links: this script prints that floor. Build release prebuilds
// on the oldest distribution you support.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { currentLibc, prebuildPath } = require('./prebuild-name');

const root = path.resolve(__dirname, '..');
const archFlag = process.argv.indexOf('--arch');
const arch = archFlag > 0 ? process.argv[archFlag + 1] : process.arch;
const platform = process.platform;
if (currentLibc() === 'musl') {
  console.error('strongroom prebuild: this Node is not built on glibc (musl?); only glibc prebuilds are made');
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`strongroom prebuild: ${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
run(process.execPath, [cmakeJs, 'compile', '-O', 'build/addon', ...(arch !== process.arch ? ['--arch', arch] : [])]);

const built = path.join(root, 'build', 'addon', 'Release', 'strongroom.node');
const file = prebuildPath(root, platform, arch, currentLibc());
const dir = path.dirname(file);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(built, file);

// Symbols and debug info are for the developer's build, not for every user's disk.
if (platform === 'linux') run('strip', ['--strip-unneeded', file]);
else if (platform === 'darwin') run('strip', ['-x', file]);

let floor = '';
if (platform === 'linux') {
  const objdump = spawnSync('objdump', ['-T', file], { encoding: 'utf8' });
  const versions = [...(objdump.stdout ?? '').matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
    Number(m[3] ?? 0),
  ]);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const newest = versions.at(-1);
  floor = newest
    ? `; needs glibc >= ${newest.filter((n, i) => i < 2 || n > 0).join('.')} (built on ${process.report.getReport().header.glibcVersionRuntime})`
    : '';
}
const { size } = fs.statSync(file);
console.log(`strongroom prebuild: ${path.relative(root, file)} ${(size / 1024).toFixed(1)} KiB${floor}`);
