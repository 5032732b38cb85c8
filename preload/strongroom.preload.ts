// The sandboxed preload: one method per operation, nothing else. No
// ipcRenderer, no Electron event objects and no getters reach the page.
// Bundled to one CommonJS file by esbuild (a sandboxed preload cannot
// require local files).
import { contextBridge, ipcRenderer } from 'electron';

import { createBridgeApi } from './bridge-api';

contextBridge.exposeInMainWorld(
  'strongroom',
  createBridgeApi(
    (channel, payload) => ipcRenderer.invoke(channel, payload),
    // The event object stays here: the page's callback gets numbers only.
    (channel, listener) => ipcRenderer.on(channel, (_event, ...args: unknown[]) => listener(...args)),
  ),
);
