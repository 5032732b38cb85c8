// registerVaultIpc: one ipcMain.handle per bridge channel, each checking the
// sender and the payload's bounds, then calling the channel's handler
// (handlers.ts) over the registry of the windows' secrets (secrets-registry.ts).
import { BRIDGE_METHODS, channelFor, OPERATION_NAME, type BridgeMethod, type BridgeResponse } from '../../bridge/contract';
import { SecureMemoryError } from '../errors';
import { SecretVault } from '../vault';
import {
  ASYNC_METHODS,
  createBridgeHandlers,
  OperationThrew,
  type BytesOperation,
  type Operation,
  type OperationAccess,
  type RegisteredOperation,
} from './handlers';
import { createKeystoreJobs } from './keystore-jobs';
import { boundMessage, DEFAULT_LIMITS, type BridgeLimits } from './limits';
import { measureData, wipeReceived } from './payload';
import { createSecretsRegistry } from './secrets-registry';
import { assertTrustedSender, parseAppOrigin, type SenderEvent } from './sender';

export type { BytesOperation, Operation, OperationAccess } from './handlers';
export type { CapabilityKind, DerivedKeyCapability, SecretCapability } from './capability';

/**
 * An operation in VaultIpcOptions.operations that asks for more than the
 * default: `{ access: 'bytes', run }` gets a wiped copy of the secret's bytes.
 */
export type OperationSpec = { access: 'capability'; run: Operation } | { access: 'bytes'; run: BytesOperation };

/** Marks an operation as needing its secret's bytes (custom crypto): it runs in a scoped read, on a copy wiped when it returns. */
export function bytesOperation(run: BytesOperation): OperationSpec {
  return { access: 'bytes', run };
}

export interface RegisterOperationOptions {
  /** 'capability' (the default): calls on the secret, never its bytes. 'bytes': a copy, wiped when the operation returns. */
  access?: OperationAccess;
}
export type { BridgeWebContents } from './secrets-registry';

export interface VaultIpcOptions {
  /** The app's own origin, e.g. 'app://strongroom'. Only its top frame may call. */
  origin: string;
  /**
   * Named operations the renderer may run. A function gets a capability for
   * its secret; bytesOperation(fn) gets a wiped copy of its bytes. More can
   * be added with registerOperation.
   */
  operations?: Record<string, Operation | OperationSpec>;
  limits?: Partial<BridgeLimits>;
  /**
   * Log what an operation threw (name and message) to main's console.error.
   * Off by default: the message may carry secret-derived data. The renderer
   * never gets it either way.
   */
  logOperationErrors?: boolean;
}

export interface VaultIpc {
  /** Adds an operation that gets a capability for its secret (the default), or with `{ access: 'bytes' }` a wiped copy of its bytes. */
  registerOperation(name: string, operation: Operation, options?: { access?: 'capability' }): void;
  registerOperation(name: string, operation: BytesOperation, options: { access: 'bytes' }): void;
  /**
   * Destroys every secret a window holds (the bridge also does this when the
   * window's document ends: a committed navigation, a crash, or close). Every
   * secret is destroyed even if some fail; then one error reports them all.
   */
  forgetWindow(webContentsId: number): number;
  /** Secrets held per window, or by all windows, for tests and diagnostics. */
  secretCount(webContentsId?: number): number;
  /** Keystore calls running per window, or for all windows, for tests and diagnostics. */
  keystoreCallCount(webContentsId?: number): number;
  /** Removes the handlers, cancels every running keystore call, then destroys every secret created through the bridge; then one error reports every failure. */
  dispose(): void;
}

/**
 * The part of Electron's ipcMain the bridge uses. Declared here, not
 * imported, so that the library's types need no electron package; Electron's
 * ipcMain fits it.
 */
export interface IpcMainLike {
  handle(channel: string, listener: (event: SenderEvent, payload: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

export function registerVaultIpc(ipcMain: IpcMainLike, vault: SecretVault, options: VaultIpcOptions): VaultIpc {
  if (!(vault instanceof SecretVault)) throw new SecureMemoryError('INVALID_ARGUMENT', 'registerVaultIpc needs a SecretVault');
  if ((options as unknown) === null || typeof options !== 'object')
    throw new SecureMemoryError('INVALID_ARGUMENT', 'registerVaultIpc needs options with an origin');
  const origin = parseAppOrigin(options.origin);
  const limits: BridgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new SecureMemoryError('INVALID_ARGUMENT', `limits.${key} must be a positive integer`);
  }
  if (limits.maxSecretSize > vault.maxSecretSize) {
    throw new SecureMemoryError(
      'INVALID_ARGUMENT',
      `limits.maxSecretSize (${limits.maxSecretSize}) exceeds the vault's maxSecretSize (${vault.maxSecretSize})`,
    );
  }
  const operations = new Map<string, RegisteredOperation>();
  const addOperation = (name: string, operation: unknown, access: unknown): void => {
    if (typeof name !== 'string' || !OPERATION_NAME.test(name))
      throw new SecureMemoryError('INVALID_ARGUMENT', `operation name ${JSON.stringify(name)} must match ${OPERATION_NAME}`);
    if (typeof operation !== 'function') throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name} must be a function`);
    if (access !== 'capability' && access !== 'bytes')
      throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name}: access must be 'capability' or 'bytes'`);
    if (operations.has(name)) throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name} is already registered`);
    operations.set(
      name,
      access === 'bytes' ? { access, run: operation as BytesOperation } : { access: 'capability', run: operation as Operation },
    );
  };
  // Checked as unknown: JavaScript callers (and a cast in TypeScript) can pass anything.
  const registerOperation = (name: string, operation: unknown, registerOptions?: unknown): void => {
    if (registerOptions === undefined) return addOperation(name, operation, 'capability');
    if (registerOptions === null || typeof registerOptions !== 'object')
      throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name}: options must be an object`);
    addOperation(name, operation, (registerOptions as { access?: unknown }).access ?? 'capability');
  };
  const entries: [string, unknown][] = Object.entries(options.operations ?? {});
  for (const [name, entry] of entries) {
    if (entry !== null && typeof entry === 'object') {
      const spec = entry as { run?: unknown; access?: unknown };
      addOperation(name, spec.run, spec.access);
    } else addOperation(name, entry, 'capability');
  }

  // A window's running keystore calls are cancelled when its document ends, as its secrets are destroyed.
  const jobs = createKeystoreJobs(limits);
  const registry = createSecretsRegistry(vault, limits, (owner) => jobs.cancelWindow(owner));
  const handlers = createBridgeHandlers({
    vault,
    limits,
    registry,
    jobs,
    operations,
    logOperationErrors: options.logOperationErrors === true,
  });

  const refusal = (method: BridgeMethod, error: unknown): BridgeResponse => {
    if (error instanceof SecureMemoryError) return { ok: false, error: { code: error.code, message: boundMessage(error.message) } };
    // Anything thrown inside an operation, strongroom's own errors
    // included, could carry secret-derived data: a fixed answer.
    if (error instanceof OperationThrew) return { ok: false, error: { code: 'OPERATION_FAILED', message: 'run: the operation failed' } };
    return { ok: false, error: { code: 'OPERATION_FAILED', message: `${method} failed` } };
  };

  // The keystore calls: checked like every other call, answered when the KDF
  // settles. The password bytes main was sent are wiped as soon as the call
  // has started (the vault copied them into locked memory), and again when
  // it settles, accepted or refused.
  const respondLater = (method: BridgeMethod, event: SenderEvent, payload: unknown): BridgeResponse | Promise<BridgeResponse> => {
    let pending: unknown;
    try {
      const frameKey = assertTrustedSender(event, origin);
      measureData(payload, `${method} payload`, limits.maxPayloadBytes);
      registry.watch(event);
      pending = handlers[method](payload, { event, document: registry.documentOf(event, frameKey) });
    } catch (error) {
      wipeReceived(payload);
      return refusal(method, error);
    }
    wipeReceived(payload);
    return Promise.resolve(pending).then(
      (value): BridgeResponse => {
        wipeReceived(payload);
        return { ok: true, value };
      },
      (error: unknown) => {
        wipeReceived(payload);
        return refusal(method, error);
      },
    );
  };

  const respond = (method: BridgeMethod, event: SenderEvent, payload: unknown): BridgeResponse | Promise<BridgeResponse> => {
    if (ASYNC_METHODS.has(method)) return respondLater(method, event, payload);
    try {
      const frameKey = assertTrustedSender(event, origin);
      // importSecret's payload is the secret itself: checked by type and
      // length alone in its handler. Every other payload is measured with
      // its bounds enforced before it is walked, then parsed by its schema.
      if (method !== 'importSecret') measureData(payload, `${method} payload`, limits.maxPayloadBytes);
      registry.watch(event);
      return { ok: true, value: handlers[method](payload, { event, document: registry.documentOf(event, frameKey) }) };
    } catch (error) {
      return refusal(method, error);
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
    forgetWindow: (owner: number) => registry.forgetWindow(owner),
    secretCount: (owner?: number) => registry.count(owner),
    keystoreCallCount: (owner?: number) => jobs.count(owner),
    dispose: () => {
      for (const method of BRIDGE_METHODS) ipcMain.removeHandler(channelFor(method));
      jobs.dispose();
      registry.dispose();
    },
  };
}
