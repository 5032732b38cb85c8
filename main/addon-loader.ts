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

const PT_INTERP = 3;

/**
 * The program interpreter (dynamic loader) an ELF executable names in its
 * PT_INTERP program header, e.g. /lib64/ld-linux-x86-64.so.2 (glibc) or
 * /lib/ld-musl-x86_64.so.1 (musl); null for a static or non-ELF file. Reads
 * a few hundred bytes of the file: no child process, no diagnostic report.
 * scripts/prebuild-name.js does the same for the install step.
 */
export function elfInterpreter(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const handle = fd;
    const read = (offset: number, length: number): Buffer => {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, fs.readSync(handle, buffer, 0, length, offset));
    };
    const header = read(0, 64);
    if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) return null;
    const is64 = header[4] === 2;
    const le = header[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const word = (b: Buffer, o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const phoff = word(header, is64 ? 0x20 : 0x1c);
    const phentsize = u16(header, is64 ? 0x36 : 0x2a);
    const phnum = u16(header, is64 ? 0x38 : 0x2c);
    if (phentsize < (is64 ? 56 : 32) || phnum === 0 || phnum > 256) return null;
    const table = read(phoff, phentsize * phnum);
    for (let i = 0; (i + 1) * phentsize <= table.length && i < phnum; i++) {
      const entry = table.subarray(i * phentsize, (i + 1) * phentsize);
      if (u32(entry, 0) !== PT_INTERP) continue;
      const offset = word(entry, is64 ? 8 : 4);
      const size = word(entry, is64 ? 32 : 16);
      if (size === 0 || size > 4096) return null;
      return read(offset, size).toString('latin1').replace(/\0.*$/s, '');
    }
    return null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** 'glibc' or 'musl' from a program interpreter's path; null when it names neither. */
export function libcOfInterpreter(interpreter: string | null): 'glibc' | 'musl' | null {
  if (interpreter === null) return null;
  if (/(^|\/)ld-musl-/.test(interpreter)) return 'musl';
  if (/(^|\/)(ld-linux[^/]*|ld64)\.so\.\d+$/.test(interpreter)) return 'glibc';
  return null;
}

/**
 * The C library the running executable (Node, or Electron) is linked
 * against, from its ELF interpreter. Only a static executable, which names
 * none, falls back to Node's diagnostic report: it is heavy (it walks every
 * libuv handle) and has crashed in Electron workers.
 */
export function detectLibc(platform: string, executable: string = process.execPath): AddonTarget['libc'] {
  if (platform !== 'linux') return null;
  const fromElf = libcOfInterpreter(elfInterpreter(executable));
  if (fromElf !== null) return fromElf;
  // Node reports the glibc it runs on; a musl build of Node has no such field.
  // process.report is missing in some embedders, whatever Node's types say.
  const report = process.report as NodeJS.ProcessReport | undefined;
  const header = (report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
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
