#!/usr/bin/env node
'use strict';
const path = require('node:path');

const cli = path.join(__dirname, '..', 'dist', 'main', 'cli.js');
let main;
try {
  ({ main } = require(cli));
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes(cli)) throw error;
  // A clone installed with --ignore-scripts (prepare did not run), or a damaged install.
  process.stderr.write(`strongroom: ${cli} is missing: in a clone run \`npm run build\`; in an app reinstall strongroom.\n`);
  process.exit(1);
}
process.exitCode = main(process.argv.slice(2));
