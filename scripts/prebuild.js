#!/usr/bin/env node
// `npm run prebuild`: builds the Node-API addon for this machine (or for
// --arch <arch>) with cmake-js and stores it, stripped, where the loader
// looks first: prebuilds/<platform>-<arch>/strongroom.napi[.glibc].node.
// One Node-API binary serves Node and every Electron from 21 on.
//
// A Linux prebuild runs only where glibc is at least the newest symbol
// version it links, a macOS one only where macOS is at least its minos: this
// script prints that floor, and fails when it is newer than
// STRONGROOM_GLIBC_FLOOR or STRONGROOM_MACOS_FLOOR (the workflow sets both).
// Release Linux prebuilds are built in a manylinux_2_28 container.
//
// It fails, too, when the stripped binary is over 1 MiB.
//
// Warnings are errors here (STRONGROOM_WERROR): the project's own binaries
// build clean; a user's source build (npm rebuild) does not stop on them.
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
  // No shell: the arguments (process.execPath, paths with spaces) pass as they are.
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`strongroom prebuild: ${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}

const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
run(process.execPath, [
  cmakeJs,
  'rebuild', // configure afresh: a build folder configured earlier (npm install) would keep its options
  '-O',
  'build/addon',
  '--CDSTRONGROOM_WERROR=ON',
  ...(arch !== process.arch ? ['--arch', arch] : []),
]);

const built = path.join(root, 'build', 'addon', 'Release', 'strongroom.node');
const file = prebuildPath(root, platform, arch, currentLibc());
const dir = path.dirname(file);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(built, file);

// Symbols and debug info are for the developer's build, not for every user's disk.
if (platform === 'linux') run('strip', ['--strip-unneeded', file]);
else if (platform === 'darwin') run('strip', ['-x', file]);

/** [major, minor, patch] -> "2.28" or "2.28.1". */
const versionText = (v) => v.filter((n, i) => i < 2 || n > 0).join('.');
const versionOf = (text) => text.split('.').map(Number).concat([0, 0, 0]).slice(0, 3);
const newer = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Fails when the binary needs a newer OS than the declared floor (env `name`, e.g. 2.28). */
function checkFloor(what, needed, name) {
  const declared = process.env[name];
  if (declared && needed && newer(needed, versionOf(declared)) > 0) {
    console.error(
      `strongroom prebuild: ${path.relative(root, file)} needs ${what} >= ${versionText(needed)}, newer than ${name}=${declared}`,
    );
    fs.rmSync(dir, { recursive: true, force: true }); // a prebuild that breaks its floor is not kept
    process.exit(1);
  }
}

let floor = '';
if (platform === 'linux') {
  const objdump = spawnSync('objdump', ['-T', file], { encoding: 'utf8' });
  const versions = [...(objdump.stdout ?? '').matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
    Number(m[3] ?? 0),
  ]);
  versions.sort(newer);
  const newest = versions.at(-1);
  // getconf names the C library the build ran on ("glibc 2.36").
  const builtOn = spawnSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).stdout?.trim() || 'an unknown glibc';
  floor = newest ? `; needs glibc >= ${versionText(newest)} (built on ${builtOn})` : '';
  checkFloor('glibc', newest, 'STRONGROOM_GLIBC_FLOOR');
} else if (platform === 'darwin') {
  // LC_BUILD_VERSION's minos (LC_VERSION_MIN_MACOSX's version on old SDKs):
  // dyld refuses the binary on an older macOS.
  const otool = spawnSync('otool', ['-l', file], { encoding: 'utf8' }).stdout ?? '';
  const minos = /\bminos (\d+(?:\.\d+)*)/.exec(otool) ?? /LC_VERSION_MIN_MACOSX[\s\S]*?\bversion (\d+(?:\.\d+)*)/.exec(otool);
  if (!minos) {
    console.error(`strongroom prebuild: otool -l shows no minimum macOS version in ${file}`);
    process.exit(1);
  }
  floor = `; needs macOS >= ${minos[1]}`;
  checkFloor('macOS', versionOf(minos[1]), 'STRONGROOM_MACOS_FLOOR');
}
const { size } = fs.statSync(file);
console.log(`strongroom prebuild: ${path.relative(root, file)} ${(size / 1024).toFixed(1)} KiB${floor}`);
// The wallet's libraries are linked in: a stripped prebuild must stay within
// 1 MiB per target, so a consumer's install stays small.
const MAX_PREBUILD_BYTES = 1024 * 1024;
if (size > MAX_PREBUILD_BYTES) {
  console.error(`strongroom prebuild: ${(size / 1024).toFixed(1)} KiB is over the 1024 KiB a stripped prebuild may take`);
  process.exit(1);
}
