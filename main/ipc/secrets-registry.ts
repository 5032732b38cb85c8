// The secrets the bridge holds for its windows: who owns each (a window and
// one of its documents), the per-window and bridge-wide limits and budgets,
// and forgetting them when the document that made them ends.
import { randomBytes } from 'node:crypto';

import type { SecretRef } from '../../bridge/contract';
import { SecureMemoryError, type SecureMemoryErrorCode } from '../errors';
import type { SecretHandle, SecretVault } from '../vault';
import type { BridgeLimits } from './limits';
import type { SenderEvent } from './sender';

/**
 * The part of a WebContents the bridge uses to follow a window's documents.
 * Electron's WebContents fits it: 'did-navigate' is a committed main-frame
 * navigation to a new document, 'did-fail-provisional-load' (isMainFrame, the
 * fifth argument) a committed main-frame error page; Electron emits neither
 * for navigations that are cancelled, turn into downloads, or stay in the page.
 */
export interface BridgeWebContents {
  id: number;
  once(event: 'destroyed', listener: () => void): unknown;
  on(event: 'render-process-gone' | 'did-navigate' | 'did-fail-provisional-load', listener: (...args: unknown[]) => void): unknown;
}

export interface Owned {
  owner: number;
  /** The document that created it: its window's generation and its frame's process and routing id. */
  document: string;
  handle: SecretHandle;
  size: number;
}

/** A call's origin as the registry knows it: its window (the event's sender) and its document. */
export interface Caller {
  event: SenderEvent;
  document: string;
}

export interface SecretsRegistry {
  /** Follows the sender's window, so its secrets die with its documents; FORBIDDEN for a sender that is not a webContents. */
  watch(event: SenderEvent): void;
  /** The calling document: the window's document generation and the frame's key. */
  documentOf(event: SenderEvent, frameKey: string): string;
  /** The caller's own secret, or INVALID_HANDLE: an id from elsewhere is not confirmed to exist. Its handle is checked by the vault call that uses it. */
  ownedBy(caller: Caller, id: string): Owned;
  /** The caller's document's ids only: not even a count of another document's. */
  ownIds(caller: Caller): string[];
  sizeOf(id: string): number;
  /** Checks the limits, then creates the secret and files it under the caller. */
  adopt(caller: Caller, create: () => SecretHandle, size: number): SecretRef;
  /** Throws LIMIT_EXCEEDED if the caller's window (or the bridge) could not adopt a secret of `size` bytes now. */
  checkRoom(caller: Caller, size: number): void;
  /** Whether the caller's document is still its window's current one (a call that awaited may outlive it). */
  isCurrent(caller: Caller): boolean;
  /** Destroys one secret and forgets its id whatever happens: destroy() may throw after it wiped and freed (CANARY_CORRUPTED). */
  destroyOwned(id: string, owned: Owned): void;
  forgetWindow(owner: number): number;
  count(owner?: number): number;
  /** Destroys every secret; then one error reports every failure. */
  dispose(): void;
}

/**
 * `onDocumentEnded(owner)` runs when a window's document ends, before its
 * secrets are destroyed (the bridge cancels the window's keystore calls there).
 */
export function createSecretsRegistry(
  vault: SecretVault,
  limits: BridgeLimits,
  onDocumentEnded?: (owner: number) => void,
): SecretsRegistry {
  const secrets = new Map<string, Owned>();
  const perWindow = new Map<number, Set<string>>();
  // Per window: how many main-frame documents have ended since the bridge
  // first saw it. A secret names the generation it was created in.
  const generations = new Map<number, number>();
  let bridgeBytes = 0;

  const destroyOwned = (id: string, owned: Owned): void => {
    try {
      if (vault.has(owned.handle)) vault.destroy(owned.handle);
    } finally {
      secrets.delete(id);
      bridgeBytes -= owned.size;
      const ids = perWindow.get(owned.owner);
      ids?.delete(id);
      if (ids?.size === 0) perWindow.delete(owned.owner);
    }
  };

  // Destroys every listed secret, collecting failures instead of stopping at
  // the first: one bad canary must not keep the others alive.
  const destroyEach = (ids: Iterable<string>): { count: number; failures: unknown[] } => {
    let count = 0;
    const failures: unknown[] = [];
    for (const id of [...ids]) {
      const owned = secrets.get(id);
      if (owned === undefined) continue;
      try {
        destroyOwned(id, owned);
      } catch (error) {
        failures.push(error);
      }
      count++;
    }
    return { count, failures };
  };

  const failureReport = (what: string, count: number, failures: unknown[]): SecureMemoryError => {
    const codes = failures.map((f) => (f instanceof SecureMemoryError ? f.code : 'OS_ERROR'));
    const first = codes[0] ?? 'OS_ERROR';
    const code: SecureMemoryErrorCode = codes.every((c) => c === first) ? first : 'OS_ERROR';
    return new SecureMemoryError(
      code,
      `${what}: all ${count} secrets were destroyed, and ${failures.length} reported a failure: ${codes.join(', ')}`,
      { cause: new AggregateError(failures, `${failures.length} failures while destroying secrets`) },
    );
  };

  const forgetWindow = (owner: number): number => {
    const ids = perWindow.get(owner);
    if (ids === undefined) return 0;
    const { count, failures } = destroyEach(ids);
    perWindow.delete(owner);
    if (failures.length > 0) throw failureReport(`forgetWindow(${owner})`, count, failures);
    return count;
  };

  // Window events must never throw into Electron's emitter; a failed wipe
  // (a corrupted canary) is reported, and every other secret is still gone.
  const forgetOnEvent = (owner: number, why: string): void => {
    try {
      forgetWindow(owner);
    } catch (error) {
      console.error(`strongroom: destroying the secrets of a window whose page ${why}: ${(error as Error).message}`);
    }
  };

  // Secrets die (and keystore calls stop) with the document that made them:
  // when the window's main frame commits a new document (or an error page),
  // when its renderer dies, or when the window closes. Not when a navigation
  // merely starts: it may be cancelled, or be a download, and the page stays.
  const watched = new Set<number>();
  const watch = (event: SenderEvent): void => {
    const contents = event.sender as unknown as BridgeWebContents;
    if (watched.has(contents.id)) return;
    // Without its events the bridge could not tell when a page ends: refused.
    if (typeof contents.on !== 'function' || typeof contents.once !== 'function')
      throw new SecureMemoryError('FORBIDDEN', 'sender refused: not a webContents');
    watched.add(contents.id);
    generations.set(contents.id, generations.get(contents.id) ?? 0);
    const documentEnded = (why: string) => {
      generations.set(contents.id, (generations.get(contents.id) ?? 0) + 1);
      try {
        onDocumentEnded?.(contents.id);
      } catch (error) {
        console.error(`strongroom: ending the work of a window whose page ${why}: ${(error as Error).message}`);
      }
      forgetOnEvent(contents.id, why);
    };
    contents.once('destroyed', () => {
      documentEnded('closed');
      watched.delete(contents.id);
      generations.delete(contents.id);
    });
    contents.on('render-process-gone', () => documentEnded('crashed'));
    contents.on('did-navigate', () => documentEnded('navigated away'));
    contents.on('did-fail-provisional-load', (...args: unknown[]) => {
      if (args[4] === true) documentEnded('was replaced by an error page');
    });
  };

  const ownedBy = ({ event, document }: Caller, id: string): Owned => {
    const owned = secrets.get(id);
    // Unknown, destroyed, other windows' and other documents' ids get the
    // same answer: an id from elsewhere must not be confirmed to exist. A
    // handle the application destroyed in the vault itself is refused by the
    // vault when it is used (INVALID_HANDLE too): one lookup per call.
    if (owned === undefined || owned.owner !== event.sender.id || owned.document !== document) {
      throw new SecureMemoryError('INVALID_HANDLE', 'no such secret in this page');
    }
    return owned;
  };

  const checkRoom = ({ event }: Caller, size: number): void => {
    const owner = event.sender.id;
    const ids = perWindow.get(owner) ?? new Set<string>();
    if (ids.size >= limits.maxSecretsPerWindow) {
      throw new SecureMemoryError('LIMIT_EXCEEDED', `this window already holds ${limits.maxSecretsPerWindow} secrets; destroy some first`);
    }
    if (secrets.size >= limits.maxBridgeSecrets || bridgeBytes + size > limits.maxBridgeBytes) {
      throw new SecureMemoryError(
        'LIMIT_EXCEEDED',
        `the bridge holds its limit of secrets for all windows (${limits.maxBridgeSecrets} secrets, ${limits.maxBridgeBytes} bytes)`,
      );
    }
  };

  const adopt = (caller: Caller, create: () => SecretHandle, size: number): SecretRef => {
    const { event, document } = caller;
    const owner = event.sender.id;
    checkRoom(caller, size);
    const ids = perWindow.get(owner) ?? new Set<string>();
    const handle = create();
    const id = randomBytes(16).toString('base64url');
    secrets.set(id, { owner, document, handle, size });
    bridgeBytes += size;
    ids.add(id);
    perWindow.set(owner, ids);
    return { id, size };
  };

  return {
    watch,
    documentOf: (event, frameKey) => `${generations.get(event.sender.id) ?? 0}:${frameKey}`,
    ownedBy,
    ownIds: ({ event, document }) => [...(perWindow.get(event.sender.id) ?? [])].filter((id) => secrets.get(id)?.document === document),
    sizeOf: (id) => {
      const owned = secrets.get(id);
      if (owned === undefined) throw new SecureMemoryError('INVALID_HANDLE', 'no such secret in this page');
      return owned.size;
    },
    adopt,
    checkRoom,
    isCurrent: ({ event, document }) => generations.has(event.sender.id) && document.startsWith(`${generations.get(event.sender.id)}:`),
    destroyOwned,
    forgetWindow,
    count: (owner) => (owner === undefined ? secrets.size : (perWindow.get(owner)?.size ?? 0)),
    dispose: () => {
      const { count, failures } = destroyEach(secrets.keys());
      perWindow.clear();
      if (failures.length > 0) throw failureReport('dispose', count, failures);
    },
  };
}
