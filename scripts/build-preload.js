#!/usr/bin/env node
// Bundles the sandboxed preload: a sandboxed preload cannot require local
// files. The chromium e2e project runs this very bundle in its pages.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'preload');
const common = { bundle: true, platform: 'browser', target: 'chrome120', logLevel: 'warning', absWorkingDir: root };

esbuild.buildSync({ ...common, entryPoints: ['preload/strongroom.preload.ts'], format: 'cjs', external: ['electron'], outfile: path.join(out, 'strongroom.preload.bundle.js') });

// `strongroom/preload` is a script for webPreferences.preload, not a module
// to import: its types say it exports nothing.
fs.writeFileSync(
  path.join(out, 'strongroom.preload.bundle.d.ts'),
  "// The sandboxed preload script: pass require.resolve('strongroom/preload') as webPreferences.preload.\n// It exports nothing; the page gets window.strongroom (see strongroom/renderer).\nexport {};\n",
);
