// The hardened window, session, webContents and app:// protocol helpers,
// run against a stand-in electron module: exact values, and every handler
// called to see what it does.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';

import { at, must } from './support/assertions';
import { createElectronStandIn, FakeWebContents, HARDENED, installElectronStandIn } from './support/electron-stand-in';
import { EXPECTED_CSP } from './support/csp';

const { electron, record } = createElectronStandIn();
const uninstall = installElectronStandIn(electron);
after(uninstall);
// Loaded after the stand-in is in place: these modules require('electron').
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helpers = require('../../main/electron') as typeof import('../../main/electron');

const SECURITY_HEADERS = {
  // The literal policy (helpers.ts), never the product's own constant: a
  // loosened constant would otherwise be served and expected alike.
  'content-security-policy': EXPECTED_CSP,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

test('hardenedWebPreferences: exactly the hardened set; DevTools only when not packaged', () => {
  assert.deepEqual(helpers.hardenedWebPreferences('/app/preload.js'), { preload: '/app/preload.js', ...HARDENED, devTools: true });
  electron.app.isPackaged = true;
  try {
    assert.deepEqual(helpers.hardenedWebPreferences('/app/preload.js'), { preload: '/app/preload.js', ...HARDENED, devTools: false });
  } finally {
    electron.app.isPackaged = false;
  }
});

test('hardenSession: every permission request, check and device request is denied', () => {
  const session = electron.session as { defaultSession: never };
  helpers.hardenSession(session.defaultSession);
  for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'usb']) {
    const answers: unknown[] = [];
    (record.permissionRequestHandler as (wc: unknown, p: string, cb: (granted: boolean) => void, details: unknown) => void)(
      {},
      permission,
      (granted) => answers.push(granted),
      {},
    );
    assert.deepEqual(answers, [false], `request ${permission}`);
    assert.equal(
      (record.permissionCheckHandler as (wc: unknown, p: string, origin: string, details: unknown) => boolean)(
        {},
        permission,
        'app://strongroom',
        {},
      ),
      false,
      `check ${permission}`,
    );
  }
  assert.equal((record.devicePermissionHandler as (details: unknown) => boolean)({ deviceType: 'usb', origin: 'app://strongroom' }), false);
});

function fakeEvent() {
  const event = { prevented: false, preventDefault: () => (event.prevented = true) };
  return event;
}

test('hardenWebContents: navigation, redirects and <webview> are prevented; new windows denied', () => {
  const contents = new FakeWebContents();
  helpers.hardenWebContents(contents as never);
  for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
    const event = fakeEvent();
    contents.emit(name, event, 'https://evil.example/');
    assert.equal(event.prevented, true, name);
  }
  assert.deepEqual(must(contents.windowOpenHandler, 'a window-open handler')({ url: 'https://evil.example/', disposition: 'new-window' }), {
    action: 'deny',
  });
  assert.deepEqual(
    must(contents.windowOpenHandler, 'a window-open handler')({ url: 'app://strongroom/index.html', disposition: 'foreground-tab' }),
    {
      action: 'deny',
    },
  );
});

test('hardenAllWebContents hardens every webContents the app creates; createHardenedWindow opens one hardened window', () => {
  helpers.hardenAllWebContents();
  const created = new FakeWebContents();
  electron.app.emit('web-contents-created', {}, created);
  const event = fakeEvent();
  created.emit('will-navigate', event, 'https://evil.example/');
  assert.equal(event.prevented, true);
  assert.deepEqual(created.windowOpenHandler?.({ url: 'https://evil.example/' }), { action: 'deny' });

  const before = record.windows.length;
  helpers.createHardenedWindow({ preload: '/app/p.js', url: 'app://strongroom/index.html', title: 'T' });
  assert.equal(record.windows.length, before + 1);
  const window = at(record.windows, before, 'the new window');
  assert.deepEqual(window.options, {
    width: 1280,
    height: 800,
    minWidth: 360,
    minHeight: 480,
    title: 'T',
    show: false,
    backgroundColor: '#0f1216',
    webPreferences: { preload: '/app/p.js', ...HARDENED, devTools: true },
  });
  assert.deepEqual(window.urls, ['app://strongroom/index.html']);
});

test('registerAppScheme makes the scheme standard and secure, nothing more', () => {
  helpers.registerAppScheme('app');
  assert.deepEqual(record.privilegedSchemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
});

test('the app:// handler: exact headers on every answer, 404 for missing, escaping, foreign and unknown files', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'strongroom-serve-'));
  const root = path.join(base, 'pages');
  fs.mkdirSync(path.join(root, 'css'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><p>hi</p>');
  fs.writeFileSync(path.join(root, 'css', 'a.css'), 'p{}');
  fs.writeFileSync(path.join(root, 'main.ts'), 'secret source');
  fs.writeFileSync(path.join(base, 'outside.html'), 'outside');
  try {
    helpers.serveDirectory((electron.session as { defaultSession: never }).defaultSession, 'app', 'strongroom', root);
    const handle = record.protocolHandlers.get('app')!;
    const get = async (url: string, method = 'GET') => {
      const response = await handle(new Request(url, { method }));
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      return { status: response.status, headers, body: await response.text() };
    };
    for (const url of ['app://strongroom/index.html', 'app://strongroom/']) {
      assert.deepEqual(
        await get(url),
        {
          status: 200,
          headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' },
          body: '<!doctype html><p>hi</p>',
        },
        url,
      );
    }
    assert.deepEqual((await get('app://strongroom/css/a.css')).headers, { ...SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8' });
    const notFound = { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }, body: 'not found' };
    for (const [url, method] of [
      ['app://strongroom/missing.html', 'GET'],
      ['app://strongroom/%2e%2e/outside.html', 'GET'],
      ['app://strongroom/..%2foutside.html', 'GET'],
      ['app://strongroom/css/..%2f..%2foutside.html', 'GET'],
      ['app://strongroom/%00.html', 'GET'],
      ['app://strongroom/main.ts', 'GET'],
      ['app://elsewhere/index.html', 'GET'],
      ['app://strongroom/index.html', 'POST'],
    ] as const) {
      assert.deepEqual(await get(url, method), notFound, `${method} ${url}`);
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
