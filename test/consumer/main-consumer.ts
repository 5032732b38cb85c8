// An Electron main-process consumer (electron's types installed).
import * as path from 'node:path';

import { app, ipcMain, session } from 'electron';
import { SecretVault } from 'strongroom';
import {
  bytesOperation,
  createHardenedWindow,
  hardenAllWebContents,
  hardenSession,
  registerAppScheme,
  registerVaultIpc,
  serveDirectory,
  type Operation,
} from 'strongroom/electron';

// The default: a capability for the secret, never its bytes.
const sign: Operation = (seed) => {
  const account = seed.deriveKey("m/44'/60'/0'/0/0");
  const { signature, recoveryId } = account.sign(new Uint8Array(32), { scheme: 'ecdsa' });
  return { signature: Array.from(signature), recoveryId: recoveryId ?? null, fingerprint: account.fingerprint, kind: seed.kind };
};

registerAppScheme('app');
hardenAllWebContents();
void app.whenReady().then(() => {
  hardenSession(session.defaultSession);
  serveDirectory(session.defaultSession, 'app', 'wallet', path.join(__dirname, 'ui'));
  const vault = new SecretVault();
  const bridge = registerVaultIpc(ipcMain, vault, {
    origin: 'app://wallet',
    operations: { sign, size: bytesOperation((secret) => secret.length) },
  });
  bridge.registerOperation('length', (secret) => secret.byteLength, { access: 'bytes' });
  createHardenedWindow({ title: 'Wallet', preload: require.resolve('strongroom/preload'), url: 'app://wallet/index.html' });
  app.on('before-quit', () => bridge.dispose());
});
