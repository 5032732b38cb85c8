#!/usr/bin/env node
// clang-tidy over the native core (native/core/.clang-tidy holds the checks),
// with the files and flags CMake chooses for this OS: the core is configured
// on its own (no tests, wallet or addon) into build/tidy with
// compile_commands.json, and every core source in it is checked, headers
// included. Any finding fails. Needs clang-tidy (Debian: apt-get install
// clang-tidy).
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const build = path.join(root, 'build', 'tidy');
const tidy = process.env.CLANG_TIDY || 'clang-tidy';

if (spawnSync(tidy, ['--version'], { encoding: 'utf8' }).status !== 0) {
  console.error(`clang-tidy-core: ${tidy} is missing (Debian: apt-get install clang-tidy)`);
  process.exit(1);
}
const generator = spawnSync('ninja', ['--version']).status === 0 ? ['-G', 'Ninja'] : [];
const configure = spawnSync(
  'cmake',
  [
    '-S',
    root,
    '-B',
    build,
    ...generator,
    '-DSTRONGROOM_BUILD_TESTS=OFF',
    '-DSTRONGROOM_BUILD_ADDON=OFF',
    '-DSTRONGROOM_BUILD_WALLET=OFF',
    '-DCMAKE_EXPORT_COMPILE_COMMANDS=ON',
  ],
  { encoding: 'utf8' },
);
if (configure.status !== 0) {
  process.stderr.write(configure.stdout + configure.stderr);
  console.error('clang-tidy-core: cmake could not configure the core');
  process.exit(1);
}
const coreSrc = path.join(root, 'native', 'core', 'src') + path.sep;
const files = JSON.parse(fs.readFileSync(path.join(build, 'compile_commands.json'), 'utf8'))
  .map((entry) => path.resolve(entry.directory, entry.file))
  .filter((file) => file.startsWith(coreSrc));
if (files.length === 0) {
  console.error('clang-tidy-core: compile_commands.json lists no core source');
  process.exit(1);
}

// A few processes, each over a share of the files.
const jobs = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 4));
const shares = Array.from({ length: jobs }, (_, i) => files.filter((_, j) => j % jobs === i));
let failed = false;
let pending = shares.length;
for (const share of shares) {
  const child = spawn(tidy, ['-p', build, '--quiet', ...share], { cwd: root });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.on('close', (code) => {
    if (code !== 0) {
      failed = true;
      // Not the "N warnings generated." counts of system headers: the findings.
      process.stderr.write(output.replace(/^\d+ warnings? (and \d+ errors? )?generated\.\n/gm, ''));
    }
    if (--pending === 0) {
      if (failed) {
        console.error('clang-tidy-core: the findings above fail the lint (checks: native/core/.clang-tidy)');
        process.exit(1);
      }
      console.log(`clang-tidy-core: ${files.length} core files clean`);
    }
  });
}
