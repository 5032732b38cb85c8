// The demo's entry, loaded the way Electron 28+ loads an app's main script:
// through Node's ESM loader (import(pathToFileURL(file))), where require.main
// is undefined. A stand-in electron module records what it asks for.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { CONTENT_SECURITY_POLICY } from '../../main/electron/serve-policy';
import { BRIDGE_METHODS, channelFor } from '../../bridge/contract';
import { DEMO_ENTRY, pointMainAtDemo } from '../../renderer-demo/packaging.forge';
import { at } from './support/assertions';
import { HARDENED } from './support/electron-stand-in';
import { entryPoint, packageRoot } from './support/platform';

const standIn = path.join(__dirname, 'support', 'electron-stand-in.require.js');
const demoEntry = path.join(packageRoot, DEMO_ENTRY);

interface Report {
  privilegedSchemes: unknown[];
  windows: { options: Record<string, unknown>; urls: string[]; windowOpen: unknown; navigationPrevented: boolean }[];
  ipcChannels: string[];
  protocolSchemes: string[];
  sessionHandlers: string[];
  appListeners: string[];
  index: { status: number; csp: string | null; body: string } | null;
}

/** Imports `entry` in a child node process as Electron 28+ does, then reports what it asked of Electron. */
function loadAsElectronDoes(entry: string): Report {
  const script = [
    "import { pathToFileURL } from 'node:url';",
    `await import(pathToFileURL(${JSON.stringify(entry)}).href);`,
    // app.whenReady() resolves at once in the stand-in; one macrotask later
    // every microtask the entry queued on it has run.
    'await new Promise((resolve) => setImmediate(resolve));',
    "process.stdout.write('REPORT ' + JSON.stringify(await globalThis.__strongroomStandInReport()) + '\\n');",
    'process.exit(0);',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--require', standIn, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const line = run.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, run.stdout + run.stderr);
  return JSON.parse(line.slice('REPORT '.length)) as Report;
}

test('the demo entry, imported through the ESM loader, opens the hardened window on app://strongroom', () => {
  assert.ok(fs.existsSync(demoEntry), `run npm run build first: ${demoEntry}`);
  const report = loadAsElectronDoes(demoEntry);
  assert.equal(report.windows.length, 1, 'exactly one BrowserWindow');
  const window = at(report.windows, 0, 'the BrowserWindow');
  const preload = path.join(packageRoot, 'dist', 'preload', 'strongroom.preload.bundle.js');
  assert.deepEqual(window.options.webPreferences, {
    preload,
    ...HARDENED,
    devTools: true, // the stand-in's app.isPackaged is false
  });
  assert.ok(fs.statSync(preload).isFile(), `the shipped preload exists: ${preload}`);
  assert.equal(window.options.show, false, 'shown on ready-to-show');
  assert.deepEqual(window.urls, ['app://strongroom/index.html']);
  assert.deepEqual(window.windowOpen, { action: 'deny' }, "the window's webContents was hardened: window.open denied");
  assert.equal(window.navigationPrevented, true, 'and navigation away prevented');
  assert.deepEqual(report.ipcChannels, BRIDGE_METHODS.map(channelFor).sort());
  assert.deepEqual(report.privilegedSchemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  assert.deepEqual(report.protocolSchemes, ['app']);
  assert.deepEqual(report.sessionHandlers, ['function', 'function', 'function']);
  for (const event of ['before-quit', 'web-contents-created', 'window-all-closed']) assert.ok(report.appListeners.includes(event), event);
  assert.equal(report.index?.status, 200);
  assert.equal(report.index.csp, CONTENT_SECURITY_POLICY);
  assert.match(report.index.body, /<!doctype html>/i, 'the demo page itself is served');
});

test('the library entry, loaded the same way, starts nothing', () => {
  const report = loadAsElectronDoes(entryPoint);
  assert.deepEqual(report.windows, []);
  assert.deepEqual(report.ipcChannels, []);
  assert.deepEqual(report.privilegedSchemes, []);
  assert.deepEqual(report.appListeners, []);
});

test('packaging points the packaged package.json main at the demo entry, and refuses a build without it', () => {
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-package-'));
  try {
    const manifest = { name: 'strongroom', version: '0.1.0', main: 'dist/main/index.js', types: 'dist/main/index.d.ts' };
    fs.writeFileSync(path.join(build, 'package.json'), JSON.stringify(manifest));
    assert.throws(() => pointMainAtDemo(build), /dist\/renderer-demo\/main\/demo\.main\.bundle\.js is not in the packaged app/);
    assert.equal(
      (JSON.parse(fs.readFileSync(path.join(build, 'package.json'), 'utf8')) as { main: unknown }).main,
      'dist/main/index.js',
      'unchanged on refusal',
    );
    fs.mkdirSync(path.join(build, DEMO_ENTRY), { recursive: true }); // a directory is not an entry
    assert.throws(() => pointMainAtDemo(build), /is not in the packaged app/);
    fs.rmSync(path.join(build, DEMO_ENTRY), { recursive: true });
    fs.writeFileSync(path.join(build, DEMO_ENTRY), '// entry\n');
    pointMainAtDemo(build);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(build, 'package.json'), 'utf8')), { ...manifest, main: DEMO_ENTRY });
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
});
