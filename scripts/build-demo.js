#!/usr/bin/env node
// Bundles the demo wallet's Electron main process into one file,
// dist/renderer-demo/main/demo.main.bundle.js (the packaged app's entry), the
// way the preload is bundled. The demo's own libraries (@noble/curves and
// @noble/hashes, for public data only) are devDependencies of this package, and
// Electron Forge prunes devDependencies when it packages: bundled, they ship
// inside the entry. The library itself (dist/main, required as ../../main)
// stays a separate module, as in an app that installs strongroom: it finds
// its addon relative to its own files.
'use strict';
const path = require('node:path');
const { builtinModules } = require('node:module');

const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'renderer-demo', 'main', 'demo.main.bundle.js');

// ../../main and ../../main/electron from renderer-demo/main/: kept as
// written, so that they resolve to dist/main from the bundle's folder.
const library = /^\.\.\/\.\.\/main(\/electron)?$/;
const keepLibraryExternal = {
  name: 'strongroom-library-external',
  setup(build) {
    build.onResolve({ filter: library }, (args) => ({ path: args.path, external: true }));
  },
};

async function main() {
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['renderer-demo/main/demo.main.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    plugins: [keepLibraryExternal],
    metafile: true,
    logLevel: 'warning',
    outfile,
  });

  // Whatever the bundle still imports must be Electron, Node, or the library:
  // anything else would have to be found in the packaged app's node_modules.
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const output = Object.values(metafile.outputs)[0];
  const unbundled = output.imports.map((i) => i.path).filter((name) => name !== 'electron' && !builtins.has(name) && !library.test(name));
  if (unbundled.length > 0) {
    console.error(`build-demo: the demo's main bundle still imports ${unbundled.join(', ')}: bundle it, or make it a dependency`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(`build-demo: ${error.message}`);
  process.exit(1);
});
