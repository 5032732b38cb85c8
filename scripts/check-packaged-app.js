#!/usr/bin/env node
// Every module the packaged app's main process loads must be in the package.
// A module that resolves in the checkout (a devDependency in node_modules, a
// source file) but not in the package makes the app throw "Cannot find
// module" at launch, and nothing short of starting the packaged app shows it.
//
//   node scripts/check-packaged-app.js
//     Makes the copy Electron Forge would package from this checkout, with
//     forge.config.ts's ignore list and @electron/packager's own filter
//     (its default ignores, the out folder, devDependencies pruned), applies
//     the packageAfterCopy hook, and checks that copy. Needs `npm run build`.
//   node scripts/check-packaged-app.js --app out
//     Checks what `electron-forge package` made under out/: app.asar,
//     extracted, with app.asar.unpacked laid over it.
//
// The check: esbuild resolves the main process's whole require graph from
// the package's "main", inside the package and nowhere else (Node's own
// resolution rules); every file it reaches must be in the package. Then the
// files the main process opens by path: the addon the loader would pick for
// this platform, and the preload bundle. Last, the main process is started
// in Node with the unit suite's stand-in for the electron module: it must open
// its window and serve its page, loading every module (and the addon) from
// the package.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { builtinModules } = require('node:module');
const { spawnSync } = require('node:child_process');

const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'dist', p);

// Forge's own copies of @electron/packager and @electron/asar (dependencies of @electron-forge/core).
const forgeCore = path.dirname(require.resolve('@electron-forge/core/package.json', { paths: [root] }));
const packagerDir = path.dirname(require.resolve('@electron/packager/package.json', { paths: [forgeCore] }));
const fromForge = (id) => require(require.resolve(id, { paths: [packagerDir, forgeCore] }));

function fail(message) {
  console.error(`check-packaged-app: ${message}`);
  process.exit(1);
}

/** Copies the files @electron/packager would copy from `root`, with Forge's options, into `stage`. */
async function stageLikeForge(stage) {
  const forge = require(dist('forge.config.js')).default;
  const { populateIgnoredPaths, userPathFilter } = require(path.join(packagerDir, 'dist', 'copy-filter.js'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // What Forge passes to packager (@electron-forge/core api/package): its
  // defaults, then packagerConfig, then dir and out; prune is on unless set.
  const opts = {
    ignore: [/^\/out\//g],
    quiet: true,
    prune: true,
    name: pkg.productName ?? pkg.name,
    ...forge.packagerConfig,
    dir: root,
    out: path.join(root, 'out'),
  };
  populateIgnoredPaths(opts);
  const keep = userPathFilter(opts);
  let files = 0;
  const walk = async (from, to) => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      if (!(await keep(source))) continue;
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) {
        fs.mkdirSync(target, { recursive: true });
        await walk(source, target);
      } else if (entry.isFile()) {
        fs.copyFileSync(source, target);
        files++;
      }
    }
  };
  await walk(root, stage);
  // Forge's packageAfterCopy hook, as the packaged app gets it.
  forge.hooks?.packageAfterCopy?.(forge, stage, '', process.platform, process.arch);
  return files;
}

/** Finds resources/app.asar under a Forge output folder and extracts it (with app.asar.unpacked) into `stage`. */
function extractPackaged(out, stage) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.name === 'app.asar' && entry.isFile()) found.push(full);
      else if (entry.isDirectory() && !entry.name.endsWith('.asar.unpacked')) walk(full);
    }
  };
  walk(out);
  if (found.length !== 1) fail(`expected one app.asar under ${out}, found ${found.length}: ${found.join(', ')}`);
  const asarFile = found[0];
  fromForge('@electron/asar').extractAll(asarFile, stage);
  const unpacked = `${asarFile}.unpacked`;
  if (fs.existsSync(unpacked)) fs.cpSync(unpacked, stage, { recursive: true });
  console.log(`check-packaged-app: ${path.relative(process.cwd(), asarFile)}`);
}

async function check(app) {
  const manifest = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  const entry = path.join(app, manifest.main ?? 'index.js');
  if (!fs.existsSync(entry)) fail(`the package's main, ${manifest.main}, is not in the package`);

  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: app,
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      metafile: true,
      logLevel: 'silent',
      // Electron's own module is built into the binary.
      external: ['electron', ...builtins],
      // Only the package: no NODE_PATH, no node_modules above it (the stage sits in the temp folder).
      nodePaths: [],
    });
  } catch (error) {
    const missing = (error.errors ?? []).map((e) => `  ${e.text}${e.location ? ` (imported by ${e.location.file})` : ''}`);
    fail(`the packaged app's main process loads modules the package does not ship:\n${missing.join('\n') || error.message}`);
  }
  const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(app, f));
  const outside = inputs.filter((f) => path.relative(app, f).startsWith('..'));
  if (outside.length > 0) fail(`modules resolved outside the package: ${outside.join(', ')}`);

  // Files the main process opens by path (not through a static require).
  const { addonCandidates, currentTarget } = require(path.join(app, 'dist', 'main', 'addon-loader.js'));
  const candidates = addonCandidates(app, currentTarget()).map((c) => ({ ...c, file: c.file.replace('.asar.unpacked', '.asar') }));
  const addon = candidates.find((c) => fs.existsSync(c.file));
  if (addon === undefined)
    fail(`no addon for ${process.platform}-${process.arch} in the package: tried ${candidates.map((c) => c.file).join(', ')}`);
  const preload = path.join(app, 'dist', 'preload', 'strongroom.preload.bundle.js');
  if (!fs.existsSync(preload)) fail(`the preload bundle is not in the package: ${preload}`);
  const pages = path.join(app, 'renderer-demo', 'index.html');
  if (!fs.existsSync(pages)) fail(`the demo's pages are not in the package: ${pages}`);

  const fromModules = inputs.filter((f) => f.split(path.sep).includes('node_modules')).length;
  console.log(
    `check-packaged-app: the main process (${manifest.main}) resolves ${inputs.length} modules (${fromModules} from node_modules), all in the package; addon: ${addon.kind} ${path.relative(app, addon.file)}`,
  );
  run(app, entry);
}

/**
 * Then starts it: imports the entry in Node as Electron 28+ does, with the
 * unit suite's stand-in for the electron module, and requires that it opened
 * its window and served its page, and that every module it loaded (the addon
 * included) came from the package.
 */
function run(app, entry) {
  const standIn = dist('test/js/support/electron-stand-in.require.js');
  if (!fs.existsSync(standIn)) fail(`run npm run build first: ${standIn}`);
  const script = `
    import { createRequire } from 'node:module';
    import { pathToFileURL } from 'node:url';
    const entry = ${JSON.stringify(entry)};
    await import(pathToFileURL(entry).href);
    await new Promise((resolve) => setImmediate(resolve));
    const report = await globalThis.__strongroomStandInReport();
    const cache = createRequire(entry).cache;
    const library = Object.keys(cache).find((file) => /[\\\\/]dist[\\\\/]main[\\\\/]native\\.js$/.test(file));
    const addon = library === undefined ? null : cache[library].exports.addonSource;
    process.stdout.write('REPORT ' + JSON.stringify({ windows: report.windows.length, index: report.index?.status ?? null, addon, modules: Object.keys(cache) }) + '\\n');
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--require', standIn, '--input-type=module', '-e', script], {
    cwd: app,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = (child.stdout ?? '').split('\n').find((l) => l.startsWith('REPORT '));
  if (child.status !== 0 || line === undefined) fail(`the packaged app's main process did not start:\n${child.stderr || child.stdout}`);
  const result = JSON.parse(line.slice('REPORT '.length));
  const inside = (file) => !path.relative(fs.realpathSync(app), fs.realpathSync(file)).startsWith('..');
  const foreign = result.modules.filter(
    (file) => !inside(file) && path.resolve(file) !== standIn && !file.startsWith(path.dirname(standIn)),
  );
  if (foreign.length > 0) fail(`the started main process loaded modules from outside the package: ${foreign.join(', ')}`);
  if (result.windows !== 1 || result.index !== 200)
    fail(`the started main process opened ${result.windows} windows and served its page with status ${result.index}`);
  if (result.addon === null || !inside(result.addon.file))
    fail(`the started main process loaded its addon from outside the package: ${result.addon?.file}`);
  console.log(
    `check-packaged-app: started (electron stand-in): one window, its page served, ${result.modules.length} modules loaded, all from the package; addon ${path.relative(app, result.addon.file)}`,
  );
}

async function main() {
  const appFlag = process.argv.indexOf('--app');
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-packaged-'));
  try {
    if (appFlag > 0) {
      extractPackaged(path.resolve(process.argv[appFlag + 1]), stage);
    } else {
      if (!fs.existsSync(dist('forge.config.js'))) fail('run npm run build first');
      const files = await stageLikeForge(stage);
      console.log(`check-packaged-app: ${files} files, as Electron Forge would package this checkout`);
    }
    await check(stage);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

main().catch((error) => fail(error.stack ?? String(error)));
