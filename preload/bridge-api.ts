// Builds window.strongroom over any transport, so that tests (and the
// Chromium e2e mode) can build the very same object the preload exposes.
// No Electron, no Node: bundled into the sandboxed preload.
import {
  BRIDGE_METHODS,
  channelFor,
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
  checkOperationName,
  checkPlainData,
  checkSize,
} from './bridge-args';

export type Invoke = (channel: string, payload: unknown) => Promise<unknown>;

/**
 * Per channel: how many arguments the method takes (typed by the contract's
 * argument list) and the request it sends for them, after checking them.
 */
type RequestBuilders = {
  [M in BridgeMethod]: {
    arity: readonly [min: BridgeArgs<M>['length'], max: BridgeArgs<M>['length']];
    build: (args: unknown[]) => BridgeRequest<M>;
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
export function createBridgeApi(invoke: Invoke): StrongroomBridge {
  const method = <M extends BridgeMethod>(name: M): BridgeMethods[M] => {
    const { arity, build } = REQUESTS[name];
    const send = async (request: BridgeRequest<M>): Promise<unknown> => unwrap(await invoke(channelFor(name), request));
    // A computed key names the function after its method, as a literal would.
    const named = {
      [name]: (...args: unknown[]): Promise<unknown> => {
        let request: BridgeRequest<M>;
        // Argument errors reject like main's refusals do, never throw synchronously.
        try {
          checkArgCount(name, args, arity[0], arity[1]);
          request = build(args);
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        return send(request);
      },
    };
    // The arguments are checked at run time above; the page's view of the method is the contract's.
    return named[name] as BridgeMethods[M];
  };
  const api = {} as Record<BridgeMethod, unknown>;
  for (const name of BRIDGE_METHODS) api[name] = method(name);
  return Object.freeze(api as StrongroomBridge);
}
