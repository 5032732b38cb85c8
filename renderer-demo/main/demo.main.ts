// The demo wallet's Electron main process: the reference for how an app
// adopts Strongroom. This file is the app's entry point (npm start passes it
// to Electron; packaging makes it the packaged package.json's "main"), so it
// starts the demo as soon as it is loaded, however it is loaded: Electron 28+
// imports the entry through the ESM loader, where require.main is undefined.
import * as path from 'node:path';

import { app, ipcMain, session } from 'electron';

import { hardening, SecretVault } from '../../main';
import {
  createHardenedWindow,
  hardenAllWebContents,
  hardenSession,
  registerAppScheme,
  registerVaultIpc,
  serveDirectory,
} from '../../main/electron';
import { demoOperations } from './operations';

const SCHEME = 'app';
const HOST = 'strongroom';
const ORIGIN = `${SCHEME}://${HOST}`;

// Process hardening first, before any secret exists. A refusal is reported,
// and the status panel then shows core dumps as failing: the OS decides.
try {
  if (process.platform === 'win32') hardening.suppressWindowsErrorDialogs();
  else hardening.disableCoreDumps();
} catch (error) {
  console.error(`strongroom demo: process hardening refused: ${(error as Error).message}`);
}

registerAppScheme(SCHEME); // must happen before 'ready'
hardenAllWebContents();

// dist/renderer-demo/main/ -> the package (or app.asar) root
const appRoot = path.resolve(__dirname, '..', '..', '..');

void app.whenReady().then(() => {
  hardenSession(session.defaultSession);
  serveDirectory(session.defaultSession, SCHEME, HOST, path.join(appRoot, 'renderer-demo'));

  const vault = new SecretVault({ lockPolicy: 'require' });
  const bridge = registerVaultIpc(ipcMain, vault, { origin: ORIGIN, operations: demoOperations });

  createHardenedWindow({
    title: 'Strongroom demo wallet',
    preload: path.join(appRoot, 'dist', 'preload', 'strongroom.preload.bundle.js'),
    url: `${ORIGIN}/index.html`,
  });

  app.on('before-quit', () => {
    bridge.dispose();
    vault.destroyAll();
  });
});

app.on('window-all-closed', () => app.quit());
