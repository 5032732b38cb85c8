#!/usr/bin/env node
// Runs Electronegativity (Doyensec's Electron security scanner) over the
// app's sources (bridge, main, preload, renderer-demo) and fails on any finding that
// is not in tools/electronegativity/allow-list.json, or on an allow-list
// entry that no longer matches a finding.
//
// The scanner lives in its own folder with its own lockfile: its TypeScript
// parser (typescript-estree 4) needs TypeScript 4.x, pinned there by an
// override, while the app builds with 5.x. This script installs it from the
// npm registry (npm ci) when it is missing or its lockfile changed. It also
// warns that it cannot fetch Electron's release list: harmless, the version is
// given with -e.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const toolDir = path.join(root, 'tools', 'electronegativity');
const SOURCES = ['bridge', 'main', 'preload', 'renderer-demo'];

function fail(message) {
  console.error(`lint:electron: ${message}`);
  process.exit(1);
}

function ensureInstalled() {
  const lock = fs.readFileSync(path.join(toolDir, 'package-lock.json'));
  const digest = createHash('sha256').update(lock).digest('hex');
  const stamp = path.join(toolDir, 'node_modules', '.strongroom-lock-sha256');
  const entry = path.join(toolDir, 'node_modules', '@doyensec', 'electronegativity', 'package.json');
  if (fs.existsSync(entry) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return;
  console.log('lint:electron: installing Electronegativity into tools/electronegativity (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: toolDir,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (run.status !== 0) fail('npm ci in tools/electronegativity failed');
  fs.writeFileSync(stamp, digest);
}

function electronVersion() {
  try {
    return require(path.join(root, 'node_modules', 'electron', 'package.json')).version;
  } catch {
    const range = require(path.join(root, 'package.json')).devDependencies.electron;
    return range.replace(/^[^0-9]*/, '');
  }
}

function scan() {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-electronegativity-'));
  try {
    for (const dir of SOURCES) fs.cpSync(path.join(root, dir), path.join(stage, 'app', dir), { recursive: true });
    const output = path.join(stage, 'findings.sarif');
    const pkg = require(path.join(toolDir, 'node_modules', '@doyensec', 'electronegativity', 'package.json'));
    const cli = path.join(toolDir, 'node_modules', '@doyensec', 'electronegativity', pkg.bin.electronegativity);
    // English messages, whatever the machine's locale: the allow-list matches them.
    const env = { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8', LANGUAGE: 'en_US' };
    const run = spawnSync(
      process.execPath,
      [cli, '-i', path.join(stage, 'app'), '-r', '-v', 'false', '-e', electronVersion(), '-o', output],
      { encoding: 'utf8', env },
    );
    if (run.status !== 0 || !fs.existsSync(output))
      fail(`electronegativity did not finish (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
    const sarif = JSON.parse(fs.readFileSync(output, 'utf8'));
    return sarif.runs[0].results.map((r) => {
      const location = r.locations?.[0]?.physicalLocation;
      const uri = location?.artifactLocation?.uri ?? '';
      return {
        check: r.ruleId,
        file: uri === 'file:///' || uri === '' ? '(global)' : uri.replace(/\\/g, '/'),
        line: location?.region?.startLine,
        message: r.message?.text ?? '',
      };
    });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

ensureInstalled();
const findings = scan();
const allowList = JSON.parse(fs.readFileSync(path.join(toolDir, 'allow-list.json'), 'utf8')).findings;
const used = new Set();
const unexplained = [];
for (const finding of findings) {
  const index = allowList.findIndex(
    (a) => a.check === finding.check && a.file === finding.file && (a.message === undefined || a.message === finding.message),
  );
  if (index === -1) unexplained.push(finding);
  else used.add(index);
}
for (const finding of findings) {
  const allowed = allowList.find(
    (a) => a.check === finding.check && a.file === finding.file && (a.message === undefined || a.message === finding.message),
  );
  console.log(
    `${allowed ? 'allowed' : 'FINDING'}  ${finding.check}  ${finding.file}${finding.line ? `:${finding.line}` : ''}${allowed ? '' : `  ${finding.message}`}`,
  );
}
const stale = allowList.filter((_, i) => !used.has(i));
for (const entry of stale) console.log(`STALE    ${entry.check}  ${entry.file}  (allow-listed, no longer found: remove it)`);
console.log(
  `lint:electron: ${findings.length} findings over ${SOURCES.join(', ')}; ${findings.length - unexplained.length} allow-listed as false positives, ${unexplained.length} unexplained, ${stale.length} stale allow-list entries`,
);
if (unexplained.length > 0 || stale.length > 0) process.exit(1);
