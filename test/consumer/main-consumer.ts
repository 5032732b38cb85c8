// An Electron main-process consumer (electron's types installed).
import * as path from 'node:path';

import { app, ipcMain, session } from 'electron';
import { SecretVault } from 'strongroom';
import {
  createHardenedWindow,
  hardenAllWebContents,
  hardenSession,
  registerAppScheme,
  registerVaultIpc,
  serveDirectory,
} from 'strongroom/electron';

registerAppScheme('app');
hardenAllWebContents();
void app.whenReady().then(() => {
  hardenSession(session.defaultSession);
  serveDirectory(session.defaultSession, 'app', 'wallet', path.join(__dirname, 'ui'));
  const vault = new SecretVault();
  const bridge = registerVaultIpc(ipcMain, vault, { origin: 'app://wallet', operations: { size: (secret) => secret.length } });
  createHardenedWindow({ title: 'Wallet', preload: require.resolve('strongroom/preload'), url: 'app://wallet/index.html' });
  app.on('before-quit', () => bridge.dispose());
});
