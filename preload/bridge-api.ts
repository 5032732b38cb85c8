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

export type Invoke = (channel: string, payload: unknown) => Promise<unknown>;

function unwrap<T>(response: unknown): T {
  const r = response as BridgeResponse<T> | null;
  if (r !== null && typeof r === 'object' && r.ok === true) return r.value;
  const error = r !== null && typeof r === 'object' && r.ok === false ? r.error : { code: 'OS_ERROR', message: 'malformed bridge response' };
  // contextBridge copies Errors without custom properties: the code travels in the message.
  throw new Error(`${error.code}: ${error.message}`);
}

export function createBridgeApi(invoke: Invoke): StrongroomBridge {
  const call = async <T>(method: BridgeMethod, payload: unknown): Promise<T> => unwrap<T>(await invoke(channelFor(method), payload));
  const api: StrongroomBridge = {
    status: () => call('status', undefined),
    generate: (size: number) => call('generate', { size }),
    importSecret: (input: ImportInput) => call('importSecret', typeof input === 'string' ? { text: input } : { bytes: input }),
    inspect: (id: string) => call('inspect', { id }),
    list: () => call('list', undefined),
    destroy: (id: string) => call('destroy', { id }),
    run: (operation: string, id: string, args?: unknown) => call('run', { operation, id, args }),
  };
  return Object.freeze(api);
}
