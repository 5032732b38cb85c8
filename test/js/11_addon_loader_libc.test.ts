// Which C library the running executable uses, read from its ELF program
// interpreter (no diagnostic report): the loader in main/ and the install
// step's copy in scripts/ must agree, on this very executable and on
// synthetic ELF files of every class and byte order.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { detectLibc, elfInterpreter, libcOfInterpreter } from '../../main/addon-loader';
import { packageRoot } from './support/platform';

interface PrebuildName {
  currentLibc(platform?: string, executable?: string): string | null;
  elfInterpreter(file: string): string | null;
  libcOfInterpreter(interpreter: string | null): string | null;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require(path.join(packageRoot, 'scripts', 'prebuild-name.js')) as PrebuildName;

/** A minimal ELF executable image: header, program headers, then the interpreter string (if any). */
function elf(options: { is64: boolean; le: boolean; interpreter: string | null; firstType?: number }): Buffer {
  const { is64, le } = options;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 2;
  const body = options.interpreter === null ? Buffer.alloc(0) : Buffer.from(`${options.interpreter}\0`, 'latin1');
  const out = Buffer.alloc(ehsize + phentsize * phnum + body.length);
  out.writeUInt32BE(0x7f454c46, 0);
  out[4] = is64 ? 2 : 1;
  out[5] = le ? 1 : 2;
  out[6] = 1;
  const u16 = (v: number, o: number) => (le ? out.writeUInt16LE(v, o) : out.writeUInt16BE(v, o));
  const u32 = (v: number, o: number) => (le ? out.writeUInt32LE(v, o) : out.writeUInt32BE(v, o));
  const word = (v: number, o: number) =>
    is64 ? (le ? out.writeBigUInt64LE(BigInt(v), o) : out.writeBigUInt64BE(BigInt(v), o)) : u32(v, o);
  word(ehsize, is64 ? 0x20 : 0x1c); // e_phoff
  u16(phentsize, is64 ? 0x36 : 0x2a);
  u16(phnum, is64 ? 0x38 : 0x2c);
  const dataOffset = ehsize + phentsize * phnum;
  // The first entry is a PT_LOAD (1), the second PT_INTERP (3) unless there is no interpreter.
  const types = [options.firstType ?? 1, options.interpreter === null ? 1 : 3];
  types.forEach((type, i) => {
    const at = ehsize + i * phentsize;
    u32(type, at);
    word(dataOffset, at + (is64 ? 8 : 4)); // p_offset
    word(body.length, at + (is64 ? 32 : 16)); // p_filesz
  });
  body.copy(out, dataOffset);
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-elf-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let written = 0;
function file(bytes: Buffer | string): string {
  const name = path.join(dir, `f${written++}`);
  fs.writeFileSync(name, bytes);
  return name;
}

test(
  'the running executable: both readers name the same interpreter, and its libc is what Node reports',
  { skip: process.platform !== 'linux' && 'Linux only' },
  () => {
    const interpreter = elfInterpreter(process.execPath);
    assert.ok(interpreter !== null, `${process.execPath} names a program interpreter`);
    assert.equal(script.elfInterpreter(process.execPath), interpreter);
    assert.ok(fs.existsSync(interpreter), `the interpreter ${interpreter} exists`);
    // The reference: Node's diagnostic report, the method this replaces.
    const header = process.report.getReport() as unknown as { header: { glibcVersionRuntime?: string } };
    const expected = header.header.glibcVersionRuntime ? 'glibc' : 'musl';
    assert.equal(detectLibc('linux'), expected);
    assert.equal(script.currentLibc('linux'), expected);
    assert.equal(detectLibc('darwin'), null);
    assert.equal(script.currentLibc('win32'), null);
  },
);

test('synthetic ELF files of both classes and byte orders', () => {
  const cases: [boolean, boolean, string][] = [
    [true, true, '/lib64/ld-linux-x86-64.so.2'],
    [true, false, '/lib64/ld64.so.1'],
    [false, true, '/lib/ld-musl-armhf.so.1'],
    [false, false, '/lib/ld.so.1'],
  ];
  for (const [is64, le, interpreter] of cases) {
    const f = file(elf({ is64, le, interpreter }));
    assert.equal(elfInterpreter(f), interpreter, `${is64 ? 64 : 32}-bit ${le ? 'LE' : 'BE'}`);
    assert.equal(script.elfInterpreter(f), interpreter);
  }
  // PT_INTERP is found past other program headers, and only PT_INTERP counts.
  assert.equal(
    elfInterpreter(file(elf({ is64: true, le: true, interpreter: '/lib/ld-musl-aarch64.so.1', firstType: 4 }))),
    '/lib/ld-musl-aarch64.so.1',
  );
  const staticElf = file(elf({ is64: true, le: true, interpreter: null }));
  assert.equal(elfInterpreter(staticElf), null, 'a static executable names none');
  assert.equal(script.elfInterpreter(staticElf), null);
  for (const junk of ['not an executable\n', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), '']) {
    assert.equal(elfInterpreter(file(junk)), null);
    assert.equal(script.elfInterpreter(file(junk)), null);
  }
  assert.equal(elfInterpreter(path.join(dir, 'missing')), null);
});

test('the interpreter names the C library', () => {
  const glibc = [
    '/lib64/ld-linux-x86-64.so.2',
    '/lib/ld-linux-aarch64.so.1',
    '/lib/ld-linux-armhf.so.3',
    '/lib/ld-linux.so.2',
    '/lib64/ld64.so.2',
    '/lib/ld64.so.1',
    '/lib/ld-linux-riscv64-lp64d.so.1',
  ];
  const musl = ['/lib/ld-musl-x86_64.so.1', '/lib/ld-musl-aarch64.so.1', '/lib/ld-musl-armhf.so.1'];
  for (const name of glibc) {
    assert.equal(libcOfInterpreter(name), 'glibc', name);
    assert.equal(script.libcOfInterpreter(name), 'glibc', name);
  }
  for (const name of musl) {
    assert.equal(libcOfInterpreter(name), 'musl', name);
    assert.equal(script.libcOfInterpreter(name), 'musl', name);
  }
  for (const name of [null, '/usr/libexec/ld.so', '/lib/ld-musl']) {
    assert.equal(libcOfInterpreter(name), null, String(name));
    assert.equal(script.libcOfInterpreter(name), null, String(name));
  }
  // A static executable (no interpreter) falls back to the diagnostic report: still an answer.
  const staticElf = file(elf({ is64: true, le: true, interpreter: null }));
  assert.ok(['glibc', 'musl'].includes(String(detectLibc('linux', staticElf))));
});
