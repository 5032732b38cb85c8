// Builds window.strongroom over any transport, so that tests (and the
// Chromium e2e mode) can build the very same object the preload exposes.
// No Electron, no Node: bundled into the sandboxed preload.
import {
  channelFor,
  type BridgeMethod,
  type BridgeResponse,
  type ImportInput,
  type StrongroomBridge,
} from '../main/ipc/contract';
import { checkArgCount, checkId, checkImportInput, checkOperationName, checkPlainData, checkSize } from './bridge-args';

export type Invoke = (channel: string, payload: unknown) => Promise<unknown>;

function unwrap<T>(response: unknown): T {
  const r = response as BridgeResponse<T> | null;
  if (r !== null && typeof r === 'object' && r.ok === true) return r.value;
  const error = r !== null && typeof r === 'object' && r.ok === false ? r.error : { code: 'OS_ERROR', message: 'malformed bridge response' };
  // contextBridge copies Errors without custom properties: the code travels in the message.
  throw new Error(`${error.code}: ${error.message}`);
}

/**
 * window.strongroom over `invoke`. Each method checks its arguments first
 * (see bridge-args.ts) and rejects with "INVALID_ARGUMENT: ..." without
 * sending anything; otherwise it sends one payload and unwraps main's answer.
 */
export function createBridgeApi(invoke: Invoke): StrongroomBridge {
  const call = async <T>(method: BridgeMethod, payload: unknown): Promise<T> => unwrap<T>(await invoke(channelFor(method), payload));
  // Argument errors reject like main's refusals do, never throw synchronously.
  const checked = <T>(build: () => [BridgeMethod, unknown]): Promise<T> => {
    let request: [BridgeMethod, unknown];
    try {
      request = build();
    } catch (error) {
      return Promise.reject(error);
    }
    return call<T>(request[0], request[1]);
  };
  const api: StrongroomBridge = {
    status: (...args: unknown[]) => checked(() => (checkArgCount('status', args, 0, 0), ['status', undefined])),
    generate: (...args: unknown[]) => checked(() => (checkArgCount('generate', args, 1, 1), ['generate', { size: checkSize('generate', args[0]) }])),
    importSecret: (...args: unknown[]) => checked(() => (checkArgCount('importSecret', args, 1, 1), ['importSecret', checkImportInput(args[0])])),
    inspect: (...args: unknown[]) => checked(() => (checkArgCount('inspect', args, 1, 1), ['inspect', { id: checkId('inspect', args[0]) }])),
    list: (...args: unknown[]) => checked(() => (checkArgCount('list', args, 0, 0), ['list', undefined])),
    destroy: (...args: unknown[]) => checked(() => (checkArgCount('destroy', args, 1, 1), ['destroy', { id: checkId('destroy', args[0]) }])),
    run: (...args: unknown[]) =>
      checked(() => {
        checkArgCount('run', args, 2, 3);
        const [operation, id, runArgs] = args;
        const request = { operation: checkOperationName(operation), id: checkId('run', id), args: runArgs };
        checkPlainData(runArgs, 'run(args)');
        return ['run', request];
      }),
  };
  return Object.freeze(api);
}
