// registerVaultIpc: one ipcMain.handle per bridge method, each checking the
// sender, the payload and the window's limits before the vault is touched.
import { randomBytes } from 'node:crypto';

import { SecureMemoryError } from '../errors';
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
import { assertPlainData, cloneSize, DEFAULT_LIMITS, OPERATION_NAME, parsePayload, payloadSchemas, type BridgeLimits } from './payload';
import { assertTrustedSender, parseAppOrigin, type SenderEvent } from './sender';

/**
 * A main-process operation the renderer may run on a secret it can only name.
 * It runs inside a scoped read: `secret` is a copy, wiped when it returns.
 * It must be synchronous and return plain, structured-cloneable data.
 */
export type Operation = (secret: Uint8Array, args: unknown) => unknown;

/** The part of a WebContents the bridge uses to follow a window's life. */
export interface BridgeWebContents {
  id: number;
  once(event: 'destroyed', listener: () => void): unknown;
  on(event: 'render-process-gone', listener: (...args: unknown[]) => void): unknown;
  on(event: 'did-start-navigation', listener: (details: { isMainFrame: boolean; isSameDocument: boolean }) => void): unknown;
}

export interface VaultIpcOptions {
  /** The app's own origin, e.g. 'app://strongroom'. Only its top frame may call. */
  origin: string;
  /** Named operations the renderer may run. More can be added with registerOperation. */
  operations?: Record<string, Operation>;
  limits?: Partial<BridgeLimits>;
}

export interface VaultIpc {
  registerOperation(name: string, operation: Operation): void;
  /** Destroys every secret a window holds (the bridge also does this when the window closes, crashes or navigates). */
  forgetWindow(webContentsId: number): number;
  /** Secrets held per window, for tests and diagnostics. */
  secretCount(webContentsId?: number): number;
  /** Removes the handlers and destroys every secret created through the bridge. */
  dispose(): void;
}

interface Owned {
  owner: number;
  handle: SecretHandle;
  size: number;
}

type Handler = (event: SenderEvent, payload: unknown) => unknown;

/**
 * The part of Electron's ipcMain the bridge uses. Declared here, not
 * imported, so that the library's types need no electron package; Electron's
 * ipcMain fits it.
 */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, payload: unknown) => unknown): void;
  removeHandler(channel: string): void;
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
  const schemas = payloadSchemas(limits);
  const operations = new Map<string, Operation>();
  const secrets = new Map<string, Owned>();
  const perWindow = new Map<number, Set<string>>();
  const watched = new Set<number>();

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
      perWindow.get(owned.owner)?.delete(id);
    }
  };

  const forgetWindow = (owner: number): number => {
    const ids = perWindow.get(owner);
    if (ids === undefined) return 0;
    let count = 0;
    let firstError: unknown;
    for (const id of [...ids]) {
      const owned = secrets.get(id);
      if (owned === undefined) continue;
      try {
        destroyOwned(id, owned);
      } catch (error) {
        firstError ??= error;
      }
      count++;
    }
    perWindow.delete(owner);
    if (firstError !== undefined) throw firstError;
    return count;
  };

  // Window events must never throw into Electron's emitter; a failed wipe
  // (a corrupted canary) is reported, and every other secret is still gone.
  const forgetOnEvent = (owner: number, why: string): void => {
    try {
      forgetWindow(owner);
    } catch (error) {
      console.error(`strongroom: destroying the secrets of a window that ${why}: ${(error as Error).message}`);
    }
  };

  // Secrets die with their window: closed, crashed, or navigated away.
  const watch = (event: SenderEvent): void => {
    const contents = event.sender as unknown as BridgeWebContents;
    if (watched.has(contents.id) || typeof contents.on !== 'function') return;
    watched.add(contents.id);
    contents.once('destroyed', () => {
      forgetOnEvent(contents.id, 'closed');
      watched.delete(contents.id);
    });
    contents.on('render-process-gone', () => forgetOnEvent(contents.id, 'crashed'));
    contents.on('did-start-navigation', (details) => {
      if (details?.isMainFrame && !details.isSameDocument) forgetOnEvent(contents.id, 'navigated away');
    });
  };

  const ownedBy = (event: SenderEvent, id: string): Owned => {
    const owned = secrets.get(id);
    // Unknown, destroyed and other windows' ids get the same answer: an id
    // from another window must not be confirmed to exist.
    if (owned === undefined || owned.owner !== event.sender.id || !vault.has(owned.handle)) {
      throw new SecureMemoryError('INVALID_HANDLE', 'no such secret in this window');
    }
    return owned;
  };

  const adopt = (event: SenderEvent, create: () => SecretHandle, size: number): SecretRef => {
    const owner = event.sender.id;
    const ids = perWindow.get(owner) ?? new Set<string>();
    if (ids.size >= limits.maxSecretsPerWindow) {
      throw new SecureMemoryError('LIMIT_EXCEEDED', `this window already holds ${limits.maxSecretsPerWindow} secrets; destroy some first`);
    }
    const handle = create();
    const id = randomBytes(16).toString('base64url');
    secrets.set(id, { owner, handle, size });
    ids.add(id);
    perWindow.set(owner, ids);
    watch(event);
    return { id, size };
  };

  const handlers: Record<BridgeMethod, Handler> = {
    status: (event, payload): BridgeStatus => {
      parsePayload(schemas.status, payload, 'status');
      return {
        platform: platformInfo(),
        hardening: hardening.status(),
        window: { secrets: perWindow.get(event.sender.id)?.size ?? 0, maxSecrets: limits.maxSecretsPerWindow, maxSecretSize: limits.maxSecretSize },
        operations: [...operations.keys()].sort(),
      };
    },
    list: (event, payload): SecretRef[] => {
      parsePayload(schemas.list, payload, 'list');
      return [...(perWindow.get(event.sender.id) ?? [])].map((id) => ({ id, size: secrets.get(id)!.size }));
    },
    generate: (event, payload) => {
      const { size } = parsePayload<{ size: number }>(schemas.generate, payload, 'generate');
      return adopt(event, () => vault.generate(size), size);
    },
    importSecret: (event, payload) => {
      const input = parsePayload<{ bytes?: Uint8Array; text?: string }>(schemas.importSecret, payload, 'importSecret');
      // TextEncoder's output lives outside the V8 heap and import() wipes it.
      // The string itself stays in the JS heaps of both processes: prefer bytes.
      const bytes = input.bytes ?? new TextEncoder().encode(input.text);
      if (bytes.byteLength > limits.maxSecretSize) {
        throw new SecureMemoryError('INVALID_SIZE', `importSecret: the secret is ${bytes.byteLength} bytes, the limit is ${limits.maxSecretSize}`);
      }
      return adopt(event, () => vault.import(bytes), bytes.byteLength);
    },
    inspect: (event, payload): BridgeSecretStatus => {
      const { id } = parsePayload<{ id: string }>(schemas.inspect, payload, 'inspect');
      return { id, ...vault.inspect(ownedBy(event, id).handle) };
    },
    destroy: (event, payload) => {
      const { id } = parsePayload<{ id: string }>(schemas.destroy, payload, 'destroy');
      destroyOwned(id, ownedBy(event, id));
      return undefined;
    },
    run: (event, payload) => {
      const request = parsePayload<{ operation: string; id: string; args: unknown }>(schemas.run, payload, 'run');
      const operation = operations.get(request.operation);
      if (operation === undefined) throw new SecureMemoryError('INVALID_ARGUMENT', `run: no operation named ${request.operation}`);
      assertPlainData(request.args, 'run args');
      const owned = ownedBy(event, request.id);
      const result = vault.read(owned.handle, (secret) => operation(secret, request.args));
      assertPlainData(result, `operation ${request.operation}'s result`);
      const size = cloneSize(result, `operation ${request.operation}'s result`);
      if (size > limits.maxResultBytes) {
        throw new SecureMemoryError('LIMIT_EXCEEDED', `operation ${request.operation} returned ${size} bytes; the limit is ${limits.maxResultBytes}`);
      }
      return result;
    },
  };

  const respond = (method: BridgeMethod, event: SenderEvent, payload: unknown): BridgeResponse => {
    try {
      assertTrustedSender(event, origin);
      // importSecret's payload is the secret itself: its schema bounds it, and
      // serializing it to measure would leave an unwiped copy in main.
      if (method !== 'importSecret' && payload !== undefined && cloneSize(payload, `${method} payload`) > limits.maxPayloadBytes) {
        throw new SecureMemoryError('LIMIT_EXCEEDED', `${method}: payload larger than ${limits.maxPayloadBytes} bytes`);
      }
      return { ok: true, value: handlers[method](event, payload) };
    } catch (error) {
      if (error instanceof SecureMemoryError) return { ok: false, error: { code: error.code, message: error.message } };
      // An operation's own failure: report that it failed, not its message,
      // which could carry secret-derived data.
      return { ok: false, error: { code: 'OPERATION_FAILED', message: `${method} failed inside the operation` } };
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
      for (const owner of [...perWindow.keys()]) forgetWindow(owner);
    },
  };
}
