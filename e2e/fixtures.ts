// The `app` fixture: the same specs drive the real Electron app or, in the
// chromium project, renderer-demo over the real main-process handlers.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { _electron, expect, test as base, type BrowserContext, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';

import type { IpcMainLike } from '../main/ipc/register';
import { DEMO_ENTRY } from '../renderer-demo/packaging.forge';
import { electronBinary, HOW_TO_GET_ELECTRON, packagedOut, requireElectron } from './electron-binary';

const root = path.resolve(__dirname, '..');
const dist = (p: string) => path.join(root, 'dist', p);

/** The chromium project's stand-in for the app:// origin (*.localhost never leaves the machine). */
export const CHROMIUM_ORIGIN = 'http://strongroom.localhost';

export interface AppHandle {
  mode: 'chromium' | 'electron';
  page: Page;
  /** chromium only: a second window with its own webContents. */
  openWindow?: () => Promise<Page>;
  /** chromium only: every bridge response the pages received, as main sent it. */
  responses?: unknown[];
  /** chromium only: every message main sent to a frame (keystore progress). */
  pushed?: { frame: string; channel: string; args: unknown[] }[];
  /** chromium only: the bytes of every secret generate() made, seeds included (read in the test process). */
  generatedSecrets?: Buffer[];
  /** chromium only: the vault behind the bridge. */
  vault?: { stats(): { secrets: number } };
  electronApp?: ElectronApplication;
  screenshot(name: string): Promise<void>;
}

async function screenshotter(page: () => Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = path.join(root, 'test-results', 'screenshots', `${testInfo.project.name}-${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = await page().screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}

// Uint8Arrays cannot cross Playwright's binding serializer as such; this
// stands in for the structured clone that Electron's IPC does.
function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.$u8 === 'string' && Object.keys(v).length === 1) return new Uint8Array(Buffer.from(v.$u8, 'base64'));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return value;
}

function encode(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $u8: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, encode(x)]));
  return value;
}

// Runs in the page before any of its scripts: evaluates the SHIPPED preload
// bundle (dist/preload/strongroom.preload.bundle.js, the file the demo's
// window loads) with a minimal stand-in for require('electron'):
// contextBridge.exposeInMainWorld defines the property, and
// ipcRenderer.invoke calls the test transport. A missing or broken bundle
// fails every chromium test; nothing here rebuilds the bridge.
function installPreload(runBundle: (require: (name: string) => unknown, module: { exports: unknown }, exports: unknown) => void): void {
  const w = window as unknown as Record<string, unknown>;
  const transport = w.__strongroomTransport as (channel: string, payload: unknown) => Promise<unknown>;
  try {
    delete w.__strongroomTransport;
  } catch {
    // a binding may be non-configurable; the handlers check every call anyway
  }
  const toB64 = (u8: Uint8Array) => btoa(String.fromCharCode(...u8));
  const enc = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return { $u8: toB64(v) };
    if (Array.isArray(v)) return v.map(enc);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
    return v;
  };
  const electron = {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        // contextBridge hands the page a frozen copy on a property it cannot replace.
        Object.defineProperty(window, key, { value: api, enumerable: true, configurable: false, writable: false });
      },
    },
    ipcRenderer: {
      invoke: (channel: string, payload: unknown) => transport(channel, enc(payload)),
      // Main's messages to this frame (keystore progress) arrive through __strongroomPush, called by the test process.
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
        const listeners = (pushListeners[channel] ??= []);
        listeners.push(listener);
      },
    },
  };
  const pushListeners: Record<string, ((event: unknown, ...args: unknown[]) => void)[]> = {};
  Object.defineProperty(w, '__strongroomPush', {
    value: (channel: string, args: unknown[]) => {
      for (const listener of pushListeners[channel] ?? []) listener({}, ...args);
    },
  });
  const require = (name: string) => {
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return electron;
  };
  const module = { exports: {} };
  // The bundle is CommonJS: run it as Electron's sandboxed preload wrapper does, with require/module/exports.
  runBundle(require, module, module.exports);
}

async function chromiumApp(context: BrowserContext, testInfo: TestInfo, use: (app: AppHandle) => Promise<void>): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require(dist('main/index.js')) as typeof import('../main/index');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { demoOperations } = require(dist('renderer-demo/main/operations.js')) as typeof import('../renderer-demo/main/operations');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const policy = require(dist('main/electron/serve-policy.js')) as typeof import('../main/electron/serve-policy');

  const vault = new lib.SecretVault();
  const generatedSecrets: Buffer[] = [];
  // The demo's wallet is a seed (generate with kind 'seed' reaches generateSeed); plain secrets come from generate.
  for (const method of ['generate', 'generateSeed'] as const) {
    const original = vault[method].bind(vault);
    vault[method] = (size: number) => {
      const handle = original(size);
      vault.read(handle, (view: Uint8Array) => generatedSecrets.push(Buffer.from(view)));
      return handle;
    };
  }
  // The bridge's generate reaches the vault through main's generateValidatedSize
  // (its size already checked by the request schema), not the public methods:
  // recorded there too, so that every secret the page made is searched for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vaultModule = require(dist('main/vault.js')) as { generateValidatedSize: typeof import('../main/vault').generateValidatedSize };
  const validated = vaultModule.generateValidatedSize;
  vaultModule.generateValidatedSize = (target, size, kind) => {
    const handle = validated(target, size, kind);
    if (target === vault) vault.read(handle, (view: Uint8Array) => generatedSecrets.push(Buffer.from(view)));
    return handle;
  };
  type Listener = Parameters<IpcMainLike['handle']>[1];
  const handlers = new Map<string, Listener>();
  const ipc: IpcMainLike = {
    handle: (c, fn) => handlers.set(c, fn),
    removeHandler: (c: string) => handlers.delete(c),
  };
  const bridge = lib.registerVaultIpc(ipc, vault, { origin: CHROMIUM_ORIGIN, operations: demoOperations });

  // Pages are answered by the app:// protocol handler's own code (same
  // files, same CSP and other headers, same 404s), only on an http origin.
  const serve = policy.createAppRequestHandler(path.join(root, 'renderer-demo'), new URL(CHROMIUM_ORIGIN).host);
  await context.route(`${CHROMIUM_ORIGIN}/**`, async (route) => {
    const response: Response = await serve({ url: route.request().url(), method: route.request().method() });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return route.fulfill({ status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) });
  });

  // One fake webContents per page: ids are bound to it, and it "closes"
  // and commits a new document when the page does. Each page's main frame
  // stands for one RenderFrameHost (processId = the page's id, routingId 1).
  const contents = new Map<Page, EventEmitter & { id: number; mainFrame: { processId: number; routingId: number } }>();
  let nextId = 1;
  const contentsOf = (page: Page) => {
    let wc = contents.get(page);
    if (wc === undefined) {
      const id = nextId++;
      const created = Object.assign(new EventEmitter(), { id, mainFrame: { processId: id, routingId: 1 } });
      contents.set(page, created);
      page.on('close', () => created.emit('destroyed'));
      // Playwright reports every main-frame commit, fragment changes too; a
      // move to a #fragment of the same URL stays in the document, anything
      // else (reloads included) is a new one.
      let last = '';
      page.on('framenavigated', (frame) => {
        if (frame !== page.mainFrame()) return;
        const url = frame.url();
        const sameDocument = url.includes('#') && url.replace(/#.*$/, '') === last.replace(/#.*$/, '');
        if (!sameDocument) created.emit('did-navigate', {}, url, 200, 'OK');
        last = url;
      });
      wc = created;
    }
    return wc;
  };

  const responses: unknown[] = [];
  const pushed: { frame: string; channel: string; args: unknown[] }[] = [];
  await context.exposeBinding('__strongroomTransport', async (source, channel: string, payload: unknown) => {
    const handler = handlers.get(channel);
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
    const frame = source.frame;
    const sender = contentsOf(source.page);
    const url = frame.url();
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      origin = 'null';
    }
    const isMain = frame.parentFrame() === null;
    const event = {
      sender,
      senderFrame: {
        url,
        origin,
        parent: isMain ? null : {},
        processId: sender.mainFrame.processId,
        routingId: isMain ? 1 : 2,
        // WebFrameMain.send: to this frame only.
        send: (channel: string, ...args: unknown[]) => {
          pushed.push({ frame: frame.url(), channel, args });
          frame
            .evaluate(([c, a]) => (window as unknown as { __strongroomPush(c: string, a: unknown[]): void }).__strongroomPush(c, a), [
              channel,
              args,
            ] as const)
            .catch(() => undefined);
        },
      },
    };
    const response = await handler(event, decode(payload));
    responses.push(response);
    return encode(response);
  });
  // The bundle's text is wrapped in a function here (not eval'd in the page:
  // the page's CSP forbids eval), and runs before any of the page's scripts.
  const preloadSource = fs.readFileSync(dist('preload/strongroom.preload.bundle.js'), 'utf8');
  await context.addInitScript(`(${installPreload.toString()})(function (require, module, exports) {\n${preloadSource}\n});`);

  const open = async () => {
    const page = await context.newPage();
    contentsOf(page);
    await page.goto(`${CHROMIUM_ORIGIN}/index.html`);
    return page;
  };
  const page = await open();
  await use({
    mode: 'chromium',
    page,
    openWindow: open,
    responses,
    pushed,
    generatedSecrets,
    vault,
    screenshot: (name) => screenshotter(() => page, testInfo, name),
  });
  bridge.dispose();
  vault.destroyAll();
}

/** Where the addon the app's main process loaded came from, as the library's loader recorded it (doctor shows the same). */
interface LoadedAddonFile {
  kind: string;
  file: string;
  /** The library module that loaded it (dist/main/native.js, inside app.asar when packaged). */
  library: string;
}

/**
 * Which addon file Electron's main process loaded: read from the library's
 * own record (addonSource) in the main process's module cache, then checked
 * against what the file should be: the prebuild where one is expected
 * (STRONGROOM_EXPECT_PREBUILD=1), a file inside the package for the packaged
 * app, and otherwise the very file Node's loader picks in the checkout.
 */
async function expectAddonFile(app: ElectronApplication, testInfo: TestInfo, appDir: string | null): Promise<void> {
  const loaded = await app.evaluate((): LoadedAddonFile | null => {
    // Electron 45's Node (22.x) has process.getBuiltinModule; require.cache is Module._cache.
    const { createRequire } = (process as unknown as { getBuiltinModule(id: string): typeof import('node:module') }).getBuiltinModule(
      'node:module',
    );
    const cache = createRequire(process.execPath).cache;
    const library = Object.keys(cache).find((file) => /[\\/]dist[\\/]main[\\/]native\.js$/.test(file));
    const source =
      library === undefined ? undefined : (cache[library]?.exports as { addonSource?: { kind: string; file: string } }).addonSource;
    return library === undefined || source === undefined ? null : { kind: source.kind, file: source.file, library };
  });
  expect(loaded, "the app's main process loaded the library (dist/main/native.js) and its addon").not.toBeNull();
  const { kind, file, library } = loaded!;
  testInfo.annotations.push({ type: 'addon', description: `${kind} ${file}` });
  expect(fs.existsSync(file), `the loaded addon ${file} exists`).toBe(true);
  if (process.env.STRONGROOM_EXPECT_PREBUILD === '1') {
    expect(kind, `a prebuild, not ${file}`).toBe('prebuild');
    expect(path.basename(path.dirname(file))).toBe(`${process.platform}-${process.arch}`);
  }
  if (appDir !== null) {
    // The packaged app loads only what it ships: the addon unpacked next to app.asar, never the checkout's.
    expect(path.relative(appDir, library).startsWith('..'), `the library ${library} is inside the packaged app ${appDir}`).toBe(false);
    expect(path.relative(appDir, file).startsWith('..'), `the addon ${file} is inside the packaged app ${appDir}`).toBe(false);
    expect(file.split(path.sep)).toContain('app.asar.unpacked');
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loader = require(dist('main/addon-loader.js')) as typeof import('../main/addon-loader');
    const candidates: { kind: string; file: string }[] = loader.addonCandidates(root, loader.currentTarget());
    const expected = candidates.find((c) => fs.existsSync(c.file));
    expect({ kind, file: path.resolve(file) }).toEqual({ kind: expected?.kind, file: expected ? path.resolve(expected.file) : undefined });
  }
}

async function electronApp(testInfo: TestInfo, use: (app: AppHandle) => Promise<void>): Promise<void> {
  const found = electronBinary();
  if ('missing' in found) {
    if (requireElectron) {
      // Where a binary is expected (STRONGROOM_REQUIRE_ELECTRON=1, the GitHub Actions matrix), its absence is a failure.
      throw new Error(`electron project: ${found.missing}, and STRONGROOM_REQUIRE_ELECTRON=1 requires it. ${HOW_TO_GET_ELECTRON}`);
    }
    testInfo.annotations.push({ type: 'not run', description: `${found.missing}. ${HOW_TO_GET_ELECTRON}` });
    testInfo.skip(true, `electron project not run: ${found.missing}`);
    return;
  }
  const packaged = packagedOut !== null && 'appDir' in found ? (found as { appDir: string }).appDir : null;
  const app = await _electron.launch({
    executablePath: found.path,
    // The checkout: the demo's own entry (package.json "main" is the library,
    // which starts nothing). Electron's default app imports a .js path given
    // as its first non-switch argument, the way npm start (electron-forge
    // start --app-path) does. The packaged app starts its own entry.
    args: packaged === null ? [path.join(root, DEMO_ENTRY)] : [],
    cwd: root,
    // On Linux Playwright puts --no-sandbox on Electron's command line unless
    // this is true, which would run the renderer unsandboxed and test a
    // different app from the one users get.
    chromiumSandbox: true,
    // With executablePath set, Playwright does not preload its loader
    // (playwright-core server/electron/loader.js, added with -r only when it
    // resolves the electron package itself). Without it:
    //  - app 'ready' is not held back until Playwright has attached, so the
    //    demo may open its window first. firstWindow() still returns it: the
    //    client starts from the pages already in the context and otherwise
    //    waits for the 'window' event.
    //  - app.evaluate() still works: Playwright takes require('electron')
    //    from the main process's inspector, not from the loader.
    //  - Playwright's Chromium switches are not appended, and process.argv
    //    keeps Playwright's --inspect=0 --remote-debugging-port=0.
  });
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await expectAddonFile(app, testInfo, packaged);
    await use({ mode: 'electron', page, electronApp: app, screenshot: (name) => screenshotter(() => page, testInfo, name) });
  } finally {
    await app.close();
  }
}

export const test = base.extend<{ app: AppHandle }>({
  // Not the `browser` fixture: the electron project must not launch a browser.
  app: async ({ playwright }, use, testInfo) => {
    if (testInfo.project.name === 'electron') {
      await electronApp(testInfo, use);
      return;
    }
    const browser = await playwright.chromium.launch(testInfo.project.use.launchOptions);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await chromiumApp(context, testInfo, use);
    } finally {
      await context.close();
      await browser.close();
    }
  },
});

export { expect } from '@playwright/test';
