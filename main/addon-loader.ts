// Finds and loads the native addon: a prebuilt binary for this platform
// first, then a local source build. Both use one Node-API binary, so the same
// file loads in Node and in every Electron from 21 on.
//
// The layout is node-gyp-build's (prebuilds/<platform>-<arch>/<name>.<tags>.node),
// so prebuildify-style tooling understands the tarball. The lookup itself is
// ours because node-gyp-build tries a local build first and throws one line
// without the reasons; a wallet's `doctor` needs to say exactly what was tried
// and why each candidate did not load.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SecureMemoryError } from './errors';

export const ADDON_NAME = 'strongroom';

/** Targets the published package carries a prebuilt binary for. */
export const PREBUILT_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'] as const;

export interface AddonTarget {
  platform: string;
  arch: string;
  /** Linux only: 'glibc' or 'musl'; null elsewhere. */
  libc: 'glibc' | 'musl' | null;
}

export interface AddonCandidate {
  kind: 'prebuild' | 'local build';
  file: string;
}

export interface AddonAttempt extends AddonCandidate {
  /** Why it did not load: 'not found', or the loader's own message. */
  failure: string;
}

export interface LoadedAddon<T> {
  addon: T;
  loadedFrom: AddonCandidate;
  /** Candidates tried before the one that loaded. */
  skipped: AddonAttempt[];
}

function detectLibc(platform: string): AddonTarget['libc'] {
  if (platform !== 'linux') return null;
  // Node reports the glibc it runs on; a musl build of Node has no such field.
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

export function currentTarget(): AddonTarget {
  return { platform: process.platform, arch: process.arch, libc: detectLibc(process.platform) };
}

/**
 * Inside a packaged Electron app the package root is in app.asar, whose native
 * files Forge's auto-unpack-natives (or electron-builder's asarUnpack) moves
 * to app.asar.unpacked: load from there, by absolute path.
 */
export function unpackedRoot(root: string): string {
  return root.replace(/\.asar(?=$|[\\/])/, '.asar.unpacked');
}

/** Where the addon may be for a package rooted at `root`, in the order they are tried. */
export function addonCandidates(root: string, target: AddonTarget): AddonCandidate[] {
  const base = unpackedRoot(root);
  const tags = ['napi', ...(target.libc ? [target.libc] : [])].join('.');
  return [
    { kind: 'prebuild', file: path.join(base, 'prebuilds', `${target.platform}-${target.arch}`, `${ADDON_NAME}.${tags}.node`) },
    { kind: 'local build', file: path.join(base, 'build', 'addon', 'Release', `${ADDON_NAME}.node`) },
  ];
}

/** The fix a user can act on when nothing loaded. */
export function buildFromSourceAdvice(platform: string): string {
  const toolchain =
    platform === 'win32'
      ? 'Visual Studio 2019 or later with "Desktop development with C++" (MSVC, C++17) and CMake >= 3.15'
      : platform === 'darwin'
        ? 'the Xcode command line tools (`xcode-select --install`, clang with C++17) and CMake >= 3.15 (`brew install cmake`)'
        : 'CMake >= 3.15 and a C++17 compiler (Debian/Ubuntu: `apt-get install cmake g++`; Fedora: `dnf install cmake gcc-c++`)';
  return (
    `To build it from source, install ${toolchain}, then in your app run ` +
    '`npm install --save-dev cmake-js node-addon-api && npm rebuild strongroom`.'
  );
}

export function describeTarget(target: AddonTarget): string {
  const runtime = process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.version}`;
  return `${target.platform}-${target.arch}${target.libc ? ` (${target.libc})` : ''}, ${runtime}`;
}

/** Loads the first candidate that exists and loads; throws ADDON_UNAVAILABLE, listing every attempt, when none does. */
export function loadAddon<T>(
  root: string,
  target: AddonTarget = currentTarget(),
  load: (file: string) => unknown = require,
): LoadedAddon<T> {
  const skipped: AddonAttempt[] = [];
  for (const candidate of addonCandidates(root, target)) {
    if (!fs.existsSync(candidate.file)) {
      skipped.push({ ...candidate, failure: 'not found' });
      continue;
    }
    try {
      return { addon: load(candidate.file) as T, loadedFrom: candidate, skipped };
    } catch (error) {
      // e.g. a glibc older than the prebuild's, or a build for another CPU
      skipped.push({ ...candidate, failure: (error as Error).message.split('\n')[0] ?? String(error) });
    }
  }
  const key = `${target.platform}-${target.arch}`;
  const prebuilt = (PREBUILT_TARGETS as readonly string[]).includes(key) && target.libc !== 'musl';
  const tried = skipped.map((a) => `  - ${a.kind} ${a.file}: ${a.failure}`).join('\n');
  throw new SecureMemoryError(
    'ADDON_UNAVAILABLE',
    `strongroom's native addon could not be loaded for ${describeTarget(target)}.\n` +
      `Tried:\n${tried}\n` +
      (prebuilt
        ? 'The package ships a prebuilt binary for this platform: reinstall strongroom (the prebuilds/ folder may have been pruned or left out of a packaged app; keep *.node files unpacked from the asar). '
        : `No prebuilt binary is published for ${key}${target.libc === 'musl' ? ' with musl' : ''} (prebuilt: ${PREBUILT_TARGETS.join(', ')}; Linux needs glibc). `) +
      buildFromSourceAdvice(target.platform),
  );
}
