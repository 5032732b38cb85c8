#!/usr/bin/env node
// clang-format --dry-run over the native sources: the C++ counterpart of
// `prettier --check` (with --fix, it formats them in place). The binary comes from the clang-format npm package, so
// every machine checks with the same version.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const files = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(cc|h)$/.test(entry.name)) files.push(full);
  }
};
walk(path.join(root, 'native'));
const clangFormat = require.resolve('clang-format/index.js', { paths: [root] });
const fix = process.argv.includes('--fix');
const mode = fix ? ['-i'] : ['--dry-run', '--Werror'];
const result = spawnSync(process.execPath, [clangFormat, ...mode, '--style=file', ...files], { cwd: root, encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(result.stderr || result.stdout);
  console.error(`lint:native: clang-format would change the files above; run \`npm run format\``);
  process.exit(1);
}
console.log(`lint:native: ${files.length} files ${fix ? 'formatted' : 'formatted as .clang-format says'}`);
