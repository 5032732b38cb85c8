// Searches all of this process's readable memory (/proc/self/maps, then
// /proc/self/mem) for many secrets at once, in the forms a JavaScript or C
// library leaves them: raw bytes, reversed bytes (a BigInt's little-endian
// limbs) and lowercase hex.
//
// The needles are never held in the clear: each is written, byte by byte,
// straight from the secret's scoped copy into an off-heap buffer XOR-masked
// with random bytes. The search compares memory against masked ^ mask one
// byte at a time, so no needle exists in memory for the scan to find. A
// 16-bit prefix table (which bytes start some needle, no more) keeps the
// search one pass over memory however many needles there are.
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';

import { at, must } from './assertions';

export const NEEDLE_FORMS = ['raw', 'reversed', 'hex'] as const;
export type NeedleForm = (typeof NEEDLE_FORMS)[number];
export type NeedlePart = 'whole' | 'first half' | 'second half';

export interface Needle {
  /** What the secret is, e.g. "seed" or "key 3". */
  secret: string;
  form: NeedleForm;
  part: NeedlePart;
  masked: Buffer;
  mask: Buffer;
}

const HEX = '0123456789abcdef';

/**
 * Adds the raw, reversed and hex needles of `bytes` (a scoped copy the caller
 * wipes) under the name `secret`: the whole, and each half on its own. A
 * freed heap block keeps its bytes but the allocator writes its list
 * pointers over the first 16: half a key is still a leak, and is found.
 */
export function addNeedles(needles: Needle[], secret: string, bytes: Uint8Array): void {
  const half = bytes.length >> 1;
  for (const [part, from, to] of [
    ['whole', 0, bytes.length],
    ['first half', 0, half],
    ['second half', half, bytes.length],
  ] as const) {
    addPart(needles, secret, part, bytes.subarray(from, to));
  }
}

function addPart(needles: Needle[], secret: string, part: NeedlePart, bytes: Uint8Array): void {
  const length = bytes.length;
  for (const form of NEEDLE_FORMS) {
    const size = form === 'hex' ? length * 2 : length;
    const mask = Buffer.allocUnsafeSlow(size);
    randomFillSync(mask);
    const masked = Buffer.allocUnsafeSlow(size);
    for (const [i, byte] of bytes.entries()) {
      if (form === 'raw') masked[i] = byte ^ mask.readUInt8(i);
      else if (form === 'reversed') masked[length - 1 - i] = byte ^ mask.readUInt8(length - 1 - i);
      else {
        masked[2 * i] = HEX.charCodeAt(byte >> 4) ^ mask.readUInt8(2 * i);
        masked[2 * i + 1] = HEX.charCodeAt(byte & 15) ^ mask.readUInt8(2 * i + 1);
      }
    }
    needles.push({ secret, form, part, masked, mask });
  }
}

export interface ScanResult {
  /** Matches found per secret and form (a whole copy matches three times: whole and both halves), outside `excluded`. */
  counts: Record<string, Record<NeedleForm, number>>;
  /** Copies found inside the excluded ranges. */
  excluded: number;
  total: number;
  scannedBytes: number;
  unreadable: string[];
  /** The first few copies: secret, form, address, mapping. */
  where: string[];
}

export interface Range {
  start: number;
  end: number;
}

/** Counts every needle in every readable mapping; copies inside `excluded` are counted apart. */
export function scanMemory(needles: Needle[], excluded: Range[] = []): ScanResult {
  const byPrefix = new Map<number, Needle[]>();
  const table = new Uint8Array(65536);
  let longest = 0;
  for (const needle of needles) {
    const prefix = needle.masked.readUInt16BE(0) ^ needle.mask.readUInt16BE(0);
    table[prefix] = 1;
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), needle]);
    longest = Math.max(longest, needle.masked.length);
  }
  const counts: ScanResult['counts'] = {};
  for (const needle of needles) counts[needle.secret] ??= { raw: 0, reversed: 0, hex: 0 };
  const result: ScanResult = { counts, excluded: 0, total: 0, scannedBytes: 0, unreadable: [], where: [] };
  const CHUNK = 8 * 1024 * 1024;
  const chunk = Buffer.allocUnsafeSlow(CHUNK);
  const fd = fs.openSync('/proc/self/mem', 'r');
  try {
    for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
      if (match === null || match[3]?.[0] !== 'r') continue;
      const start = parseInt(at(match, 1, 'the start address'), 16);
      const end = parseInt(at(match, 2, 'the end address'), 16);
      // Windows overlap by longest - 1 bytes; a match is counted in the window where it starts before the overlap.
      for (let at = start; at < end;) {
        const want = Math.min(end - at, CHUNK);
        let got: number;
        try {
          got = fs.readSync(fd, chunk, 0, want, at);
        } catch (error) {
          result.unreadable.push(`${line.trim()} (${(error as NodeJS.ErrnoException).code})`);
          break;
        }
        if (got <= 0) break;
        result.scannedBytes += got;
        const last = at + got >= end;
        const countBelow = last ? got : got - (longest - 1);
        for (let i = 0; i + 1 < got && i < countBelow; i++) {
          const prefix = chunk.readUInt16BE(i);
          if (table[prefix] === 0) continue;
          for (const needle of must(byPrefix.get(prefix), `the needles under prefix ${prefix}`)) {
            const len = needle.masked.length;
            if (i + len > got) continue;
            let j = 2;
            while (j < len && chunk[i + j] === (needle.masked.readUInt8(j) ^ needle.mask.readUInt8(j))) j++;
            if (j !== len) continue;
            const address = at + i;
            if (excluded.some((r) => address >= r.start && address < r.end)) {
              result.excluded++;
              continue;
            }
            must(counts[needle.secret], `the counts of ${needle.secret}`)[needle.form]++;
            result.total++;
            if (result.where.length < 8)
              result.where.push(`${needle.secret} ${needle.form} (${needle.part}) at 0x${address.toString(16)} in ${line.trim()}`);
          }
        }
        if (last) break;
        at += countBelow;
      }
    }
  } finally {
    fs.closeSync(fd);
    chunk.fill(0);
  }
  return result;
}

/** Several full collections: what a dropped JS object leaves is then only what was never wiped. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 20; i++) gc();
}
