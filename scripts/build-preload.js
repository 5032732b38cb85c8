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

const { metafile } = esbuild.buildSync({
  ...common,
  entryPoints: ['preload/strongroom.preload.ts'],
  format: 'cjs',
  external: ['electron'],
  metafile: true,
  outfile: path.join(out, 'strongroom.preload.bundle.js'),
});

// The preload shares bridge/contract.ts with main, whose request schemas use
// zod; the bundle must keep only the contract's plain parts. Anything from
// node_modules (or a Node built-in) in it is a mistake in an import.
const output = Object.values(metafile.outputs)[0];
const foreign = Object.keys(output.inputs).filter((file) => !/^(bridge|preload)\//.test(file));
const imports = output.imports.map((i) => i.path).filter((name) => name !== 'electron');
if (foreign.length > 0 || imports.length > 0) {
  console.error(
    `build-preload: the sandboxed preload bundle must hold only bridge/ and preload/ code, but it has ${foreign.length + imports.length} more files: ${[...foreign, ...imports].slice(0, 5).join(', ')}`,
  );
  process.exit(1);
}

// `strongroom/preload` is a script for webPreferences.preload, not a module
// to import: its types say it exports nothing.
fs.writeFileSync(
  path.join(out, 'strongroom.preload.bundle.d.ts'),
  "// The sandboxed preload script: pass require.resolve('strongroom/preload') as webPreferences.preload.\n// It exports nothing; the page gets window.strongroom (see strongroom/renderer).\nexport {};\n",
);
