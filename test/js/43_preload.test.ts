// The preload exposes exactly the allow-listed methods, and nothing else.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as vm from 'node:vm';

import { BRIDGE_METHODS, KEYSTORE_PROGRESS_CHANNEL } from '../../bridge/contract';
import { createBridgeApi } from '../../preload/bridge-api';
import { at } from './support/assertions';
import { packageRoot } from './support/platform';

const bundle = path.join(packageRoot, 'dist', 'preload', 'strongroom.preload.bundle.js');

test('createBridgeApi builds exactly the allow-listed methods, frozen, no getters', () => {
  const api = createBridgeApi(() => Promise.resolve({ ok: true, value: null }));
  assert.deepEqual(Object.keys(api).sort(), [...BRIDGE_METHODS].sort());
  assert.ok(Object.isFrozen(api));
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(api))) {
    assert.equal(typeof descriptor.value, 'function', `${name} is a plain function value`);
    assert.equal(typeof descriptor.get, 'undefined', `${name} has no getter`);
  }
});

test('bridge errors reject with the code in the message; malformed answers are errors too', async () => {
  const failing = createBridgeApi(() => Promise.resolve({ ok: false, error: { code: 'INVALID_HANDLE', message: 'no such secret' } }));
  await assert.rejects(failing.inspect('x'), /^Error: INVALID_HANDLE: no such secret$/);
  const garbage = createBridgeApi(() => Promise.resolve('surprise'));
  await assert.rejects(garbage.list(), /^Error: OS_ERROR: malformed bridge response$/);
});

test('the bundled preload exposes only window.strongroom, with only the allow-listed methods', async () => {
  assert.ok(fs.existsSync(bundle), `run npm run build first: ${bundle}`);
  const source = fs.readFileSync(bundle, 'utf8');
  const exposed: [string, unknown][] = [];
  const invoked: [string, unknown][] = [];
  const required: string[] = [];
  const listeners: [string, (...args: unknown[]) => void][] = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
    ipcRenderer: {
      invoke: (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return Promise.resolve({ ok: true, value: [] });
      },
      on: (channel: string, listener: (...args: unknown[]) => void) => listeners.push([channel, listener]),
    },
  };
  const sandbox = {
    require: (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return fakeElectron;
    },
    module: { exports: {} },
    exports: {},
  };
  vm.runInNewContext(source, sandbox, { filename: bundle });
  assert.deepEqual(required, ['electron'], 'one file: nothing but electron is required');
  assert.equal(exposed.length, 1);
  const [key, api] = exposed[0] as [string, Record<string, unknown>];
  assert.equal(key, 'strongroom');
  assert.deepEqual(Object.keys(api).sort(), [...BRIDGE_METHODS].sort());
  void (api.list as () => Promise<unknown>)();
  assert.deepEqual(invoked, [['strongroom:list', undefined]]);
  assert.doesNotMatch(source, /ipcRenderer\.(send|sendSync|postMessage)\b/, 'no send path');
  // One listener: keystore progress. The page's callback gets two numbers, never the event.
  assert.deepEqual(
    listeners.map(([channel]) => channel),
    [KEYSTORE_PROGRESS_CHANNEL],
  );
  const reports: unknown[] = [];
  const call = (api.importKeystore as (...args: unknown[]) => Promise<unknown>)('{}', new Uint8Array([1]), {
    onProgress: (...args: unknown[]) => reports.push(args),
  });
  const [, payload] = at(invoked, 1, 'the importKeystore call') as [string, { progress: number }];
  assert.ok(payload.progress > 0, 'a progress id was sent');
  const event = { sender: { send: () => undefined }, ports: [] };
  const [, listener] = at(listeners, 0, 'the progress listener');
  listener(event, payload.progress, 5, 10);
  listener(event, payload.progress + 1, 6, 10); // another call's: not this callback's
  listener(event, payload.progress, '7', 10); // not numbers: dropped
  assert.deepEqual(JSON.parse(JSON.stringify(reports)), [[{ done: 5, total: 10 }]]);
  await call.catch(() => undefined);
});
