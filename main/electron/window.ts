// A BrowserWindow and session set up the way Electron's security checklist
// asks: sandboxed, isolated, no Node, no navigation, no new windows, no
// permissions, no DevTools in packaged builds.
import { app, BrowserWindow, type BrowserWindowConstructorOptions, type Session, type WebContents } from 'electron';

export function hardenedWebPreferences(preload: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload,
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
    devTools: !app.isPackaged,
  };
}

/** Every permission request and check is denied: a wallet needs none. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** No navigation away, no redirects, no new windows, no <webview>. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Applies hardenWebContents to every webContents the app ever creates. */
export function hardenAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

export function createHardenedWindow(options: { preload: string; url: string; title: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 360,
    minHeight: 480,
    title: options.title,
    show: false,
    backgroundColor: '#0f1216',
    webPreferences: hardenedWebPreferences(options.preload),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.url);
  return window;
}
