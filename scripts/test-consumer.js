#!/usr/bin/env node
// `npm run test:consumer`: strongroom as a wallet app meets it. Packs the
// package, installs the tarball into a temporary app with --ignore-scripts,
// offline, on a PATH without cmake, make, ninja or any C/C++ compiler; then
// a CommonJS and an ES module script use it, tsc (strict; node16 and bundler
// resolution) type-checks a Node-only, an Electron main-process and a
// renderer consumer, and publint and @arethetypeswrong/cli lint the tarball.
// Also installs sodium-native the same way and prints both side by side.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const fixtures = path.join(root, 'test', 'consumer');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-consumer-'));
const failures = [];

function step(name, fn) {
  process.stdout.write(`- ${name} ... `);
  try {
    const note = fn();
    process.stdout.write(`ok${note ? ` (${note})` : ''}\n`);
  } catch (error) {
    process.stdout.write('FAILED\n');
    failures.push(name);
    console.error(String(error.message ?? error).replace(/^/gm, '    '));
  }
}

function run(command, args, options = {}) {
  // npm is npm.cmd on Windows, which Node spawns only through a shell.
  const shell = process.platform === 'win32' && command === 'npm';
  const result = spawnSync(command, shell ? args.map((a) => JSON.stringify(a)) : args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    shell,
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

// A user machine without a toolchain: every program on PATH except these.
const TOOLCHAIN =
  /^(cmake|ctest|cpack|ccmake|make|gmake|ninja|cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|ld|(x86_64|aarch64|i686)-.*-(gcc|g\+\+|c\+\+|cc)(-\d+)?|(gcc|g\+\+|clang|clang\+\+|cpp)-\d+(\.\d+)?)$/;
function toolFreePath() {
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  const dirs = [path.dirname(process.execPath), ...(process.env.PATH ?? '').split(path.delimiter)].filter(
    (d, i, all) => d && all.indexOf(d) === i,
  );
  for (const dir of dirs) {
    let entries = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (TOOLCHAIN.test(name) || fs.existsSync(path.join(bin, name))) continue;
      fs.symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  return bin;
}

if (process.platform === 'win32') {
  console.log('test:consumer: the tool-free PATH is built from POSIX bin folders; the Windows job runs the same install without it');
}
const bin = process.platform === 'win32' ? null : toolFreePath();
const env = {
  ...process.env,
  ...(bin ? { PATH: bin } : {}),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
const inherited = /^npm_(lifecycle|package|config_(?!audit|fund|update_notifier|cache|userconfig))/;
for (const key of Object.keys(env).filter((k) => inherited.test(k))) Reflect.deleteProperty(env, key);

const target = `${process.platform}-${process.arch}`;
let tarball;
const installSeconds = { strongroom: null, 'sodium-native': null };

step('the prebuild for this platform exists (npm run prebuild)', () => {
  const dir = path.join(root, 'prebuilds', target);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  if (files.length === 0) throw new Error(`no prebuild in ${dir}: run npm run prebuild first`);
  return files.map((f) => `${f} ${(fs.statSync(path.join(dir, f)).size / 1024).toFixed(0)} KiB`).join(', ');
});

step('npm pack', () => {
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
  const [info] = JSON.parse(out.stdout);
  tarball = path.join(work, info.filename);
  const files = info.files.map((f) => f.path);
  const forbidden = files.filter((f) =>
    /^(build|test|e2e|bench|renderer-demo|examples|\.github|\.ci)\/|^dist\/(test|renderer-demo|main\/app)\/|\.(o|obj|a|lib|pdb|tsbuildinfo)$/.test(
      f,
    ),
  );
  if (forbidden.length) throw new Error(`build leftovers, tests or demo code in the tarball:\n${forbidden.join('\n')}`);
  for (const needed of [
    'LICENSE',
    'package.json',
    'dist/main/index.js',
    'dist/main/index.d.ts',
    'dist/main/electron/index.js',
    'dist/preload/strongroom.preload.bundle.js',
    'dist/preload/renderer.d.ts',
    'scripts/install.js',
  ]) {
    if (!files.includes(needed)) throw new Error(`${needed} is missing from the tarball`);
  }
  if (!files.some((f) => f.startsWith(`prebuilds/${target}/`))) throw new Error(`no prebuilds/${target}/ in the tarball`);
  // A source map must carry its sources: the .ts files are not shipped.
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources, sourcesContent } = JSON.parse(fs.readFileSync(path.join(root, map), 'utf8'));
    if (!Array.isArray(sourcesContent) || sourcesContent.length !== sources.length || sourcesContent.some((c) => typeof c !== 'string'))
      throw new Error(`${map} does not carry its sources`);
  }
  return `${info.filename}, ${files.length} files, ${(info.size / 1024).toFixed(0)} KiB packed, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked`;
});

function makeApp(name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, version: '1.0.0' }, null, 2));
  return dir;
}

function timedInstall(dir, spec, extra) {
  const started = process.hrtime.bigint();
  run('npm', ['install', '--offline', '--no-package-lock', ...extra, spec], { cwd: dir, env });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Median of three installs into fresh apps: one install is too noisy to compare. */
function medianInstall(name, spec) {
  const times = [1, 2, 3].map((n) => timedInstall(makeApp(`${name}-timing-${n}`), spec, ['--ignore-scripts'])).sort((a, b) => a - b);
  return times[1];
}

function dependencyTree(dir, pkg) {
  // Everything installed is the runtime tree: the app installs only this package.
  const modules = path.join(dir, 'node_modules');
  const packages = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d)) {
      if (entry.startsWith('.')) continue;
      const full = path.join(d, entry);
      if (entry.startsWith('@')) walk(full);
      else if (fs.existsSync(path.join(full, 'package.json'))) {
        packages.push(full);
        if (fs.existsSync(path.join(full, 'node_modules'))) walk(path.join(full, 'node_modules'));
      }
    }
  };
  walk(modules);
  const size = (p) => {
    const st = fs.lstatSync(p);
    return st.isDirectory() ? fs.readdirSync(p).reduce((n, e) => n + size(path.join(p, e)), 0) : st.size;
  };
  return { count: packages.length, bytes: size(modules), names: packages.map((p) => path.relative(modules, p)).filter((n) => n !== pkg) };
}

// The npm cache must hold the registry dependencies (as it does after any
// earlier install on a user's machine): the installs below run --offline, so
// strongroom itself can download nothing (no binary, no toolchain).
step('npm cache holds zod and sodium-native (for the offline installs)', () => {
  const zod = require(path.join(root, 'package.json')).dependencies.zod;
  run('npm', ['cache', 'add', `zod@${zod}`], { cwd: work });
  // sodium-native's dependencies too: one warm-up install, so that both timed installs below are offline.
  run('npm', ['install', '--prefer-offline', '--no-package-lock', '--ignore-scripts', 'sodium-native'], { cwd: makeApp('warm-up') });
});

const app = makeApp('app');
const trees = {};
step('npm install --ignore-scripts of the tarball: no compiler, no CMake, no network', () => {
  const seconds = timedInstall(app, tarball, ['--ignore-scripts']);
  trees.strongroom = dependencyTree(app, 'strongroom');
  const unexpected = trees.strongroom.names.filter((n) => n !== 'zod');
  if (unexpected.length) throw new Error(`runtime dependencies beyond zod: ${unexpected.join(', ')}`);
  if (fs.existsSync(path.join(app, 'node_modules', 'strongroom', 'build'))) throw new Error('a build/ folder was installed');
  return `${seconds.toFixed(1)} s, ${trees.strongroom.count} packages, ${(trees.strongroom.bytes / 1024 / 1024).toFixed(1)} MiB`;
});

// The scripts run from inside the app: from this repo, 'strongroom' would
// resolve to the repo itself (package self-reference).
const runIn = (dir, script) => {
  fs.copyFileSync(path.join(fixtures, script), path.join(dir, script));
  return run(process.execPath, [path.join(dir, script)], { cwd: dir, env }).stdout.trim();
};
step('a CommonJS script generates, reads, inspects and destroys a secret', () => runIn(app, 'use.cjs'));
step('an ES module script does the same with named imports', () => runIn(app, 'use.mjs'));
step('strongroom doctor runs from the installed package', () => {
  const out = spawnSync(process.execPath, [path.join(app, 'node_modules', 'strongroom', 'bin', 'strongroom.js'), 'doctor', '--json'], {
    encoding: 'utf8',
    env,
  });
  const report = JSON.parse(out.stdout);
  if (report.rows[0].check !== 'native addon' || report.rows[0].verdict !== 'ok') throw new Error(out.stdout);
  if (!report.rows[0].value.startsWith('prebuild:')) throw new Error(`loaded ${report.rows[0].value}, not the prebuild`);
  return report.rows[0].value.replace(app, '<app>');
});

step('npm install with install scripts on: the install step builds nothing where a prebuild loads', () => {
  const withScripts = makeApp('with-scripts');
  const seconds = timedInstall(withScripts, tarball, []);
  if (fs.existsSync(path.join(withScripts, 'node_modules', 'strongroom', 'build')))
    throw new Error('the install step built the addon although a prebuild loads');
  runIn(withScripts, 'use.cjs');
  return `${seconds.toFixed(1)} s`;
});

// Type-checking consumers. typescript and @types/node come from this repo
// (a consumer has its own); electron's types only for the main-process case.
const link = (name) => {
  const to = path.join(app, 'node_modules', name);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules', name), to, 'junction');
};
link('typescript');
link('@types/node');
const tsc = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc');
const resolutions = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
};
function typeCheck(file, types, lib) {
  for (const [name, options] of Object.entries(resolutions)) {
    const dir = path.join(app, `tsc-${path.basename(file, '.ts')}-${name}`);
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fixtures, file), path.join(dir, file));
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types,
          lib,
          esModuleInterop: true,
        },
        files: [file],
      }),
    );
    run(process.execPath, [tsc, '-p', dir], { cwd: dir, env });
  }
}
step('tsc: a Node-only consumer (no electron installed), node16 and bundler', () => {
  if (fs.existsSync(path.join(app, 'node_modules', 'electron'))) throw new Error('electron must not be installed for this check');
  typeCheck('node-consumer.ts', ['node'], ['ES2022']);
});
step('tsc: a renderer consumer (DOM only, window.strongroom from strongroom/renderer)', () =>
  typeCheck('renderer-consumer.ts', [], ['ES2022', 'DOM']),
);
step('tsc: an Electron main-process consumer (electron types installed)', () => {
  link('electron');
  typeCheck('main-consumer.ts', ['node'], ['ES2022', 'DOM']); // electron.d.ts itself needs DOM types
});

step('publint: no errors', () => {
  const out = run(process.execPath, [path.join(root, 'node_modules', 'publint', 'src', 'cli.js'), 'run', tarball, '--level', 'warning'], {
    cwd: work,
  });
  return out.stdout.trim().split('\n').at(-1);
});
step('@arethetypeswrong/cli: no problems', () => {
  const attw = path.join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  // node16 profile: node10 resolution predates "exports" and cannot see subpaths.
  run(process.execPath, [attw, tarball, '--profile', 'node16', '--format', 'table-flipped', '--no-color'], { cwd: work });
});

step('side by side: sodium-native installed the same way', () => {
  const sodium = makeApp('sodium');
  timedInstall(sodium, 'sodium-native', ['--ignore-scripts']);
  trees['sodium-native'] = dependencyTree(sodium, 'sodium-native');
  // Timed side by side, in one run, the same way.
  installSeconds.strongroom = medianInstall('strongroom', tarball);
  installSeconds['sodium-native'] = medianInstall('sodium-native', 'sodium-native');
});

if (trees.strongroom && trees['sodium-native']) {
  const row = (name) =>
    `| ${name} | ${installSeconds[name].toFixed(2)} s | ${trees[name].count} | ${(trees[name].bytes / 1024 / 1024).toFixed(1)} MiB |`;
  console.log(
    [
      '',
      '| package | install (offline, --ignore-scripts, median of 3) | runtime packages | node_modules size |',
      '|---|---|---|---|',
      row('strongroom'),
      row('sodium-native'),
    ].join('\n'),
  );
  console.log(
    `ratio strongroom / sodium-native: install time ${(installSeconds.strongroom / installSeconds['sodium-native']).toFixed(2)}x, size ${(trees.strongroom.bytes / trees['sodium-native'].bytes).toFixed(2)}x`,
  );
}

if (failures.length) {
  console.error(`\ntest:consumer: ${failures.length} failed: ${failures.join('; ')}\n(work folder kept: ${work})`);
  process.exit(1);
}
fs.rmSync(work, { recursive: true, force: true });
console.log('\ntest:consumer: all passed');
