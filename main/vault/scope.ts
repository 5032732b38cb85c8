// Read and write scopes: a fresh copy of a secret handed to a synchronous
// callback, wiped when it returns or throws.
import { callNative, SecureMemoryError } from '../errors';
import type { NativeRegion } from '../native';
import type { Storage } from '../options';
import { isThenable } from '../thenable';
import { offHeapBytes } from './off-heap';

/** A vault's record of one secret. */
export interface Entry {
  /** The vault that made it: a handle names a secret of its own vault only. */
  owner: object;
  region: NativeRegion;
  storage: Storage;
  size: number;
  pageBytes: number;
  locked: boolean;
  readers: number;
  writing: boolean;
  alive: boolean;
  /** What a wallet secret is (set by the call that made it); undefined for generate() / import() secrets. */
  kind?: WalletSecretKind;
}

/** The kinds of secret the wallet calls make and take. */
export type WalletSecretKind = 'mnemonic' | 'seed' | 'secp256k1-key' | 'ed25519-key';

export type Scope = 'read' | 'write';

/**
 * A scope's result, refused at compile time when it is a Promise: an async
 * scope would outlive the wiped copy (and is refused at run time too).
 */
export type SyncResult<R> = R extends PromiseLike<unknown> ? never : R;

export function scoped<R>(entry: Entry, scope: Scope, fn: (view: Uint8Array) => R): R {
  if (entry.writing || (scope === 'write' && entry.readers > 0)) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `${scope}() inside a ${entry.writing ? 'write' : 'read'} scope of the same secret is refused`,
    );
  }
  const view = offHeapBytes(entry.size);
  if (scope === 'read') entry.readers++;
  else entry.writing = true;
  try {
    callNative(() => entry.region.readInto(view));
    const result = fn(view);
    if (isThenable(result)) {
      throw new SecureMemoryError(
        'INVALID_ARGUMENT',
        `${scope}(handle, fn): fn returned a Promise; it must be synchronous because the copy is wiped when fn returns`,
      );
    }
    if (scope === 'write') {
      // fn may have freed the secret some other way (the exit path); a
      // pooled slot may then belong to another secret: never write there.
      if (!entry.alive) {
        throw new SecureMemoryError('INVALID_HANDLE', 'write(handle, fn): the secret was destroyed inside fn; nothing was written');
      }
      if (view.byteLength !== entry.size) {
        throw new SecureMemoryError('INVALID_ARGUMENT', 'write(handle, fn): the view was detached or resized inside fn');
      }
      callNative(() => entry.region.write(view));
    }
    return result;
  } finally {
    if (view.byteLength === entry.size) view.fill(0);
    if (scope === 'read') entry.readers--;
    else entry.writing = false;
  }
}
