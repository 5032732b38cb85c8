// The preload exposes exactly the allow-listed methods, and nothing else.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as vm from 'node:vm';

import { BRIDGE_METHODS } from '../../bridge/contract';
import { createBridgeApi } from '../../preload/bridge-api';
import { packageRoot } from './support/helpers';

const bundle = path.join(packageRoot, 'dist', 'preload', 'strongroom.preload.bundle.js');

test('createBridgeApi builds exactly the allow-listed methods, frozen, no getters', () => {
  const api = createBridgeApi(async () => ({ ok: true, value: null }));
  assert.deepEqual(Object.keys(api).sort(), [...BRIDGE_METHODS].sort());
  assert.ok(Object.isFrozen(api));
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(api))) {
    assert.equal(typeof descriptor.value, 'function', `${name} is a plain function value`);
    assert.equal(descriptor.get, undefined);
  }
});

test('bridge errors reject with the code in the message; malformed answers are errors too', async () => {
  const failing = createBridgeApi(async () => ({ ok: false, error: { code: 'INVALID_HANDLE', message: 'no such secret' } }));
  await assert.rejects(failing.inspect('x'), /^Error: INVALID_HANDLE: no such secret$/);
  const garbage = createBridgeApi(async () => 'surprise');
  await assert.rejects(garbage.list(), /^Error: OS_ERROR: malformed bridge response$/);
});

test('the bundled preload exposes only window.strongroom, with only the allow-listed methods', () => {
  assert.ok(fs.existsSync(bundle), `run npm run build first: ${bundle}`);
  const source = fs.readFileSync(bundle, 'utf8');
  const exposed: [string, unknown][] = [];
  const invoked: [string, unknown][] = [];
  const required: string[] = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
    ipcRenderer: {
      invoke: (channel: string, payload: unknown) => {
        invoked.push([channel, payload]);
        return Promise.resolve({ ok: true, value: [] });
      },
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
  assert.doesNotMatch(source, /ipcRenderer\.(on|send|sendSync|postMessage)\b/, 'no listener or send path');
});
