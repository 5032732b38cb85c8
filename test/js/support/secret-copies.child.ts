// Runs in a child node process (node --expose-gc): imports a random secret
// through the real importSecret handler into a vault sealed with
// STRONGROOM_TEST_SEALING, then searches ALL of this process's readable
// memory (/proc/self/maps + /proc/self/mem, every readable mapping) for the
// secret in raw, hex, base64 and JSON encodings. The vault's own data pages
// are counted apart: under pkey they are readable here (the key, not the page
// table, closes them to this process's threads), and the kernel's copy path
// that /proc/self/mem is never obeyed a key. Prints one JSON line of counts.
//
// The needles are never held in the clear: each encoding is built once into
// an off-heap buffer, XOR-masked, and the clear copy wiped before the secret
// is imported. The search compares masked bytes against mask bytes one at a
// time, so no needle exists in memory for the scan to find. Every buffer here
// is off-heap (allocUnsafeSlow / ArrayBuffer), so no GC can leave a moved
// copy behind.
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';

import { platformInfo, SecretVault } from '../../../main';
import { registerVaultIpc } from '../../../main/ipc/register';
import { native } from '../../../main/native';
import { at, must } from './assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN } from './bridge-fixtures';
import { isolatedMappingBytes, newlyMapped, parseMaps, readMapsText, readSmaps, type Range } from './proc-maps';
import { sealingUnderTest } from './sealing';

const SIZE = 32;
const JSON_SEGMENT = 16;

interface Needle {
  name: string;
  masked: Buffer;
  mask: Buffer;
}

const ascii = (code: number) => code;
const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Writes `bytes` encoded into a fresh off-heap buffer, byte by byte: no JS string of the secret is ever made. */
function encode(bytes: Buffer, form: string): Buffer {
  const out: number[] = []; // numbers only; wiped below
  const push = (s: string) => {
    for (let i = 0; i < s.length; i++) out.push(ascii(s.charCodeAt(i)));
  };
  const decimal = (n: number) => {
    if (n >= 100) out.push(48 + Math.floor(n / 100));
    if (n >= 10) out.push(48 + (Math.floor(n / 10) % 10));
    out.push(48 + (n % 10));
  };
  if (form === 'raw') for (const b of bytes) out.push(b);
  if (form === 'hex' || form === 'HEX') {
    for (const b of bytes) {
      const hi = HEX.charCodeAt(b >> 4);
      const lo = HEX.charCodeAt(b & 15);
      out.push(form === 'HEX' && hi >= 97 ? hi - 32 : hi, form === 'HEX' && lo >= 97 ? lo - 32 : lo);
    }
  }
  if (form === 'base64' || form === 'base64url') {
    // The first 40 characters: the same with or without padding, in either alphabet below.
    for (let i = 0; i + 2 < bytes.length && out.length < 40; i += 3) {
      const n = bytes.readUIntBE(i, 3);
      for (const shift of [18, 12, 6, 0]) {
        let c = B64.charCodeAt((n >> shift) & 63);
        if (form === 'base64url' && c === 43) c = 45; // + -> -
        if (form === 'base64url' && c === 47) c = 95; // / -> _
        out.push(c);
      }
    }
  }
  if (form === 'json-array') {
    // JSON.stringify(Array.from(bytes)) without its brackets: "12,34,..."
    bytes.forEach((b, i) => {
      if (i > 0) push(',');
      decimal(b);
    });
  }
  if (form === 'json-object') {
    // JSON.stringify(uint8Array) without its braces: "\"0\":12,\"1\":34,..."
    bytes.forEach((b, i) => {
      if (i > 0) push(',');
      push('"');
      decimal(i);
      push('":');
      decimal(b);
    });
  }
  const buffer = Buffer.allocUnsafeSlow(out.length);
  out.forEach((byte, i) => (buffer[i] = byte));
  out.fill(0);
  return buffer;
}

function mask(name: string, clear: Buffer): Needle {
  const key = Buffer.allocUnsafeSlow(clear.length);
  randomFillSync(key);
  const masked = Buffer.allocUnsafeSlow(clear.length);
  for (let i = 0; i < clear.length; i++) masked[i] = clear.readUInt8(i) ^ key.readUInt8(i);
  clear.fill(0);
  return { name, masked, mask: key };
}

export type Scan = {
  counts: Record<string, number>;
  own: Record<string, number>;
  scannedBytes: number;
  unreadable: string[];
  /** Where the first few copies outside the vault were found: form, address, mapping. */
  where: string[];
};

/**
 * Splits each readable mapping into the pieces inside the vault's own data
 * pages (`own`) and the pieces outside them.
 */
function pieces(start: bigint, end: bigint, own: Range[]): { start: bigint; end: bigint; own: boolean }[] {
  const out: { start: bigint; end: bigint; own: boolean }[] = [];
  let at = start;
  for (const r of own) {
    const from = BigInt(r.start) > at ? BigInt(r.start) : at;
    const to = BigInt(r.end) < end ? BigInt(r.end) : end;
    if (from >= to) continue;
    if (from > at) out.push({ start: at, end: from, own: false });
    out.push({ start: from, end: to, own: true });
    at = to;
  }
  if (at < end) out.push({ start: at, end, own: false });
  return out;
}

/** Counts each needle in every readable mapping, apart inside `own`; also reports what could not be read. */
function scanMemory(needles: Needle[], own: Range[] = []): Scan {
  const longest = Math.max(...needles.map((n) => n.masked.length));
  const CHUNK = 8 * 1024 * 1024;
  const chunk = Buffer.allocUnsafeSlow(CHUNK);
  const counts: Record<string, number> = Object.fromEntries(needles.map((n) => [n.name, 0]));
  const ownCounts: Record<string, number> = Object.fromEntries(needles.map((n) => [n.name, 0]));
  const unreadable: string[] = [];
  const where: string[] = [];
  let scannedBytes = 0;
  const fd = fs.openSync('/proc/self/mem', 'r');
  try {
    for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
      if (match === null || match[3]?.[0] !== 'r') continue;
      const [, from, to] = match;
      for (const piece of pieces(BigInt(`0x${must(from, 'a start address')}`), BigInt(`0x${must(to, 'an end address')}`), own)) {
        const { start, end } = piece;
        const tally = piece.own ? ownCounts : counts;
        // Windows overlap by longest - 1 bytes; a match is counted in the window where it starts before the overlap.
        for (let at = start; at < end;) {
          const want = Number(end - at < BigInt(CHUNK) ? end - at : BigInt(CHUNK));
          chunk.fill(0);
          let got: number;
          try {
            got = fs.readSync(fd, chunk, 0, want, at);
          } catch (error) {
            unreadable.push(`${line.trim()} (${(error as NodeJS.ErrnoException).code})`);
            break;
          }
          if (got <= 0) break;
          scannedBytes += got;
          const last = at + BigInt(got) >= end;
          const countBelow = last ? got : got - (longest - 1);
          for (const needle of needles) {
            const len = needle.masked.length;
            const first = needle.masked.readUInt8(0) ^ needle.mask.readUInt8(0);
            for (let i = chunk.indexOf(first, 0); i !== -1 && i + len <= got; i = chunk.indexOf(first, i + 1)) {
              let j = 1;
              while (j < len && chunk[i + j] === (needle.masked.readUInt8(j) ^ needle.mask.readUInt8(j))) j++;
              if (j === len && i < countBelow) {
                tally[needle.name] = must(tally[needle.name], `the count of ${needle.name}`) + 1;
                if (!piece.own && where.length < 5) where.push(`${needle.name} at 0x${(at + BigInt(i)).toString(16)} in ${line.trim()}`);
              }
            }
          }
          if (last) break;
          at += BigInt(countBelow);
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return { counts, own: ownCounts, scannedBytes, unreadable, where };
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

async function main(): Promise<void> {
  const secret = Buffer.allocUnsafeSlow(SIZE);
  randomFillSync(secret);
  const needles = ['raw', 'hex', 'HEX', 'base64', 'base64url'].map((form) => mask(form, encode(secret, form)));
  // V8's JSON.stringify returns a rope of parts (32, 64, 128... characters)
  // that nothing flattens until the string is used: a kept JSON copy lies in
  // memory in pieces. So the JSON forms are searched as 16-byte segments;
  // any segment found counts.
  for (const form of ['json-array', 'json-object']) {
    const clear = encode(secret, form);
    for (let at = 0; at + JSON_SEGMENT <= clear.length; at += JSON_SEGMENT) {
      const segment = Buffer.allocUnsafeSlow(JSON_SEGMENT);
      clear.copy(segment, 0, at, at + JSON_SEGMENT);
      needles.push(mask(form, segment));
    }
    clear.fill(0);
  }
  // The bytes main receives from IPC: a Uint8Array over its own ArrayBuffer.
  const bytes = new Uint8Array(new ArrayBuffer(SIZE));
  const raw = at(needles, 0, 'the raw needle');
  for (let i = 0; i < SIZE; i++) bytes[i] = raw.masked.readUInt8(i) ^ raw.mask.readUInt8(i);
  secret.fill(0);

  const vault = new SecretVault({ sealing: sealingUnderTest() });
  const ipc = new FakeIpcMain();
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN });
  const event = eventFrom(new FakeWebContents());
  const call = async (method: string, payload: unknown) =>
    (await must(ipc.handlers.get(`strongroom:${method}`), `a handler for ${method}`)(event, payload)) as {
      ok: boolean;
      value: { id: string };
    };
  // The vault's own storage, found as an outsider finds it: the mapping the
  // import added, of the isolated layout's size, whose data pages are locked.
  const page = platformInfo().pageSize;
  const mapsBefore = parseMaps(readMapsText());
  const imported = await call('importSecret', { bytes });
  if (!imported.ok) throw new Error(`import failed: ${JSON.stringify(imported)}`);
  const smaps = readSmaps();
  const own = newlyMapped(mapsBefore, parseMaps(readMapsText()))
    .filter((r) => r.end - r.start === isolatedMappingBytes(SIZE, native.canarySize, page))
    .map((r) => ({ start: r.start + page, end: r.end - page }))
    .filter((d) => smaps.some((m) => m.start <= d.start && m.end >= d.end && m.vmFlags?.has('lo') === true));
  if (own.length !== 1) throw new Error(`expected the vault's one new locked mapping, found ${JSON.stringify(own)}`);
  const wiped = bytes.every((b) => b === 0);
  await call('inspect', { id: imported.value.id });
  await call('list', undefined);
  await call('status', undefined);
  collect();
  const sealing = (await call('inspect', { id: imported.value.id })) as unknown as { value: { sealing: string } };
  const alive = scanMemory(needles, own);
  await call('destroy', { id: imported.value.id });
  collect();
  const destroyed = scanMemory(needles);
  bridge.dispose();
  const vaultSecrets = vault.stats().secrets;

  // Control: the copies a careless main would keep, made on purpose, must be found.
  // Off-heap, as every buffer here: a 32-byte Buffer.alloc lives on V8's heap,
  // where a scavenge triggered by the scan itself can move it from a page not
  // yet read to one already read, and the control goes unfound.
  const copy = Buffer.allocUnsafeSlow(SIZE);
  for (let i = 0; i < SIZE; i++) copy[i] = raw.masked.readUInt8(i) ^ raw.mask.readUInt8(i);
  const kept = [
    copy,
    JSON.stringify(new Uint8Array(copy)),
    JSON.stringify([...copy]),
    copy.toString('hex'),
    copy.toString('hex').toUpperCase(),
    copy.toString('base64'),
    copy.toString('base64url'),
  ];
  // The strings live on the heap: full collections promote them to old space
  // first, which the scan's few small allocations do not compact.
  collect();
  const control = scanMemory(needles);
  process.stdout.write(
    `RESULT ${JSON.stringify({ wiped, sealing: sealing.value.sealing, ownPages: own, alive, destroyed, control, vaultSecrets, kept: kept.length })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
