// An independent reading of /proc/self/maps and /proc/self/smaps, written in
// TypeScript so that tests can check what vault.inspect() says against the
// kernel without going through the addon's own read-back code.
//
// The addon never hands out a secret's address, so a test finds the mapping
// the way an outsider would: the address space that is mapped after
// generate() and was not before. Loaded by the OS-facts test and by the
// children it starts.
import * as fs from 'node:fs';

import { must } from './assertions';

import type { SecretHandle, SecretOptions, SecretStatus, SecretVault } from '../../../main';

export interface Mapping {
  start: number;
  end: number;
  /** "rw-p", "---s", ... */
  perms: string;
  path: string;
  /** smaps only: the two-letter VmFlags ("lo", "dd", "dc", ...). */
  vmFlags?: Set<string>;
  /** smaps only, where the CPU has protection keys. */
  protectionKey?: number;
}

export interface Range {
  start: number;
  end: number;
}

// One buffer for every read, allocated up front: reading /proc between the
// two snapshots must not itself map memory that would look new.
const scratch = Buffer.allocUnsafeSlow(32 * 1024 * 1024);

function readProc(file: string): string {
  const fd = fs.openSync(file, 'r');
  let length = 0;
  try {
    for (;;) {
      if (length === scratch.length) throw new Error(`${file} is larger than ${scratch.length} bytes`);
      const read = fs.readSync(fd, scratch, length, scratch.length - length, null);
      if (read === 0) break;
      length += read;
    }
  } finally {
    fs.closeSync(fd);
  }
  return scratch.toString('latin1', 0, length);
}

// "7f12a000-7f12b000 ---p 00000000 00:00 0      [path]". Addresses of user
// mappings are below 2^47, exact in a double.
const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+ *(.*)$/;

export function parseMaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header !== null) {
      const [, start, end, perms, path] = header;
      mappings.push({
        start: parseInt(must(start, 'a start address'), 16),
        end: parseInt(must(end, 'an end address'), 16),
        perms: must(perms, 'permissions'),
        path: must(path, 'a path (maybe empty)'),
      });
      continue;
    }
    const current = mappings[mappings.length - 1];
    if (current === undefined) continue;
    if (line.startsWith('VmFlags:')) current.vmFlags = new Set(line.slice('VmFlags:'.length).trim().split(/\s+/));
    const key = /^ProtectionKey:\s+(\d+)/.exec(line);
    if (key !== null) current.protectionKey = Number(key[1]);
  }
  return mappings;
}

export function readMapsText(): string {
  return readProc('/proc/self/maps');
}

export function readSmaps(): Mapping[] {
  return parseMaps(readProc('/proc/self/smaps'));
}

/** Address ranges mapped in `after` that no mapping of `before` covered, adjacent ones merged. */
export function newlyMapped(before: Mapping[], after: Mapping[]): Range[] {
  const fresh: Range[] = [];
  for (const mapping of after) {
    let pieces: Range[] = [{ start: mapping.start, end: mapping.end }];
    for (const old of before) {
      if (old.end <= mapping.start || old.start >= mapping.end) continue;
      pieces = pieces.flatMap((p) => {
        const kept: Range[] = [];
        if (old.start > p.start) kept.push({ start: p.start, end: Math.min(p.end, old.start) });
        if (old.end < p.end) kept.push({ start: Math.max(p.start, old.end), end: p.end });
        return kept.filter((k) => k.end > k.start);
      });
    }
    fresh.push(...pieces);
  }
  fresh.sort((a, b) => a.start - b.start);
  const merged: Range[] = [];
  for (const range of fresh) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.end === range.start) last.end = range.end;
    else merged.push({ ...range });
  }
  return merged;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * generate(size) in `vault` and find the secret's whole mapping: guard page,
 * data pages, guard page for isolated storage; the arena and its guards for
 * pooled storage (the first pooled secret of a fresh pool maps its arena).
 * `expectedBytes` says how large that mapping must be, from the vault's own
 * records, never from the OS read-back under test.
 *
 * The process may map other memory at the same moment (V8, malloc); only the
 * search is retried for that, never an assertion. A retry calls
 * vault.destroyAll(), so give it a vault of its own.
 */
export function generateAndLocate(
  vault: SecretVault,
  size: number,
  options: SecretOptions | undefined,
  expectedBytes: () => number,
): { handle: SecretHandle; range: Range } {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const beforeText = readMapsText();
    const handle = vault.generate(size, options);
    const afterText = readMapsText();
    const expected = expectedBytes();
    const fresh = newlyMapped(parseMaps(beforeText), parseMaps(afterText));
    const matches = fresh.filter((r) => r.end - r.start === expected);
    const [match] = matches;
    if (matches.length === 1 && match !== undefined) return { handle, range: match };
    seen.push(`expected one new mapping of ${expected} bytes, found ${JSON.stringify(fresh.map((r) => [hex(r.start), r.end - r.start]))}`);
    // Give the mapping back (a pooled arena is unmapped once empty) and try again.
    vault.destroyAll();
  }
  throw new Error(`could not find the secret's mapping in /proc/self/maps: ${seen.join('; ')}`);
}

/** The vault's own record of the layout: one guard page either side of whole data pages. */
export function isolatedMappingBytes(size: number, canarySize: number, page: number): number {
  return page + Math.ceil((size + canarySize) / page) * page + page;
}

export type OsFacts = Pick<SecretStatus, 'lockVerified' | 'dumpExcluded' | 'forkExcluded' | 'guardPages' | 'sealed'>;

/**
 * What smaps/maps say about the mapping `range` (a guard page at each end):
 * `lo`, `dd` and `dc` on every data mapping; no-access guards; data pages
 * no-access while sealed with mprotect, or tagged with a protection key when
 * sealed with one (this thread's PKRU, which finishes a pkey seal, is not in
 * /proc: `keyDenied` reads it, where the caller can). Valid outside every read/write scope, where all of a secret's
 * data pages are sealed.
 */
export function osFacts(
  smaps: Mapping[],
  range: Range,
  page: number,
  sealing: SecretStatus['sealing'],
  keyDenied?: (key: number) => boolean,
): OsFacts {
  const within = (from: number, to: number) => smaps.filter((m) => m.end > from && m.start < to);
  const covers = (mappings: Mapping[], from: number, to: number) => {
    let at = from;
    for (const m of mappings) {
      if (m.start > at) return false;
      at = Math.max(at, m.end);
    }
    return at >= to;
  };
  const data = within(range.start + page, range.end - page);
  if (!covers(data, range.start + page, range.end - page)) throw new Error('the data pages are not all mapped');
  const all = (mappings: Mapping[], test: (m: Mapping) => boolean) => mappings.length > 0 && mappings.every(test);
  const noAccess = (m: Mapping) => m.perms.startsWith('---');
  const flag = (name: string) => all(data, (m) => must(m.vmFlags, 'the VmFlags of an smaps entry').has(name));
  const guards = [...within(range.start, range.start + page), ...within(range.end - page, range.end)];
  return {
    lockVerified: flag('lo'),
    dumpExcluded: flag('dd'),
    forkExcluded: flag('dc'),
    guardPages: all(guards, noAccess),
    sealed: sealing === 'pkey' ? keySealed(data, keyDenied) : all(data, noAccess),
  };
}

/**
 * A protection-key seal: every data page carries one and the same key other
 * than the default 0 (smaps), and, where the caller can read this thread's
 * PKRU (`keyDenied`), the thread's rights deny that key.
 */
function keySealed(data: Mapping[], keyDenied?: (key: number) => boolean): boolean {
  const keys = new Set(data.map((m) => m.protectionKey ?? 0));
  if (keys.size !== 1) return false;
  const [key] = keys;
  return key !== undefined && key !== 0 && (keyDenied === undefined || keyDenied(key));
}

/** The same fields of vault.inspect(handle), for a deepEqual against osFacts(). */
export function reportedFacts(status: SecretStatus): OsFacts {
  const { lockVerified, dumpExcluded, forkExcluded, guardPages, sealed } = status;
  return { lockVerified, dumpExcluded, forkExcluded, guardPages, sealed };
}

/**
 * smaps, then vault.inspect(handle): /proc is read first because inspect()
 * opens and re-seals an isolated secret's pages to check its canary, which
 * would hide a protection change made from outside the process.
 */
export function readBothWays(
  vault: SecretVault,
  handle: SecretHandle,
  range: Range,
  page: number,
  keyDenied?: (key: number) => boolean,
): { status: SecretStatus; os: OsFacts } {
  const smaps = readSmaps();
  const status = vault.inspect(handle);
  return { status, os: osFacts(smaps, range, page, status.sealing, keyDenied) };
}

/** The mapping size of a fresh pool's first arena, from the pool's own record. */
export function firstArenaBytes(vault: SecretVault, page: number): number {
  const info = vault.poolInfo();
  if (info === null || info.arenas !== 1) throw new Error(`expected a fresh pool with one arena, found ${JSON.stringify(info)}`);
  return info.total + 2 * page;
}
