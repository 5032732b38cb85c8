// Builds window.strongroom over any transport, so that tests (and the
// Chromium e2e mode) can build the very same object the preload exposes.
// No Electron, no Node: bundled into the sandboxed preload.
import {
  BRIDGE_KEYSTORE_LIMITS,
  BRIDGE_METHODS,
  channelFor,
  KEYSTORE_PROGRESS_CHANNEL,
  type BridgeArgs,
  type BridgeMethod,
  type BridgeMethods,
  type BridgeRequest,
  type StrongroomBridge,
} from '../bridge/contract';
import {
  checkArgCount,
  checkGenerateOptions,
  checkId,
  checkImportInput,
  checkJobName,
  checkKeystoreJson,
  checkKeystoreOptions,
  checkOperationName,
  checkPassword,
  checkPlainData,
  checkSize,
} from './bridge-args';

export type Invoke = (channel: string, payload: unknown) => Promise<unknown>;

/** Subscribes to one channel main sends on; the listener gets the message's arguments only (no event object). */
export type Listen = (channel: string, listener: (...args: unknown[]) => void) => void;

type ProgressListener = (progress: { done: number; total: number }) => void;

/** What a method's builder hands back besides the request: a progress callback and bytes to wipe once sent. */
interface CallExtras {
  onProgress?: ProgressListener;
  wipeAfterSend?: Uint8Array;
}

const EXPORT_OPTIONS = { kdf: 'string', n: 'number', r: 'number', p: 'number', c: 'number', path: 'string', job: 'string' } as const;
const IMPORT_OPTIONS = { job: 'string' } as const;

/**
 * Per channel: how many arguments the method takes (typed by the contract's
 * argument list) and the request it sends for them, after checking them.
 */
type RequestBuilders = {
  [M in BridgeMethod]: {
    arity: readonly [min: BridgeArgs<M>['length'], max: BridgeArgs<M>['length']];
    build: (args: unknown[], extras: CallExtras) => BridgeRequest<M>;
  };
};

const REQUESTS: RequestBuilders = {
  status: { arity: [0, 0], build: () => undefined },
  generate: { arity: [1, 2], build: ([size, options]) => ({ size: checkSize('generate', size), ...checkGenerateOptions(options) }) },
  importSecret: { arity: [1, 1], build: ([input]) => checkImportInput(input) },
  inspect: { arity: [1, 1], build: ([id]) => ({ id: checkId('inspect', id) }) },
  list: { arity: [0, 0], build: () => undefined },
  destroy: { arity: [1, 1], build: ([id]) => ({ id: checkId('destroy', id) }) },
  run: {
    arity: [2, 3],
    build: ([operation, id, args]) => {
      const request = { operation: checkOperationName(operation), id: checkId('run', id), args };
      checkPlainData(args, 'run(args)');
      return request;
    },
  },
  exportKeystore: {
    arity: [2, 3],
    build: ([id, password, options], extras) => {
      const checkedId = checkId('exportKeystore', id);
      const bytes = checkPassword('exportKeystore', password, BRIDGE_KEYSTORE_LIMITS.maxPasswordBytes);
      const { send, onProgress } = checkKeystoreOptions('exportKeystore', options, EXPORT_OPTIONS);
      const { job, ...kdf } = send;
      extras.onProgress = onProgress;
      extras.wipeAfterSend = bytes;
      // Main checks every option again (kdf's values, the KDF's limits, the path, the job's name).
      return { id: checkedId, password: bytes, options: kdf, progress: 0, ...(job === undefined ? {} : { job: job as string }) };
    },
  },
  importKeystore: {
    arity: [2, 3],
    build: ([json, password, options], extras) => {
      const text = checkKeystoreJson(json, BRIDGE_KEYSTORE_LIMITS.maxJsonChars);
      const bytes = checkPassword('importKeystore', password, BRIDGE_KEYSTORE_LIMITS.maxPasswordBytes);
      const { send, onProgress } = checkKeystoreOptions('importKeystore', options, IMPORT_OPTIONS);
      extras.onProgress = onProgress;
      extras.wipeAfterSend = bytes;
      return { json: text, password: bytes, progress: 0, ...(send.job === undefined ? {} : { job: send.job as string }) };
    },
  },
  cancelKeystore: { arity: [1, 1], build: ([job]) => ({ job: checkJobName('cancelKeystore', job) }) },
};

/** Main's answer, checked as untrusted data: only `ok: true` or `ok: false` exactly. */
function unwrap(response: unknown): unknown {
  const r = response as { ok?: unknown; value?: unknown; error?: unknown } | null;
  if (r !== null && typeof r === 'object' && r.ok === true) return r.value;
  const error =
    r !== null && typeof r === 'object' && r.ok === false
      ? (r.error as { code: string; message: string })
      : { code: 'OS_ERROR', message: 'malformed bridge response' };
  // contextBridge copies Errors without custom properties: the code travels in the message.
  throw new Error(`${error.code}: ${error.message}`);
}

/**
 * window.strongroom over `invoke`, one method per channel of the contract.
 * Each method checks its arguments first (see bridge-args.ts) and rejects
 * with "INVALID_ARGUMENT: ..." without sending anything; otherwise it sends
 * one payload and unwraps main's answer.
 */
export function createBridgeApi(invoke: Invoke, listen?: Listen): StrongroomBridge {
  // Keystore progress: main sends (progressId, done, total) to this frame;
  // each call that asked for progress has its own id while it runs. The
  // page's callback gets a fresh object of two numbers, nothing else.
  const progressListeners = new Map<number, ProgressListener>();
  let lastProgressId = 0;
  listen?.(KEYSTORE_PROGRESS_CHANNEL, (progressId, done, total) => {
    if (typeof progressId !== 'number' || typeof done !== 'number' || typeof total !== 'number') return;
    const listener = progressListeners.get(progressId);
    if (listener === undefined) return;
    try {
      listener({ done, total });
    } catch {
      // a page's callback that throws does not disturb the call
    }
  });

  const method = <M extends BridgeMethod>(name: M): BridgeMethods[M] => {
    const { arity, build } = REQUESTS[name];
    // A computed key names the function after its method, as a literal would.
    const named = {
      [name]: (...args: unknown[]): Promise<unknown> => {
        let request: BridgeRequest<M>;
        const extras: CallExtras = {};
        // Argument errors reject like main's refusals do, never throw synchronously.
        try {
          checkArgCount(name, args, arity[0], arity[1]);
          request = build(args, extras);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        let progressId = 0;
        if (extras.onProgress !== undefined && listen !== undefined) {
          lastProgressId = lastProgressId >= 2 ** 31 - 1 ? 1 : lastProgressId + 1;
          progressId = lastProgressId;
          progressListeners.set(progressId, extras.onProgress);
          (request as { progress: number }).progress = progressId;
        }
        let sent: Promise<unknown>;
        try {
          // invoke copies the payload before it returns (a structured clone).
          sent = invoke(channelFor(name), request);
        } catch (error) {
          sent = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        } finally {
          // The page's copy of a password is wiped once sent: main has its own.
          extras.wipeAfterSend?.fill(0);
        }
        return sent.then(
          (response) => {
            progressListeners.delete(progressId);
            return unwrap(response);
          },
          (error: unknown) => {
            progressListeners.delete(progressId);
            throw error;
          },
        );
      },
    };
    // The arguments are checked at run time above; the page's view of the method is the contract's.
    return named[name] as BridgeMethods[M];
  };
  const api = {} as Record<BridgeMethod, unknown>;
  for (const name of BRIDGE_METHODS) api[name] = method(name);
  return Object.freeze(api as StrongroomBridge);
}
