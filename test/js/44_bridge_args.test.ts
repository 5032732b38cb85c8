// createBridgeApi checks every argument before sending: anything that is not
// plain, structured-cloneable data of the right type is refused with
// "INVALID_ARGUMENT: ..." and nothing reaches the transport.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as vm from 'node:vm';

import type { BridgeMethod } from '../../bridge/contract';
import { createBridgeApi } from '../../preload/bridge-api';
import { at } from './support/assertions';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

function recordingApi() {
  const sent: [string, unknown][] = [];
  const api = createBridgeApi((channel, payload) => {
    sent.push([channel, payload]);
    return Promise.resolve({ ok: true, value: 'sent' });
  });
  return { api: api as unknown as Record<BridgeMethod, (...args: unknown[]) => Promise<unknown>>, sent };
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

test('bad arguments are refused in the bridge with INVALID_ARGUMENT, and nothing is sent', async () => {
  let getterRan = false;
  const getter = Object.defineProperty({}, 'x', {
    enumerable: true,
    get() {
      getterRan = true;
      return 1;
    },
  });
  class Custom {
    a = 1;
  }
  const otherRealmMap = vm.runInNewContext('new Map([[1, 2]])') as unknown;
  const cases: [BridgeMethod, unknown[]][] = [
    ['generate', [{ toString: () => 32 }]],
    ['generate', [{ valueOf: () => 32 }]],
    ['generate', ['32']],
    ['generate', [1.5]],
    ['generate', [Number.NaN]],
    ['generate', [2 ** 53]],
    ['generate', [32n]],
    ['generate', []],
    ['generate', [32, 'extra']],
    ['importSecret', [null]],
    ['importSecret', [[1, 2, 3]]],
    ['importSecret', [new Uint16Array(4)]],
    ['importSecret', [new DataView(new ArrayBuffer(4))]],
    ['importSecret', [new ArrayBuffer(4)]],
    ['importSecret', [{ length: 1, 0: 7 }]],
    ['importSecret', [{ toString: () => 'pw' }]],
    ['importSecret', ['x'.repeat(400_000)]],
    ['inspect', [42]],
    ['inspect', [{ toString: () => ID }]],
    ['inspect', ['x'.repeat(65)]],
    ['inspect', []],
    ['destroy', []],
    ['destroy', [Symbol('id')]],
    ['status', [1]],
    ['list', ['all']],
    ['run', [42, ID]],
    ['run', ['wallet.sign']],
    ['run', ['wallet.sign', 42]],
    ['run', ['wallet.sign', ID, { message: 'm' }, 'extra']],
    ['run', ['wallet.sign', ID, { message: () => 'm' }]],
    ['run', ['wallet.sign', ID, () => 1]],
    ['run', ['wallet.sign', ID, Symbol('s')]],
    ['run', ['wallet.sign', ID, { [Symbol('s')]: 1 }]],
    ['run', ['wallet.sign', ID, 10n]],
    ['run', ['wallet.sign', ID, { n: Number.POSITIVE_INFINITY }]],
    ['run', ['wallet.sign', ID, getter]],
    ['run', ['wallet.sign', ID, new Custom()]],
    ['run', ['wallet.sign', ID, new Date(0)]],
    ['run', ['wallet.sign', ID, new Map()]],
    ['run', ['wallet.sign', ID, otherRealmMap]],
    ['run', ['wallet.sign', ID, Promise.resolve(1)]],
    ['run', ['wallet.sign', ID, new Uint32Array(2)]],
    ['run', ['wallet.sign', ID, Object.assign([1, 2], { isAdmin: true })]],
    ['run', ['wallet.sign', ID, JSON.parse('{"__proto__": {"polluted": true}}')]],
    ['run', ['wallet.sign', ID, { constructor: 1 }]],
    ['run', ['wallet.sign', ID, nested(9)]],
    ['run', ['wallet.sign', ID, new Array(1001).fill(0)]],
    ['run', ['wallet.sign', ID, 'z'.repeat(600_000)]],
    ['exportKeystore', [ID]],
    ['exportKeystore', [ID, 'password']],
    ['exportKeystore', [ID, [1, 2, 3]]],
    ['exportKeystore', [ID, new Uint16Array(2)]],
    ['exportKeystore', [ID, new Uint8Array(0)]],
    ['exportKeystore', [ID, new Uint8Array(1), { n: 1.5 }]],
    ['exportKeystore', [ID, new Uint8Array(1), { n: '1024' }]],
    ['exportKeystore', [ID, new Uint8Array(1), { onProgress: 'not a function' }]],
    ['exportKeystore', [ID, new Uint8Array(1), { admin: true }]],
    ['exportKeystore', [ID, new Uint8Array(1), getter]],
    ['exportKeystore', [ID, new Uint8Array(1), new Custom()]],
    ['importKeystore', ['{}']],
    ['importKeystore', [{}, new Uint8Array(1)]],
    ['importKeystore', ['', new Uint8Array(1)]],
    ['importKeystore', ['x'.repeat(20_000), new Uint8Array(1)]],
    ['importKeystore', ['{}', new Uint8Array(1), { n: 1 }]],
    ['importKeystore', ['{}', new Uint8Array(1), {}, 'extra']],
    ['importKeystore', ['{}', new Uint8Array(1), { job: 7 }]],
    ['importKeystore', ['{}', new Uint8Array(1), { signal: new AbortController().signal }]],
    ['exportKeystore', [ID, new Uint8Array(1), { job: { name: 'a' } }]],
    ['exportKeystore', [ID, new Uint8Array(1), { signal: {} }]],
    ['cancelKeystore', []],
    ['cancelKeystore', [7]],
    ['cancelKeystore', [null]],
    ['cancelKeystore', ['x'.repeat(65)]],
    ['cancelKeystore', ['a', 'b']],
  ];
  for (const [method, args] of cases) {
    const { api, sent } = recordingApi();
    const label = `${method}(${args.map((a) => typeof a).join(', ')})`;
    let result: unknown;
    let threw = false;
    try {
      result = api[method](...args);
    } catch {
      threw = true;
    }
    assert.equal(threw, false, `${label} rejects, it does not throw synchronously`);
    await assert.rejects(
      result as Promise<unknown>,
      (e: unknown) => e instanceof Error && /^INVALID_ARGUMENT: .{10,}/.test(e.message),
      label,
    );
    assert.deepEqual(sent, [], `${label}: nothing was sent`);
  }
  assert.equal(getterRan, false, "a getter on the page's object is never run by the bridge");
});

test('good arguments are sent as exactly these payloads', async () => {
  const { api, sent } = recordingApi();
  const bytes = Uint8Array.from([1, 2, 3]);
  const otherRealm = vm.runInNewContext('({ a: new Uint8Array([9]), b: [1, "two", null, true], c: { d: undefined } })') as unknown;
  const nullProto = Object.assign(Object.create(null) as object, { message: 'm' });
  await api.status();
  await api.list();
  await api.generate(32);
  await api.importSecret(bytes);
  await api.importSecret('correct horse');
  await api.inspect(ID);
  await api.destroy(ID);
  await api.run('wallet.account', ID);
  await api.run('wallet.sign', ID, { message: 'm' });
  await api.run('wallet.sign', ID, otherRealm);
  await api.run('wallet.sign', ID, nullProto);
  await api.run('wallet.sign', ID, nested(8));
  const password = Uint8Array.from([7, 7]);
  await api.exportKeystore(ID, password, { n: 1024, job: 'export-1' });
  await api.importKeystore('{}', password, { job: 'import-1' });
  await api.importKeystore('{}', password);
  await api.cancelKeystore('export-1');
  assert.deepEqual(sent, [
    ['strongroom:status', undefined],
    ['strongroom:list', undefined],
    ['strongroom:generate', { size: 32 }],
    ['strongroom:importSecret', { bytes }],
    ['strongroom:importSecret', { text: 'correct horse' }],
    ['strongroom:inspect', { id: ID }],
    ['strongroom:destroy', { id: ID }],
    ['strongroom:run', { operation: 'wallet.account', id: ID, args: undefined }],
    ['strongroom:run', { operation: 'wallet.sign', id: ID, args: { message: 'm' } }],
    ['strongroom:run', { operation: 'wallet.sign', id: ID, args: otherRealm }],
    ['strongroom:run', { operation: 'wallet.sign', id: ID, args: nullProto }],
    ['strongroom:run', { operation: 'wallet.sign', id: ID, args: nested(8) }],
    // The job's name travels beside the options, never inside them; no name, no key.
    ['strongroom:exportKeystore', { id: ID, password, options: { n: 1024 }, progress: 0, job: 'export-1' }],
    ['strongroom:importKeystore', { json: '{}', password, progress: 0, job: 'import-1' }],
    ['strongroom:importKeystore', { json: '{}', password, progress: 0 }],
    ['strongroom:cancelKeystore', { job: 'export-1' }],
  ]);
  assert.equal(
    (at(sent, 3, 'the importSecret call')[1] as { bytes: Uint8Array }).bytes,
    bytes,
    'the bytes are sent as they are (the IPC clone copies them once)',
  );
  // Everything the bridge sends survives a structured clone.
  for (const [, payload] of sent) assert.doesNotThrow(() => structuredClone(payload));
});

test("the bridge checks types only: sizes and ids it passes on are main's to refuse", async () => {
  const { api, sent } = recordingApi();
  await api.generate(0);
  await api.generate(1e9);
  await api.inspect('not an id');
  assert.deepEqual(
    sent.map(([, p]) => p),
    [{ size: 0 }, { size: 1e9 }, { id: 'not an id' }],
  );
});
