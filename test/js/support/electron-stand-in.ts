// A stand-in for the `electron` module, for code that can only run inside
// Electron: it records what main-process code asks of Electron (windows,
// handlers, schemes, session policies) so tests can check it in plain Node.
// installElectronStandIn() makes require('electron') return it.
import { EventEmitter } from 'node:events';
import Module from 'node:module';

type Fn = (...args: never[]) => unknown;

export class FakeWebContents extends EventEmitter {
  windowOpenHandler?: (details: unknown) => unknown;
  setWindowOpenHandler(handler: (details: unknown) => unknown): void {
    this.windowOpenHandler = handler;
  }
}

export interface StandInRecord {
  privilegedSchemes: unknown[];
  windows: { options: Record<string, unknown>; urls: string[]; contents: FakeWebContents }[];
  ipcHandlers: Map<string, Fn>;
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  permissionRequestHandler?: Fn;
  permissionCheckHandler?: Fn;
  devicePermissionHandler?: Fn;
}

export interface ElectronStandIn {
  electron: {
    app: EventEmitter & { isPackaged: boolean; whenReady(): Promise<void>; quit(): void };
    [name: string]: unknown;
  };
  record: StandInRecord;
}

export function createElectronStandIn(options: { isPackaged?: boolean } = {}): ElectronStandIn {
  const record: StandInRecord = { privilegedSchemes: [], windows: [], ipcHandlers: new Map(), protocolHandlers: new Map() };
  const app = Object.assign(new EventEmitter(), {
    isPackaged: options.isPackaged ?? false,
    whenReady: () => Promise.resolve(),
    quit: () => undefined,
  });
  class BrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents();
    readonly #entry: { options: Record<string, unknown>; urls: string[]; contents: FakeWebContents };
    constructor(windowOptions: Record<string, unknown>) {
      super();
      this.#entry = { options: windowOptions, urls: [], contents: this.webContents };
      record.windows.push(this.#entry);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.#entry.urls.push(url);
      return Promise.resolve();
    }
    show(): void {}
  }
  const defaultSession = {
    setPermissionRequestHandler: (handler: Fn) => (record.permissionRequestHandler = handler),
    setPermissionCheckHandler: (handler: Fn) => (record.permissionCheckHandler = handler),
    setDevicePermissionHandler: (handler: Fn) => (record.devicePermissionHandler = handler),
    protocol: {
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => record.protocolHandlers.set(scheme, handler),
    },
  };
  const electron = {
    app,
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: Fn) => {
        if (record.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        record.ipcHandlers.set(channel, handler);
      },
      removeHandler: (channel: string) => record.ipcHandlers.delete(channel),
    },
    session: { defaultSession },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => record.privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => record.protocolHandlers.set(scheme, handler),
    },
    net: { fetch: (input: string | Request) => fetch(input) },
  };
  return { electron, record };
}

/** Makes require('electron') (and imports that become it) return `electron` until the returned function is called. */
export function installElectronStandIn(electron: unknown): () => void {
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const load = mod._load;
  mod._load = function (request, parent, isMain) {
    if (request === 'electron' || request === 'electron/main') return electron;
    return load.call(this, request, parent, isMain);
  };
  return () => {
    mod._load = load;
  };
}

/** The webPreferences every strongroom window must have, as the security checklist asks (besides preload and devTools). */
export const HARDENED = Object.freeze({
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
});
