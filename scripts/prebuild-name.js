// Where a prebuilt binary lives: prebuilds/<platform>-<arch>/strongroom.napi[.<libc>].node
// (node-gyp-build's layout). Plain JavaScript with no dependencies, shared by
// the install step and `npm run prebuild`; main/addon-loader.ts looks in the
// same place and detects the C library the same way, and a unit test holds
// the two together.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PT_INTERP = 3;

/**
 * The program interpreter (dynamic loader) an ELF executable names in its
 * PT_INTERP program header, e.g. /lib64/ld-linux-x86-64.so.2 (glibc) or
 * /lib/ld-musl-x86_64.so.1 (musl); null for a static or non-ELF file. Reads
 * a few hundred bytes of the file: no child process, no diagnostic report.
 */
function elfInterpreter(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const read = (offset, length) => {
      const buffer = Buffer.alloc(length);
      const got = fs.readSync(fd, buffer, 0, length, offset);
      return buffer.subarray(0, got);
    };
    const header = read(0, 64);
    if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) return null;
    const is64 = header[4] === 2;
    const le = header[5] === 1;
    const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const word = (b, o) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const phoff = word(header, is64 ? 0x20 : 0x1c);
    const phentsize = u16(header, is64 ? 0x36 : 0x2a);
    const phnum = u16(header, is64 ? 0x38 : 0x2c);
    if (phentsize < (is64 ? 56 : 32) || phnum === 0 || phnum > 256) return null;
    const table = read(phoff, phentsize * phnum);
    for (let i = 0; i + 1 <= phnum && (i + 1) * phentsize <= table.length; i++) {
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
function libcOfInterpreter(interpreter) {
  if (interpreter === null) return null;
  if (/(^|\/)ld-musl-/.test(interpreter)) return 'musl';
  if (/(^|\/)(ld-linux[^/]*|ld64)\.so\.\d+$/.test(interpreter)) return 'glibc';
  return null;
}

/**
 * 'glibc' or 'musl' on Linux, null elsewhere: the C library the running
 * Node (or Electron) executable is linked against, read from its ELF
 * interpreter. Only when that says nothing (a static executable) does it ask
 * Node's diagnostic report, which is heavier (it walks every libuv handle).
 */
function currentLibc(platform = process.platform, executable = process.execPath) {
  if (platform !== 'linux') return null;
  const fromElf = libcOfInterpreter(elfInterpreter(executable));
  if (fromElf !== null) return fromElf;
  return process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

function prebuildPath(root, platform, arch, libc) {
  return path.join(root, 'prebuilds', `${platform}-${arch}`, `strongroom.napi${libc ? `.${libc}` : ''}.node`);
}

module.exports = { currentLibc, elfInterpreter, libcOfInterpreter, prebuildPath };
