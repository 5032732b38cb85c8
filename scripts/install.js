#!/usr/bin/env node
// strongroom's install step. On the platforms the package ships a prebuilt
// binary for, it only checks that the binary loads and builds nothing. Else
// it builds the addon from source with cmake-js, after checking for the
// toolchain, and says in strongroom's own words what is missing.
// Plain JavaScript with no dependencies: it runs before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { currentLibc, prebuildPath } = require('./prebuild-name');

const root = path.resolve(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const libc = currentLibc();
const prebuild = prebuildPath(root, process.platform, process.arch, libc);

function loads(file) {
  try {
    require(file);
    return true;
  } catch (error) {
    console.error(`strongroom: ${path.relative(root, file)} does not load here: ${error.message.split('\n')[0]}`);
    return false;
  }
}

function fail(why) {
  const toolchain =
    {
      win32: 'Visual Studio 2019 or later with "Desktop development with C++", and CMake >= 3.15',
      darwin: 'the Xcode command line tools (xcode-select --install) and CMake >= 3.15 (brew install cmake)',
    }[process.platform] ??
    'CMake >= 3.15 and a C++17 compiler (Debian/Ubuntu: apt-get install cmake g++; Fedora: dnf install cmake gcc-c++)';
  console.error(
    `strongroom: no prebuilt binary loads for ${target}${libc ? ` (${libc})` : ''}, and it cannot be built from source: ${why}\n` +
      `strongroom: building from source needs ${toolchain}, plus the npm packages cmake-js and node-addon-api\n` +
      'strongroom: (npm install --save-dev cmake-js node-addon-api), then run `npm rebuild strongroom`.',
  );
  process.exit(1);
}

if (fs.existsSync(prebuild) && loads(prebuild)) process.exit(0);

let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  require.resolve('node-addon-api', { paths: [root] });
} catch {
  fail('the npm packages cmake-js and node-addon-api are not installed');
}

const cmake = spawnSync('cmake', ['--version'], { encoding: 'utf8' });
const version = /cmake version (\d+)\.(\d+)/.exec(cmake.stdout ?? '');
if (!version) fail('CMake was not found on PATH');
if (Number(version[1]) < 3 || (Number(version[1]) === 3 && Number(version[2]) < 15))
  fail(`CMake ${version[1]}.${version[2]} is older than 3.15`);
if (process.platform !== 'win32') {
  const compilers = [process.env.CXX, 'c++', 'g++', 'clang++'].filter(Boolean);
  if (!compilers.some((cxx) => spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0))
    fail(`no C++ compiler was found (tried ${compilers.join(', ')})`);
}

const build = spawnSync(process.execPath, [cmakeJs, 'compile', '-O', 'build/addon'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) fail(`cmake-js compile failed (exit ${build.status}); its output is above`);

// Installed as a dependency: keep only the addon, not the object files and
// the static library that a source build leaves behind.
if (root.split(path.sep).includes('node_modules')) {
  const release = path.join(root, 'build', 'addon', 'Release');
  for (const entry of fs.readdirSync(path.join(root, 'build', 'addon'))) {
    if (entry !== 'Release') fs.rmSync(path.join(root, 'build', 'addon', entry), { recursive: true, force: true });
  }
  for (const entry of fs.readdirSync(release)) {
    if (entry !== 'strongroom.node') fs.rmSync(path.join(release, entry), { recursive: true, force: true });
  }
}
