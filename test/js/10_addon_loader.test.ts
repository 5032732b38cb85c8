import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { addonCandidates, loadAddon, type AddonTarget } from '../../main/addon-loader';
import { SecureMemoryError } from '../../main/errors';
import type { DoctorReport } from '../../main/doctor-report';
import { addonSource } from '../../main/native';
import { at, must } from './support/assertions';
import { packageRoot } from './support/platform';

const linux: AddonTarget = { platform: 'linux', arch: 'x64', libc: 'glibc' };

function packageDir(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-loader-'));
  for (const [file, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), body);
  }
  return root;
}

test('a prebuild for the platform, arch and libc comes first, then the local build', () => {
  const root = path.join(path.sep, 'srv', 'app', 'node_modules', 'strongroom');
  assert.deepEqual(addonCandidates(root, linux), [
    { kind: 'prebuild', file: path.join(root, 'prebuilds', 'linux-x64', 'strongroom.napi.glibc.node') },
    { kind: 'local build', file: path.join(root, 'build', 'addon', 'Release', 'strongroom.node') },
  ]);
  assert.equal(
    addonCandidates(root, { platform: 'linux', arch: 'arm64', libc: 'musl' })[0]?.file,
    path.join(root, 'prebuilds', 'linux-arm64', 'strongroom.napi.musl.node'),
  );
  assert.equal(
    addonCandidates(root, { platform: 'darwin', arch: 'arm64', libc: null })[0]?.file,
    path.join(root, 'prebuilds', 'darwin-arm64', 'strongroom.napi.node'),
  );
  assert.equal(
    addonCandidates(root, { platform: 'win32', arch: 'x64', libc: null })[0]?.file,
    path.join(root, 'prebuilds', 'win32-x64', 'strongroom.napi.node'),
  );
});

test('the loader looks for a prebuild exactly where npm run prebuild and the install step put it', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { prebuildPath } = require(path.join(packageRoot, 'scripts', 'prebuild-name.js')) as {
    prebuildPath: (root: string, platform: string, arch: string, libc: string | null) => string;
  };
  const root = path.join(path.sep, 'srv', 'app', 'node_modules', 'strongroom');
  for (const target of [
    linux,
    { platform: 'linux', arch: 'arm64', libc: 'musl' },
    { platform: 'darwin', arch: 'arm64', libc: null },
    { platform: 'win32', arch: 'x64', libc: null },
  ] as AddonTarget[]) {
    assert.equal(addonCandidates(root, target)[0]?.file, prebuildPath(root, target.platform, target.arch, target.libc));
  }
});

test('in a packaged app the addon is loaded from app.asar.unpacked, by absolute path', () => {
  const sep = path.sep;
  const resources = path.join(sep, 'Applications', 'Demo.app', 'Contents', 'Resources');
  for (const candidate of addonCandidates(path.join(resources, 'app.asar', 'node_modules', 'strongroom'), linux)) {
    assert.ok(candidate.file.startsWith(path.join(resources, 'app.asar.unpacked', 'node_modules', 'strongroom') + sep), candidate.file);
    assert.ok(path.isAbsolute(candidate.file));
  }
  // Only a whole ".asar" path segment counts.
  const lookalike = path.join(sep, 'srv', 'my.asarish', 'strongroom');
  assert.ok(addonCandidates(lookalike, linux).every((c) => c.file.startsWith(lookalike + sep)));
});

test('a prebuild that fails to load falls back to the local build, and says why', () => {
  const root = packageDir({
    'prebuilds/linux-x64/strongroom.napi.glibc.node': 'prebuild',
    'build/addon/Release/strongroom.node': 'local',
  });
  const loaded = loadAddon<string>(root, linux, (file) => {
    if (file.includes('prebuilds')) throw new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.99' not found\n(required by ...)");
    return fs.readFileSync(file, 'utf8');
  });
  assert.equal(loaded.addon, 'local');
  assert.equal(loaded.loadedFrom.kind, 'local build');
  assert.equal(loaded.skipped.length, 1);
  const skipped = at(loaded.skipped, 0, 'the skipped prebuild');
  assert.match(skipped.failure, /GLIBC_2\.99/);
  assert.doesNotMatch(skipped.failure, /required by/, 'only the first line of the loader error is kept');
});

test('a matching prebuild wins over a local build', () => {
  const root = packageDir({
    'prebuilds/linux-x64/strongroom.napi.glibc.node': 'prebuild',
    'build/addon/Release/strongroom.node': 'local',
  });
  const loaded = loadAddon<string>(root, linux, (file) => fs.readFileSync(file, 'utf8'));
  assert.equal(loaded.addon, 'prebuild');
  assert.deepEqual(loaded.skipped, []);
});

test('nothing to load: ADDON_UNAVAILABLE names the target, every path tried and how to build from source', () => {
  const root = packageDir({});
  for (const [target, expect] of [
    [linux, /ships a prebuilt binary for this platform/],
    [{ platform: 'freebsd', arch: 'x64', libc: null }, /No prebuilt binary is published for freebsd-x64/],
    [{ platform: 'linux', arch: 'x64', libc: 'musl' }, /No prebuilt binary is published for linux-x64 with musl/],
  ] as const) {
    assert.throws(
      () => loadAddon(root, target, () => assert.fail('nothing exists, nothing may be loaded')),
      (error: unknown) => {
        assert.ok(error instanceof SecureMemoryError);
        assert.equal(error.code, 'ADDON_UNAVAILABLE');
        assert.match(error.message, new RegExp(`for ${target.platform}-${target.arch}`));
        for (const candidate of addonCandidates(root, target))
          assert.ok(error.message.includes(`${candidate.file}: not found`), error.message);
        assert.match(error.message, expect);
        assert.match(error.message, /CMake >= 3\.15/);
        assert.match(error.message, /npm rebuild strongroom/);
        return true;
      },
    );
  }
});

test('this process loaded its addon from one of the candidates (the prebuild, where CI made one to test)', () => {
  assert.ok(fs.existsSync(addonSource.file), addonSource.file);
  assert.ok(['prebuild', 'local build'].includes(addonSource.kind), addonSource.kind);
  // The CI matrix sets this after npm run prebuild: the suite must run against that very binary.
  if (process.env.STRONGROOM_EXPECT_PREBUILD === '1') assert.equal(addonSource.kind, 'prebuild', `loaded ${addonSource.file}`);
});

test('strongroom doctor diagnoses a missing addon: what was tried, why, the fix; exit 1, no stack trace', () => {
  // The package without any binary: what a user gets after --ignore-scripts
  // on a platform with no prebuild, or with prebuilds/ pruned away.
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-no-addon-'));
  for (const part of ['package.json', 'bin', path.join('dist', 'bridge'), path.join('dist', 'main')])
    fs.cpSync(path.join(packageRoot, part), path.join(stage, part), { recursive: true });
  const cli = path.join(stage, 'bin', 'strongroom.js');

  const table = spawnSync(process.execPath, [cli, 'doctor'], { encoding: 'utf8' });
  assert.equal(table.status, 1, table.stdout + table.stderr);
  assert.equal(table.stderr, '');
  assert.doesNotMatch(table.stdout, /\n\s+at /, 'no stack trace');
  assert.match(table.stdout, /native addon\s+not loaded: strongroom's native addon could not be loaded for/);
  assert.ok(table.stdout.includes(path.join(stage, 'build', 'addon', 'Release', 'strongroom.node')), 'names the local build path it tried');
  assert.match(table.stdout, /CMake >= 3\.15/);
  assert.match(table.stdout, /NOT OK: the native addon did not load/);

  const json = spawnSync(process.execPath, [cli, 'doctor', '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 1);
  const report = JSON.parse(json.stdout) as DoctorReport;
  assert.equal(report.ok, false);
  assert.equal(report.platform, null);
  const first = at(report.rows, 0, 'the first doctor row');
  assert.equal(first.check, 'native addon');
  assert.equal(first.verdict, 'unavailable');
  assert.match(must(first.advice, 'advice'), /npm rebuild strongroom/);

  // And the library itself refuses with the same code, not "Cannot find module".
  const load = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(stage)}) } catch (e) { console.log(e.name, e.code) }`], {
    encoding: 'utf8',
  });
  assert.equal(load.stdout.trim(), 'SecureMemoryError ADDON_UNAVAILABLE');
});

test('the doctor table names the binary this process loaded', () => {
  const run = spawnSync(process.execPath, [path.join(packageRoot, 'bin', 'strongroom.js'), 'doctor', '--json'], { encoding: 'utf8' });
  const first = at((JSON.parse(run.stdout) as DoctorReport).rows, 0, 'the first doctor row');
  assert.equal(first.check, 'native addon');
  assert.equal(first.value, `${addonSource.kind}: ${addonSource.file}`);
});

test('the install step: builds nothing where the prebuild loads; names strongroom and what is missing otherwise', (t) => {
  const stage = (withModules: boolean, withPrebuild: boolean): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-install-'));
    fs.cpSync(path.join(packageRoot, 'package.json'), path.join(dir, 'package.json'));
    for (const script of ['install.js', 'prebuild-name.js'])
      fs.cpSync(path.join(packageRoot, 'scripts', script), path.join(dir, 'scripts', script));
    if (withModules) fs.symlinkSync(path.join(packageRoot, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
    if (withPrebuild) {
      const relative = path.relative(packageRoot, addonSource.file);
      fs.cpSync(addonSource.file, path.join(dir, relative));
    }
    return dir;
  };
  // No cmake, no compiler, nothing else: an empty PATH.
  const install = (dir: string) =>
    spawnSync(process.execPath, [path.join(dir, 'scripts', 'install.js')], {
      encoding: 'utf8',
      // Windows' Node needs SystemRoot to start at all.
      env: {
        ...(process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {}),
        PATH: fs.mkdtempSync(path.join(os.tmpdir(), 'empty-path-')),
      },
    });

  if (addonSource.kind === 'prebuild') {
    const ready = stage(false, true);
    const ok = install(ready);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(fs.existsSync(path.join(ready, 'build')), false, 'nothing was built');
  } else {
    t.diagnostic('no prebuild loaded in this process (npm run prebuild makes one): the prebuild case is not checked');
  }

  const noPackages = install(stage(false, false));
  assert.equal(noPackages.status, 1);
  assert.match(noPackages.stderr, /^strongroom: no prebuilt binary loads for /);
  assert.match(noPackages.stderr, /cmake-js and node-addon-api are not installed/);
  assert.match(noPackages.stderr, /CMake >= 3\.15/);

  const noCmake = install(stage(true, false));
  assert.equal(noCmake.status, 1);
  assert.match(noCmake.stderr, /CMake was not found on PATH/);
  assert.doesNotMatch(noCmake.stderr, /CMake executable is not found/, "not cmake-js's generic message");
});
