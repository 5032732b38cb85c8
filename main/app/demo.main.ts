// The demo wallet's Electron main process: the reference for how an app
// adopts Strongroom. Runs only inside Electron (npm start, packaged builds).
import * as path from 'node:path';

import { app, ipcMain, session } from 'electron';

import { hardening } from '../hardening';
import { registerVaultIpc } from '../ipc/register';
import { SecretVault } from '../vault';
import { registerAppScheme, serveDirectory } from '../electron/protocol';
import { createHardenedWindow, hardenAllWebContents, hardenSession } from '../electron/window';
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

// dist/main/app/ -> the package (or app.asar) root
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
