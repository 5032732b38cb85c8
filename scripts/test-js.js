#!/usr/bin/env node
// Runs the compiled unit tests one file at a time, in name order. The file
// list is made here, not by a shell glob: Windows' cmd.exe does not expand
// globs, and only Node 21+ expands them itself.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '..', 'dist', 'test', 'js');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => path.join(dir, f));
if (files.length === 0) {
  console.error(`test:js: no compiled tests in ${dir} (npm run build first)`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
