// The test-only os-tamper module (os-tamper.c in this folder): built with cc
// and loaded, to undo the product's protections behind its back.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packageRoot, which } from './platform';

/** The test-only module built from test/js/support/os-tamper.c (see there). Results are 0 or -errno. */
export interface OsTamper {
  madvise(address: number, length: number, advice: number): number;
  mprotect(address: number, length: number, prot: number): number;
  munlock(address: number, length: number): number;
  pkeyMprotect(address: number, length: number, prot: number, key: number): number;
  /** This thread's PKEY_DISABLE_* bits for `key`, or -errno. */
  pkeyGet(key: number): number;
  pkeySet(key: number, rights: number): number;
  /** Starts a thread now that reads one byte at `address` when released. */
  startReader(address: number): number;
  /** Lets the reader read; returns the byte it read (it faults instead if its PKRU denies the page). */
  releaseReader(): number;
}

let tamperModule: string | { missing: string } | undefined;

/**
 * Builds test/js/support/os-tamper.c with cc against node-api-headers, once
 * per test process, into a world-readable temporary folder, and returns the
 * module's path (a child loads it with require). Linux only; `{ missing }`
 * when there is no C compiler; a compiler that fails on it throws.
 */
export function osTamperModule(): string | { missing: string } {
  if (tamperModule !== undefined) return tamperModule;
  const cc = which('cc');
  if (cc === null) {
    tamperModule = { missing: 'no C compiler (cc) to build the os-tamper test module (apt-get install gcc)' };
    return tamperModule;
  }
  const dir = fs.mkdtempSync(path.join('/tmp', 'strongroom-tamper-'));
  fs.chmodSync(dir, 0o755);
  const library = path.join(dir, 'os-tamper.node');
  const source = path.join(packageRoot, 'test', 'js', 'support', 'os-tamper.c');
  const headers = path.join(packageRoot, 'node_modules', 'node-api-headers', 'include');
  const build = spawnSync(
    cc,
    ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-DNAPI_VERSION=8', `-I${headers}`, '-o', library, source, '-lpthread'],
    {
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`cc could not build ${source}: ${build.stderr}`);
  fs.chmodSync(library, 0o644);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  tamperModule = library;
  return library;
}

/** Loads the os-tamper module into this process. */
export function osTamper(): OsTamper | { missing: string } {
  const library = osTamperModule();
  if (typeof library !== 'string') return library;
  const module = { exports: {} as OsTamper };
  process.dlopen(module, library);
  return module.exports;
}
