#!/usr/bin/env node
// Checks every #include of the native core, the wallet and the addon against
// the layers ARCHITECTURE.md declares, so that the table is a rule the build
// enforces rather than a description that drifts:
//  - the "Native core" table places every file of native/core/include and
//    native/core/src in exactly one layer (rows from the bottom up); a core
//    file may include its own layer and the layers below, never one above;
//  - the wallet includes the core's public headers, never the addon, and a
//    core-internal header only where the "Includes that cross a layer" table
//    names it;
//  - the addon includes the core's and the wallet's public headers and
//    node-addon-api, never their internal headers;
//  - neither the core nor the wallet includes a Node header;
//  - every include the crossing table names exists (a stale entry fails too).
// Usage: node scripts/check-native-layers.js [--root DIR]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? path.resolve(process.argv[rootArg + 1]) : path.resolve(__dirname, '..');
const rel = (file) => path.relative(root, file).split(path.sep).join('/');
const core = path.join(root, 'native/core');
const coreInclude = path.join(core, 'include/strongroom');
const coreSrc = path.join(core, 'src');
const wallet = path.join(root, 'native/wallet');
const addon = path.join(root, 'native/addon');

const problems = [];
const problem = (text) => problems.push(text);

// --- ARCHITECTURE.md ---------------------------------------------------------

const architecture = fs.readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
const section = (() => {
  const start = architecture.indexOf('\n## Native core');
  if (start < 0) throw new Error('ARCHITECTURE.md has no "## Native core" section');
  const end = architecture.indexOf('\n## ', start + 1);
  return architecture.slice(start, end < 0 ? undefined : end);
})();

// The rows of the first table whose header row starts with `firstColumn`.
function tableRows(text, firstColumn) {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => new RegExp(`^\\|\\s*${firstColumn}\\s*\\|`).test(line));
  if (header < 0) throw new Error(`ARCHITECTURE.md's Native core section has no table starting "| ${firstColumn} |"`);
  const rows = [];
  for (let i = header + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    rows.push(
      lines[i]
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}
const ticked = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

// A core file as the table names it: `src/x` is internal, `x.h` public, `x.cc` a source.
function coreFile(name) {
  if (name.startsWith('src/')) return path.join(core, name);
  if (name.endsWith('.h')) return path.join(coreInclude, name);
  return path.join(coreSrc, name);
}

const layerOf = new Map(); // absolute path -> { index, name }
const layers = tableRows(section, 'layer');
layers.forEach(([name, files], index) => {
  for (const token of ticked(files)) {
    if (!/\.(h|cc)$/.test(token)) continue;
    const file = coreFile(token);
    if (layerOf.has(file)) problem(`ARCHITECTURE.md places ${rel(file)} twice`);
    if (!fs.existsSync(file)) problem(`ARCHITECTURE.md places ${rel(file)}, which does not exist`);
    layerOf.set(file, { index, name });
  }
});

// Crossings: | file | includes | why |, paths from the repository root.
const crossings = tableRows(section, 'file').map(([file, included, why]) => {
  const [from] = ticked(file);
  const [to] = ticked(included);
  if (!from || !to || !why) problem(`a crossing row of ARCHITECTURE.md needs a file, an include and a reason: "${file}"`);
  return { from: path.join(root, from || ''), to: path.join(root, to || ''), seen: false };
});
function crossing(from, to) {
  const found = crossings.find((c) => c.from === from && c.to === to);
  if (found) found.seen = true;
  return Boolean(found);
}

// --- includes ----------------------------------------------------------------

const listFiles = (dir) => {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full);
    return /\.(h|cc)$/.test(entry.name) ? [full] : [];
  });
};

function includesOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*#\s*include\s*([<"])([^>"]+)[>"]/gm)].map((m) => ({ quoted: m[1] === '"', name: m[2] }));
}

// The file a quoted include names, searching as the compiler would: the
// including file's folder first, then the component's include path.
function resolve(file, name, searchPath) {
  for (const dir of [path.dirname(file), ...searchPath]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const nodeHeader = /^(napi\.h|node_api\.h|js_native_api\.h|node\.h|uv\.h|v8\.h)$/;
const inside = (file, dir) => file.startsWith(dir + path.sep);

// The core.
const coreFiles = [...listFiles(coreInclude), ...listFiles(coreSrc)];
for (const file of coreFiles) {
  if (!layerOf.has(file)) problem(`${rel(file)} is in no layer of ARCHITECTURE.md's Native core table`);
}
for (const file of coreFiles) {
  const own = layerOf.get(file);
  for (const { quoted, name } of includesOf(file)) {
    if (nodeHeader.test(name)) {
      problem(`${rel(file)} includes the Node header ${name}: the core has no Node`);
      continue;
    }
    if (!quoted) continue;
    const target = resolve(file, name, [path.join(core, 'include'), coreSrc]);
    if (!target) {
      problem(`${rel(file)} includes "${name}", which is not a core file`);
      continue;
    }
    const theirs = layerOf.get(target);
    if (!own || !theirs || theirs.index <= own.index) continue;
    if (crossing(file, target)) continue;
    problem(
      `${rel(file)} (${own.name}) includes ${rel(target)} (${theirs.name}), a layer above it; ` +
        'move what it needs down, or name the crossing and why in ARCHITECTURE.md',
    );
  }
}

// The wallet: public core headers; core internals only where a crossing is named.
for (const file of [...listFiles(path.join(wallet, 'include')), ...listFiles(path.join(wallet, 'src'))]) {
  for (const { quoted, name } of includesOf(file)) {
    if (nodeHeader.test(name)) {
      problem(`${rel(file)} includes the Node header ${name}: the wallet has no Node`);
      continue;
    }
    if (!quoted) continue;
    const searchPath = [
      path.join(wallet, 'include'),
      path.join(wallet, 'src'),
      path.join(wallet, 'generated'),
      path.join(core, 'include'),
      coreSrc,
    ];
    const target = resolve(file, name, searchPath);
    if (!target) continue; // generated at build time (the word list)
    if (inside(target, addon)) problem(`${rel(file)} includes the addon's ${rel(target)}`);
    if (inside(target, coreSrc) && !crossing(file, target)) {
      problem(`${rel(file)} includes the core-internal ${rel(target)}; name the crossing and why in ARCHITECTURE.md`);
    }
  }
}

// The addon: public headers of the core and the wallet, node-addon-api.
for (const file of listFiles(addon)) {
  for (const { quoted, name } of includesOf(file)) {
    if (!quoted) continue;
    const target = resolve(file, name, [addon, path.join(core, 'include'), path.join(wallet, 'include')]);
    const internal = [coreSrc, path.join(wallet, 'src')].some((dir) => resolve(file, name, [dir]) && !target);
    if (internal || (target && (inside(target, coreSrc) || inside(target, path.join(wallet, 'src'))))) {
      problem(`${rel(file)} includes "${name}", an internal header of the core or the wallet`);
    }
  }
}

for (const c of crossings) {
  if (!c.seen) problem(`ARCHITECTURE.md names a crossing ${rel(c.from)} -> ${rel(c.to)} that no longer exists`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-native-layers: ${p}`);
  process.exit(1);
}
console.log(
  `check-native-layers: ${coreFiles.length} core files in ${layers.length} layers, ` +
    `wallet and addon includes checked, ${crossings.length} named crossing(s)`,
);
