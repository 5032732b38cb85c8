// The keystore calls running for the bridge's windows, so that a page can
// cancel its own (cancelKeystore) and a page that ends cancels all of its.
// Each call gets an AbortController whose signal reaches the vault, which
// stops the KDF between chunks. A page names a call it may want to cancel
// (options.job); names are looked up in the calling document's calls only, so
// another window, another document or a finished call is never reached.
import { SecureMemoryError } from '../errors';
import { abortedError } from '../vault/keystore';
import type { BridgeLimits } from './limits';
import type { Caller } from './secrets-registry';

/** One running keystore call, as its handler sees it. */
export interface KeystoreJob {
  /** Aborted when the page cancels the call or its document ends. */
  readonly signal: AbortSignal;
  /**
   * Settles the call: once cancelled, always ABORTED, even when the vault's
   * work finished first (then `discard` undoes what it made). The job is
   * forgotten when `pending` settles, whatever the outcome.
   */
  settle<T>(pending: Promise<T>, discard?: (value: T) => void): Promise<T>;
}

export interface KeystoreJobs {
  /**
   * Tracks a new call of the caller's document; INVALID_ARGUMENT if one of its
   * running calls already has this name, LIMIT_EXCEEDED if its window or the
   * bridge already runs as many keystore calls as the limits allow.
   */
  start(caller: Caller, name: string | undefined): KeystoreJob;
  /** Cancels the caller's document's running call of this name, or throws INVALID_HANDLE and cancels nothing. */
  cancel(caller: Caller, name: string): void;
  /** Cancels every running call of a window (its document ended). Returns how many. */
  cancelWindow(owner: number): number;
  /** Running calls of one window, or of all. */
  count(owner?: number): number;
  /** Cancels every running call. */
  dispose(): void;
}

interface Entry {
  document: string;
  name: string | undefined;
  controller: AbortController;
}

export function createKeystoreJobs(limits: Pick<BridgeLimits, 'maxKeystoreCallsPerWindow' | 'maxBridgeKeystoreCalls'>): KeystoreJobs {
  const perWindow = new Map<number, Set<Entry>>();
  let running = 0;

  const find = (owner: number, document: string, name: string): Entry | undefined => {
    for (const entry of perWindow.get(owner) ?? []) {
      if (entry.document === document && entry.name === name) return entry;
    }
    return undefined;
  };

  const forget = (owner: number, entry: Entry): void => {
    const entries = perWindow.get(owner);
    if (entries?.delete(entry) === true) running--;
    if (entries?.size === 0) perWindow.delete(owner);
  };

  const abortAll = (entries: Iterable<Entry>): number => {
    let count = 0;
    for (const entry of entries) {
      if (entry.controller.signal.aborted) continue;
      entry.controller.abort();
      count++;
    }
    return count;
  };

  return {
    start: ({ event, document }, name) => {
      const owner = event.sender.id;
      if (name !== undefined && find(owner, document, name) !== undefined) {
        throw new SecureMemoryError('INVALID_ARGUMENT', `a keystore call named ${name} is already running in this page`);
      }
      // A call holds its KDF's memory (up to the vault's scrypt limit) until it
      // settles, cancelled or not, so a page cannot stack up many of them.
      const entries = perWindow.get(owner) ?? new Set<Entry>();
      if (entries.size >= limits.maxKeystoreCallsPerWindow) {
        throw new SecureMemoryError(
          'LIMIT_EXCEEDED',
          `this window already runs ${limits.maxKeystoreCallsPerWindow} keystore call(s) (maxKeystoreCallsPerWindow)`,
        );
      }
      if (running >= limits.maxBridgeKeystoreCalls) {
        throw new SecureMemoryError(
          'LIMIT_EXCEEDED',
          `the bridge already runs ${limits.maxBridgeKeystoreCalls} keystore calls (maxBridgeKeystoreCalls)`,
        );
      }
      const entry: Entry = { document, name, controller: new AbortController() };
      entries.add(entry);
      running++;
      perWindow.set(owner, entries);
      const { signal } = entry.controller;
      return {
        signal,
        settle: <T>(pending: Promise<T>, discard?: (value: T) => void): Promise<T> =>
          pending.then(
            (value) => {
              forget(owner, entry);
              if (!signal.aborted) return value;
              // Cancelled after the KDF's last check: what it made is undone, and the answer is the cancel's.
              discard?.(value);
              throw abortedError();
            },
            (error: unknown) => {
              forget(owner, entry);
              throw signal.aborted ? abortedError() : error;
            },
          ),
      };
    },
    cancel: ({ event, document }, name) => {
      const entry = find(event.sender.id, document, name);
      // Unknown, finished, already cancelled, another window's or another
      // document's: the same answer, so no page learns of another's calls.
      if (entry === undefined || entry.controller.signal.aborted) {
        throw new SecureMemoryError('INVALID_HANDLE', 'no running keystore call of that name in this page');
      }
      entry.controller.abort();
    },
    cancelWindow: (owner) => abortAll(perWindow.get(owner) ?? []),
    count: (owner) => (owner === undefined ? running : (perWindow.get(owner)?.size ?? 0)),
    dispose: () => {
      for (const entries of perWindow.values()) abortAll(entries);
    },
  };
}
