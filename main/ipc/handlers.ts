// One handler per bridge channel, typed by the contract: a channel without
// its handler, or a handler answering the wrong type, does not compile. Each
// checks its request first (its schema, or importSecret's constant-time
// check), then the caller's ownership, then touches the vault.
import { KEYSTORE_PROGRESS_CHANNEL, requestSchemas, type BridgeMethod, type BridgeResult } from '../../bridge/contract';
import { SecureMemoryError } from '../errors';
import { hardening } from '../hardening';
import { platformInfo } from '../platform';
import { isThenable } from '../thenable';
import { generateValidatedSize, type SecretHandle, type SecretVault } from '../vault';
import { openCapabilityScope, type SecretCapability } from './capability';
import type { KeystoreJobs } from './keystore-jobs';
import type { BridgeLimits } from './limits';
import { measureData, parseImportPayload, parsePayload } from './payload';
import type { Caller, SecretsRegistry } from './secrets-registry';

/**
 * A main-process operation the renderer may run on a secret it can only name.
 * By default it gets a capability for the secret (derive, public key, sign:
 * see SecretCapability), never its bytes; keys it derives are destroyed when
 * it returns, and the capability is revoked. It must be synchronous and
 * return plain, structured-cloneable data. Whatever it throws, the renderer
 * gets OPERATION_FAILED and a fixed message.
 */
export type Operation = (secret: SecretCapability, args: unknown) => unknown;

/**
 * An operation registered with `{ access: 'bytes' }`, for custom crypto: it
 * runs inside a scoped read, and `secret` is a copy wiped when it returns.
 */
export type BytesOperation = (secret: Uint8Array, args: unknown) => unknown;

/** What an operation is given: a capability (the default) or a wiped byte copy, asked for by name. */
export type OperationAccess = 'capability' | 'bytes';

/** A registered operation: its function and the access it asked for. */
export type RegisteredOperation = { access: 'capability'; run: Operation } | { access: 'bytes'; run: BytesOperation };

/** A channel's handler: the payload as received (already measured, unless it is importSecret's) and who sent it. */
export type BridgeHandler<M extends BridgeMethod> = (payload: unknown, caller: Caller) => BridgeResult<M> | Promise<BridgeResult<M>>;

/** The keystore calls answer later: their KDF runs off the main thread. */
export const ASYNC_METHODS: ReadonlySet<BridgeMethod> = new Set<BridgeMethod>(['exportKeystore', 'importKeystore']);

/**
 * A keystore call's progress, sent to the calling frame only, as three
 * numbers (the preload's id for the call, done, total); nothing when the
 * preload asked for none (id 0) or the frame has gone.
 */
function progressTo(caller: Caller, progressId: number): ((progress: { done: number; total: number }) => void) | undefined {
  if (progressId === 0) return undefined;
  const frame = caller.event.senderFrame;
  return ({ done, total }) => {
    try {
      frame?.send?.(KEYSTORE_PROGRESS_CHANNEL, progressId, done, total);
    } catch {
      // a frame disposed mid-call: the result (or its refusal) still settles the call
    }
  };
}

export type BridgeHandlers = { [M in BridgeMethod]: BridgeHandler<M> };

/** Thrown inside run when the operation itself threw: the only error whose message is replaced. */
export class OperationThrew extends Error {}

/** For main's own log only; never throws, whatever was thrown. */
function describeThrown(thrown: unknown): string {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    return 'a value that cannot be described';
  }
}

export interface HandlerContext {
  vault: SecretVault;
  limits: BridgeLimits;
  registry: SecretsRegistry;
  /** The running keystore calls, by window and document: what cancelKeystore and an ending page cancel. */
  jobs: KeystoreJobs;
  operations: ReadonlyMap<string, RegisteredOperation>;
  logOperationErrors: boolean;
}

export function createBridgeHandlers({ vault, limits, registry, jobs, operations, logOperationErrors }: HandlerContext): BridgeHandlers {
  const schemas = requestSchemas(limits);

  const failed = (name: string, error: unknown): OperationThrew => {
    if (logOperationErrors) console.error(`strongroom: operation ${name} threw: ${describeThrown(error)}`);
    return new OperationThrew();
  };

  const runOperation = (name: string, operation: RegisteredOperation, handle: SecretHandle, args: unknown): unknown => {
    if (operation.access === 'bytes') {
      const run = operation.run;
      let threw: { error: unknown } | undefined;
      const result = vault.read(handle, (secret) => {
        try {
          return run(secret, args);
        } catch (error) {
          threw = { error };
          return undefined;
        }
      });
      if (threw !== undefined) throw failed(name, threw.error);
      return result;
    }
    const scope = openCapabilityScope(vault, handle, name);
    let result: unknown;
    let threw: { error: unknown } | undefined;
    try {
      result = operation.run(scope.root, args);
    } catch (error) {
      threw = { error };
    } finally {
      // Derived keys are destroyed before anything else happens, thrown or not.
      const failure = scope.revoke();
      threw ??= failure === undefined ? undefined : { error: failure };
    }
    if (threw !== undefined) throw failed(name, threw.error);
    // A promise would have outlived the capability (now revoked): refused, as a read scope refuses one.
    if (isThenable(result)) {
      throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${name} returned a Promise; operations must be synchronous`);
    }
    return result;
  };

  return {
    status: (payload, caller) => {
      parsePayload(schemas.status, payload, 'status');
      return {
        platform: platformInfo(),
        hardening: hardening.status(),
        window: { secrets: registry.ownIds(caller).length, maxSecrets: limits.maxSecretsPerWindow, maxSecretSize: limits.maxSecretSize },
        operations: [...operations.keys()].sort(),
      };
    },
    list: (payload, caller) => {
      parsePayload(schemas.list, payload, 'list');
      return registry.ownIds(caller).map((id) => ({ id, size: registry.sizeOf(id) }));
    },
    generate: (payload, caller) => {
      const { size, kind } = parsePayload(schemas.generate, payload, 'generate');
      return registry.adopt(caller, () => generateValidatedSize(vault, size, kind ?? 'secret'), size);
    },
    importSecret: (payload, caller) => {
      const input = parseImportPayload(payload, limits.maxSecretSize);
      // TextEncoder's output lives outside the V8 heap; it is wiped below
      // whatever happens. The string itself stays in the JS heaps of both
      // processes: prefer bytes.
      let encoded: Uint8Array | undefined;
      try {
        const bytes = 'bytes' in input ? input.bytes : (encoded = new TextEncoder().encode(input.text));
        if (bytes.byteLength > limits.maxSecretSize) {
          throw new SecureMemoryError(
            'INVALID_SIZE',
            `importSecret: a secret is 1 to ${limits.maxSecretSize} bytes (text counts as UTF-8)`,
          );
        }
        return registry.adopt(caller, () => vault.import(bytes), bytes.byteLength);
      } finally {
        encoded?.fill(0);
      }
    },
    inspect: (payload, caller) => {
      const { id } = parsePayload(schemas.inspect, payload, 'inspect');
      return { id, ...vault.inspect(registry.ownedBy(caller, id).handle) };
    },
    destroy: (payload, caller) => {
      const { id } = parsePayload(schemas.destroy, payload, 'destroy');
      registry.destroyOwned(id, registry.ownedBy(caller, id));
      return undefined;
    },
    run: (payload, caller) => {
      const request = parsePayload(schemas.run, payload, 'run');
      const operation = operations.get(request.operation);
      if (operation === undefined) throw new SecureMemoryError('INVALID_ARGUMENT', `run: no operation named ${request.operation}`);
      const owned = registry.ownedBy(caller, request.id);
      const result = runOperation(request.operation, operation, owned.handle, request.args);
      // The result is derived from the secret: a refusal states the rule it
      // broke, never the result's size, keys or values.
      try {
        measureData(result, 'result', limits.maxResultBytes);
      } catch (error) {
        if ((error as SecureMemoryError).code === 'LIMIT_EXCEEDED') {
          throw new SecureMemoryError(
            'LIMIT_EXCEEDED',
            `operation ${request.operation}'s result is larger than maxResultBytes (${limits.maxResultBytes} bytes)`,
          );
        }
        throw new SecureMemoryError('INVALID_ARGUMENT', `operation ${request.operation}'s result is not plain, bounded data`);
      }
      return result;
    },
    // The keystore calls check everything they can before they return their
    // promise: a refusal of the request is synchronous, like every other channel's.
    exportKeystore: (payload, caller) => {
      const { id, password, options, progress, job: name } = parsePayload(schemas.exportKeystore, payload, 'exportKeystore');
      const { path, ...kdf } = options;
      const owned = registry.ownedBy(caller, id);
      const kind = vault.kindOf(owned.handle);
      if ((kind === 'seed') !== (path !== undefined)) {
        throw new SecureMemoryError(
          'INVALID_ARGUMENT',
          kind === 'seed' ? 'exportKeystore: a seed is exported as the key at options.path' : 'exportKeystore: options.path is for a seed',
        );
      }
      // A key derived for the export lives only until the job has copied it
      // (at the call, into its own locked memory): destroyed right after.
      const derived = path === undefined ? undefined : vault.deriveKey(owned.handle, path).handle;
      try {
        const job = jobs.start(caller, name);
        const pending = vault.exportKeystore(derived ?? owned.handle, password, {
          ...kdf,
          onProgress: progressTo(caller, progress),
          signal: job.signal,
        });
        // A cancelled export's text is dropped: the page gets ABORTED.
        return job.settle(pending);
      } finally {
        if (derived !== undefined && vault.has(derived)) vault.destroy(derived);
      }
    },
    importKeystore: (payload, caller) => {
      const { json, password, progress, job: name } = parsePayload(schemas.importKeystore, payload, 'importKeystore');
      // The window's limits are checked before the KDF runs, and again when the key is adopted.
      registry.checkRoom(caller, 32);
      const job = jobs.start(caller, name);
      const pending = vault.importKeystore(json, password, { onProgress: progressTo(caller, progress), signal: job.signal });
      // A key decrypted just before its cancel arrived is destroyed: the page gets ABORTED.
      return job
        .settle(pending, (handle) => vault.destroy(handle))
        .then((handle) => {
          try {
            // The page that asked may have gone while the KDF ran: its key is not left behind.
            if (!registry.isCurrent(caller)) throw new SecureMemoryError('INVALID_HANDLE', 'importKeystore: the page has changed');
            return registry.adopt(caller, () => handle, 32);
          } catch (error) {
            vault.destroy(handle);
            throw error;
          }
        });
    },
    cancelKeystore: (payload, caller) => {
      const { job } = parsePayload(schemas.cancelKeystore, payload, 'cancelKeystore');
      jobs.cancel(caller, job);
      return undefined;
    },
  };
}
