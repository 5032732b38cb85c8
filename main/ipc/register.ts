// registerVaultIpc: one ipcMain.handle per bridge method, each checking the
// sender, the payload and the limits before the vault is touched.
import { randomBytes } from 'node:crypto';

import { SecureMemoryError, type SecureMemoryErrorCode } from '../errors';
import { hardening } from '../hardening';
import { platformInfo } from '../platform';
import { SecretHandle, SecretVault } from '../vault';
import {
  BRIDGE_METHODS,
  channelFor,
  type BridgeMethod,
  type BridgeResponse,
  type BridgeSecretStatus,
  type BridgeStatus,
  type SecretRef,
} from './contract';
import {
  boundMessage,
  DEFAULT_LIMITS,
  measureData,
  OPERATION_NAME,
  parseImportPayload,
  parsePayload,
  payloadSchemas,
  wipeReceived,
  type BridgeLimits,
} from './payload';
import { assertTrustedSender, parseAppOrigin, type SenderEvent } from './sender';

/**
 * A main-process operation the renderer may run on a secret it can only name.
 * It runs inside a scoped read: `secret` is a copy, wiped when it returns.
 * It must be synchronous and return plain, structured-cloneable data.
 * Whatever it throws, the renderer gets OPERATION_FAILED and a fixed message.
 */
export type Operation = (secret: Uint8Array, args: unknown) => unknown;

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

export interface VaultIpcOptions {
  /** The app's own origin, e.g. 'app://strongroom'. Only its top frame may call. */
  origin: string;
  /** Named operations the renderer may run. More can be added with registerOperation. */
  operations?: Record<string, Operation>;
  limits?: Partial<BridgeLimits>;
  /**
   * Log what an operation threw (name and message) to main's console.error.
   * Off by default: the message may carry secret-derived data. The renderer
   * never gets it either way.
   */
  logOperationErrors?: boolean;
}

export interface VaultIpc {
  registerOperation(name: string, operation: Operation): void;
  /**
   * Destroys every secret a window holds (the bridge also does this when the
   * window's document ends: a committed navigation, a crash, or close). Every
   * secret is destroyed even if some fail; then one error reports them all.
   */
  forgetWindow(webContentsId: number): number;
  /** Secrets held per window, or by all windows, for tests and diagnostics. */
  secretCount(webContentsId?: number): number;
  /** Removes the handlers, then destroys every secret created through the bridge; then one error reports every failure. */
  dispose(): void;
}

interface Owned {
  owner: number;
  /** The document that created it: its window's generation and its frame's process and routing id. */
  document: string;
  handle: SecretHandle;
  size: number;
}

type Handler = (event: SenderEvent, payload: unknown, document: string) => unknown;

/**
 * The part of Electron's ipcMain the bridge uses. Declared here, not
 * imported, so that the library's types need no electron package; Electron's
 * ipcMain fits it.
 */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, payload: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

/** Thrown inside run when the operation itself threw: the only error whose message is replaced. */
class OperationThrew extends Error {}

/** For main's own log only; never throws, whatever was thrown. */
function describeThrown(thrown: unknown): string {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    return 'a value that cannot be described';
  }
}

export function registerVaultIpc(
  ipcMain: IpcMainLike,
  vault: SecretVault,
  options: VaultIpcOptions,
): VaultIpc {
  if (!(vault instanceof SecretVault)) throw new SecureMemoryError('INVALID_ARGUMENT', 'registerVaultIpc needs a SecretVault');
  if (options === null || typeof options !== 'object') throw new SecureMemoryError('INVALID_ARGUMENT', 'registerVaultIpc needs options with an origin');
  const origin = parseAppOrigin(options.origin);
  const limits: BridgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new SecureMemoryError('INVALID_ARGUMENT', `limits.${key} must be a positive integer`);
  }
  if (limits.maxSecretSize > vault.maxSecretSize) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `limits.maxSecretSize (${limits.maxSecretSize}) exceeds the vault's maxSecretSize (${vault.maxSecretSize})`);
  }
  const logOperationErrors = options.logOperationErrors === true;
  const schemas = payloadSchemas(limits);
  const operations = new Map<string, Operation>();
  const secrets = new Map<string, Owned>();
  const perWindow = new Map<number, Set<string>>();
  // Per window: how many main-frame documents have ended since the bridge
  // first saw it. A secret names the generation it was created in.
  const generations = new Map<number, number>();
  let bridgeBytes = 0;

  const registerOperation = (name: string, operation: Operation): void => {
    if (typeof name !== 'string' || !OPERATION_NAME.test(name)) throw new SecureMemoryError('INVALID_ARGUMENT', `operation name ${JSON.stringify(name)} must match ${OPERATION_NAME}`);
    if (typeof operation !== 'function') throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name} must be a function`);
    if (operations.has(name)) throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name} is already registered`);
    operations.set(name, operation);
  };
  for (const [name, operation] of Object.entries(options.operations ?? {})) registerOperation(name, operation);

  // Destroys one secret and forgets its id whatever happens: destroy() may
  // throw after it wiped and freed (CANARY_CORRUPTED).
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
    const code: SecureMemoryErrorCode = codes.every((c) => c === codes[0]) ? codes[0] : 'OS_ERROR';
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

  // Secrets die with the document that made them: when the window's main
  // frame commits a new document (or an error page), when its renderer
  // dies, or when the window closes. Not when a navigation merely starts: it
  // may be cancelled, or be a download, and the page stays.
  const watched = new Set<number>();
  const watch = (event: SenderEvent): void => {
    const contents = event.sender as unknown as BridgeWebContents;
    if (watched.has(contents.id)) return;
    // Without its events the bridge could not tell when a page ends: refused.
    if (typeof contents.on !== 'function' || typeof contents.once !== 'function') throw new SecureMemoryError('FORBIDDEN', 'sender refused: not a webContents');
    watched.add(contents.id);
    generations.set(contents.id, generations.get(contents.id) ?? 0);
    const documentEnded = (why: string) => {
      generations.set(contents.id, (generations.get(contents.id) ?? 0) + 1);
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

  const documentOf = (event: SenderEvent, frameKey: string): string => `${generations.get(event.sender.id) ?? 0}:${frameKey}`;

  const ownedBy = (event: SenderEvent, document: string, id: string): Owned => {
    const owned = secrets.get(id);
    // Unknown, destroyed, other windows' and other documents' ids get the
    // same answer: an id from elsewhere must not be confirmed to exist.
    if (owned === undefined || owned.owner !== event.sender.id || owned.document !== document || !vault.has(owned.handle)) {
      throw new SecureMemoryError('INVALID_HANDLE', 'no such secret in this page');
    }
    return owned;
  };

  // This document's ids only: not even a count of another document's.
  const ownIds = (event: SenderEvent, document: string): string[] =>
    [...(perWindow.get(event.sender.id) ?? [])].filter((id) => secrets.get(id)?.document === document);

  const adopt = (event: SenderEvent, document: string, create: () => SecretHandle, size: number): SecretRef => {
    const owner = event.sender.id;
    const ids = perWindow.get(owner) ?? new Set<string>();
    if (ids.size >= limits.maxSecretsPerWindow) {
      throw new SecureMemoryError('LIMIT_EXCEEDED', `this window already holds ${limits.maxSecretsPerWindow} secrets; destroy some first`);
    }
    if (secrets.size >= limits.maxBridgeSecrets || bridgeBytes + size > limits.maxBridgeBytes) {
      throw new SecureMemoryError('LIMIT_EXCEEDED', `the bridge holds its limit of secrets for all windows (${limits.maxBridgeSecrets} secrets, ${limits.maxBridgeBytes} bytes)`);
    }
    const handle = create();
    const id = randomBytes(16).toString('base64url');
    secrets.set(id, { owner, document, handle, size });
    bridgeBytes += size;
    ids.add(id);
    perWindow.set(owner, ids);
    return { id, size };
  };

  const runOperation = (name: string, operation: Operation, handle: SecretHandle, args: unknown): unknown => {
    let threw: { error: unknown } | undefined;
    const result = vault.read(handle, (secret) => {
      try {
        return operation(secret, args);
      } catch (error) {
        threw = { error };
        return undefined;
      }
    });
    if (threw !== undefined) {
      if (logOperationErrors) console.error(`strongroom: operation ${name} threw: ${describeThrown(threw.error)}`);
      throw new OperationThrew();
    }
    return result;
  };

  const handlers: Record<BridgeMethod, Handler> = {
    status: (event, payload, document): BridgeStatus => {
      parsePayload(schemas.status, payload, 'status');
      return {
        platform: platformInfo(),
        hardening: hardening.status(),
        window: { secrets: ownIds(event, document).length, maxSecrets: limits.maxSecretsPerWindow, maxSecretSize: limits.maxSecretSize },
        operations: [...operations.keys()].sort(),
      };
    },
    list: (event, payload, document): SecretRef[] => {
      parsePayload(schemas.list, payload, 'list');
      return ownIds(event, document).map((id) => ({ id, size: secrets.get(id)!.size }));
    },
    generate: (event, payload, document) => {
      const { size } = parsePayload<{ size: number }>(schemas.generate, payload, 'generate');
      return adopt(event, document, () => vault.generate(size), size);
    },
    importSecret: (event, payload, document) => {
      const input = parseImportPayload(payload, limits.maxSecretSize);
      // TextEncoder's output lives outside the V8 heap; it is wiped below
      // whatever happens. The string itself stays in the JS heaps of both
      // processes: prefer bytes.
      let encoded: Uint8Array | undefined;
      try {
        const bytes = 'bytes' in input ? input.bytes : (encoded = new TextEncoder().encode(input.text));
        if (bytes.byteLength > limits.maxSecretSize) {
          throw new SecureMemoryError('INVALID_SIZE', `importSecret: a secret is 1 to ${limits.maxSecretSize} bytes (text counts as UTF-8)`);
        }
        return adopt(event, document, () => vault.import(bytes), bytes.byteLength);
      } finally {
        encoded?.fill(0);
      }
    },
    inspect: (event, payload, document): BridgeSecretStatus => {
      const { id } = parsePayload<{ id: string }>(schemas.inspect, payload, 'inspect');
      return { id, ...vault.inspect(ownedBy(event, document, id).handle) };
    },
    destroy: (event, payload, document) => {
      const { id } = parsePayload<{ id: string }>(schemas.destroy, payload, 'destroy');
      destroyOwned(id, ownedBy(event, document, id));
      return undefined;
    },
    run: (event, payload, document) => {
      const request = parsePayload<{ operation: string; id: string; args: unknown }>(schemas.run, payload, 'run');
      const operation = operations.get(request.operation);
      if (operation === undefined) throw new SecureMemoryError('INVALID_ARGUMENT', `run: no operation named ${request.operation}`);
      const owned = ownedBy(event, document, request.id);
      const result = runOperation(request.operation, operation, owned.handle, request.args);
      // The result is derived from the secret: a refusal states the rule it
      // broke, never the result's size, keys or values.
      try {
        measureData(result, 'result', limits.maxResultBytes);
      } catch (error) {
        if ((error as SecureMemoryError).code === 'LIMIT_EXCEEDED') {
          throw new SecureMemoryError('LIMIT_EXCEEDED', `operation ${request.operation}'s result is larger than maxResultBytes (${limits.maxResultBytes} bytes)`);
        }
        throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${request.operation}'s result is not plain, bounded data`);
      }
      return result;
    },
  };

  const respond = (method: BridgeMethod, event: SenderEvent, payload: unknown): BridgeResponse => {
    try {
      const frameKey = assertTrustedSender(event, origin);
      // importSecret's payload is the secret itself: checked by type and
      // length alone in its handler. Every other payload is measured with
      // its bounds enforced before it is walked, then parsed by its schema.
      if (method !== 'importSecret') measureData(payload, `${method} payload`, limits.maxPayloadBytes);
      watch(event);
      return { ok: true, value: handlers[method](event, payload, documentOf(event, frameKey)) };
    } catch (error) {
      if (error instanceof SecureMemoryError) return { ok: false, error: { code: error.code, message: boundMessage(error.message) } };
      // Anything thrown inside an operation, strongroom's own errors
      // included, could carry secret-derived data: a fixed answer.
      if (error instanceof OperationThrew) return { ok: false, error: { code: 'OPERATION_FAILED', message: 'run: the operation failed' } };
      return { ok: false, error: { code: 'OPERATION_FAILED', message: `${method} failed` } };
    } finally {
      // Accepted or refused, main keeps no copy of bytes it was sent to import.
      if (method === 'importSecret') wipeReceived(payload);
    }
  };

  for (const method of BRIDGE_METHODS) {
    ipcMain.handle(channelFor(method), (event: SenderEvent, payload: unknown) => respond(method, event, payload));
  }

  return {
    registerOperation,
    forgetWindow,
    secretCount: (owner?: number) => (owner === undefined ? secrets.size : perWindow.get(owner)?.size ?? 0),
    dispose: () => {
      for (const method of BRIDGE_METHODS) ipcMain.removeHandler(channelFor(method));
      const { count, failures } = destroyEach(secrets.keys());
      perWindow.clear();
      if (failures.length > 0) throw failureReport('dispose', count, failures);
    },
  };
}
