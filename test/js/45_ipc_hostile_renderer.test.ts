// A compromised renderer calling ipcRenderer.invoke on the strongroom
// channels directly, from the app's own top frame: one test per class of
// attack. Work is measured by counting what main touches (proxy traps),
// never by timing.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault, SecureMemoryError } from '../../main';
import { bytesOperation, registerVaultIpc, type BytesOperation } from '../../main/ipc/register';
import { at } from './support/assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN, topFrame, type FakeFrame } from './support/bridge-fixtures';

type Response = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

/** The operations here look at their secret's bytes: registered with bytes access. */
function setup(
  options: { operations?: Record<string, BytesOperation>; limits?: Record<string, number>; logOperationErrors?: boolean } = {},
) {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  const operations = Object.fromEntries(Object.entries(options.operations ?? {}).map(([name, run]) => [name, bytesOperation(run)]));
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, ...options, operations });
  /** Through the structured clone, as Electron delivers it. */
  const send = (contents: FakeWebContents, method: string, payload?: unknown, frame?: FakeFrame | null) =>
    ipc.invoke(eventFrom(contents, frame === undefined ? contents.mainFrame : frame), `strongroom:${method}`, payload) as Promise<Response>;
  /** Exactly as given: what main's checks see when nothing cloned it first. */
  const deliver = (contents: FakeWebContents, method: string, payload?: unknown, frame?: FakeFrame | null) =>
    ipc.deliver(eventFrom(contents, frame === undefined ? contents.mainFrame : frame), `strongroom:${method}`, payload) as Response;
  return { vault, ipc, bridge, send, deliver };
}

/** Counts every trap, and stops the walk (throws) once `cap` is passed so a missing bound cannot hang the test. */
function counted<T extends object>(target: T, cap = 10_000): { proxy: T; touches: () => number } {
  let touches = 0;
  const touch = () => {
    if (++touches > cap) throw new Error(`touched more than ${cap} times`);
  };
  const proxy = new Proxy(target, {
    get: (t, k, r) => (touch(), Reflect.get(t, k, r)),
    has: (t, k) => (touch(), Reflect.has(t, k)),
    getOwnPropertyDescriptor: (t, k) => (touch(), Reflect.getOwnPropertyDescriptor(t, k)),
    ownKeys: (t) => (touch(), Reflect.ownKeys(t)),
  });
  return { proxy, touches: () => touches };
}

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

test('a sparse array claiming 2^32-1 slots is refused from its length, without visiting a slot', async () => {
  const { bridge, deliver, send } = setup({ operations: { echo: (_s, args) => args } });
  const contents = new FakeWebContents();
  // Holes are looked up on the prototype chain: a counting prototype sees
  // every slot a walk visits.
  const sparse: unknown[] = [];
  sparse.length = 2 ** 32 - 1;
  sparse[5] = 1;
  const slots = counted(Object.create(Array.prototype) as object);
  Object.setPrototypeOf(sparse, slots.proxy);
  const response = deliver(contents, 'run', { operation: 'echo', id: ID, args: sparse });
  assert.equal(response.ok, false);
  assert.equal(response.error!.code, 'INVALID_ARGUMENT', response.error!.message);
  assert.match(response.error!.message, /more than 1000 values/);
  assert.equal(slots.touches(), 0, 'no slot of the sparse array was visited');
  // The same ~100-byte message as the structured clone delivers it.
  const cloned: unknown[] = [];
  cloned.length = 2 ** 32 - 1;
  assert.equal((await send(contents, 'run', { operation: 'echo', id: ID, args: cloned })).error!.code, 'INVALID_ARGUMENT');
  bridge.dispose();
});

test('importSecret checks type and byte length first: a bare or oversized Uint8Array is refused without reading its indices, and no message is long', async () => {
  const { bridge, deliver, send } = setup();
  const contents = new FakeWebContents();
  const bare = counted(new Uint8Array(256 * 1024) as object, 1_000_000);
  const response = deliver(contents, 'importSecret', bare.proxy);
  assert.equal(response.ok, false);
  assert.ok(bare.touches() <= 2, `main touched the bare array ${bare.touches()} times`);
  for (const payload of [
    new Uint8Array(64 * 1024),
    { bytes: new Uint8Array(64 * 1024) },
    { text: 'k'.repeat(64 * 1024) },
    Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`key${i}`, i])),
  ]) {
    const refused = await send(contents, 'importSecret', payload);
    assert.equal(refused.ok, false);
    assert.ok(refused.error!.message.length <= 200, `a ${refused.error!.message.length}-character message`);
  }
  const generate = await send(contents, 'generate', Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`k${i}`, i])));
  assert.ok(generate.error!.message.length <= 200, 'zod listing 900 unrecognised keys is cut short too');
  bridge.dispose();
});

test("anything thrown inside an operation, strongroom's own errors included, answers OPERATION_FAILED with a fixed message; main logs it only if asked", async () => {
  const leaky: BytesOperation = (secret) => {
    // A number computed from the secret reaches a strongroom API, which
    // names it in its error.
    const vault = new SecretVault();
    vault.generate(1e12 + at(secret, 0, 'a secret byte') * 256 + at(secret, 1, 'a secret byte'));
    return 'unreachable';
  };
  for (const logOperationErrors of [false, true]) {
    const { bridge, send } = setup({ operations: { leaky }, logOperationErrors });
    const contents = new FakeWebContents();
    const ref = (await send(contents, 'importSecret', { bytes: Uint8Array.from([0xab, 0xcd]) })).value as { id: string };
    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args.join(' '));
    let response: Response;
    try {
      response = await send(contents, 'run', { operation: 'leaky', id: ref.id, args: null });
    } finally {
      console.error = original;
    }
    const derived = String(1e12 + 0xab * 256 + 0xcd);
    assert.equal(response.error!.code, 'OPERATION_FAILED');
    assert.equal(response.error!.message, 'run: the operation failed');
    assert.doesNotMatch(response.error!.message, new RegExp(derived));
    if (logOperationErrors) assert.match(logged.join('\n'), new RegExp(`leaky.*${derived}`), 'opted in: main logs the detail');
    else assert.deepEqual(logged, [], 'not opted in: nothing logged');
    bridge.dispose();
  }
});

test('dispose and forgetWindow destroy everything, then report every failed wipe with its count and codes', () => {
  for (const how of ['dispose', 'forgetWindow'] as const) {
    const { vault, bridge, deliver } = setup();
    const one = new FakeWebContents();
    const two = new FakeWebContents();
    for (const contents of how === 'dispose' ? [one, two, one, two] : [one, one, one, one])
      assert.equal(deliver(contents, 'generate', { size: 8 }).ok, true);
    const destroy = vault.destroy.bind(vault);
    let calls = 0;
    vault.destroy = (handle) => {
      destroy(handle); // wiped and freed, then reports a corrupted canary, as the pool does
      if (calls++ % 2 === 0) throw new SecureMemoryError('CANARY_CORRUPTED', 'simulated overflow');
    };
    try {
      assert.throws(
        () => (how === 'dispose' ? bridge.dispose() : bridge.forgetWindow(one.id)),
        (e: unknown) =>
          e instanceof SecureMemoryError &&
          e.code === 'CANARY_CORRUPTED' &&
          /all 4 secrets were destroyed, and 2 reported a failure: CANARY_CORRUPTED, CANARY_CORRUPTED/.test(e.message),
      );
    } finally {
      vault.destroy = destroy;
    }
    assert.equal(vault.stats().secrets, 0, `${how}: every secret of every window is gone`);
    assert.equal(bridge.secretCount(), 0);
    if (how === 'forgetWindow') bridge.dispose();
  }
});

test('every refused importSecret wipes the bytes main received, and the UTF-8 copy of refused text', () => {
  const { vault, bridge, deliver } = setup({ limits: { maxSecretSize: 64 } });
  const contents = new FakeWebContents();
  const filled = (n: number) => new Uint8Array(n).fill(0x5a);
  const cases: [string, () => { payload: unknown; views: Uint8Array[] }, FakeFrame | null | undefined][] = [
    [
      'over the limit',
      () => {
        const b = filled(65);
        return { payload: { bytes: b }, views: [b] };
      },
      undefined,
    ],
    [
      'an extra key',
      () => {
        const b = filled(8);
        return { payload: { bytes: b, extra: 1 }, views: [b] };
      },
      undefined,
    ],
    [
      'a bare Uint8Array',
      () => {
        const b = filled(8);
        return { payload: b, views: [b] };
      },
      undefined,
    ],
    [
      'nested',
      () => {
        const b = filled(8);
        return { payload: { bytes: [b] }, views: [b] };
      },
      undefined,
    ],
    [
      'under a wrong key',
      () => {
        const b = filled(8);
        return { payload: { secret: b }, views: [b] };
      },
      undefined,
    ],
    [
      'a view of a larger buffer',
      () => {
        const buffer = new ArrayBuffer(4096);
        new Uint8Array(buffer).fill(0x5a);
        return { payload: { bytes: new Uint8Array(buffer, 0, 65) }, views: [new Uint8Array(buffer)] };
      },
      undefined,
    ],
    [
      'a refused sender',
      () => {
        const b = filled(8);
        return { payload: { bytes: b }, views: [b] };
      },
      topFrame('app://evil/'),
    ],
    [
      'no sender frame',
      () => {
        const b = filled(8);
        return { payload: { bytes: b }, views: [b] };
      },
      null,
    ],
  ];
  for (const [name, make, frame] of cases) {
    const { payload, views } = make();
    const response = deliver(contents, 'importSecret', payload, frame);
    assert.equal(response.ok, false, name);
    for (const view of views)
      assert.ok(
        view.every((b) => b === 0),
        `${name}: main's copy is wiped`,
      );
  }
  // Text whose UTF-8 is over the limit: TextEncoder's copy is wiped too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be put back, and called with .call(this)
  const encode = TextEncoder.prototype.encode;
  const outputs: Uint8Array[] = [];
  TextEncoder.prototype.encode = function (this: TextEncoder, input?: string) {
    const out = encode.call(this, input);
    outputs.push(out);
    return out;
  };
  try {
    assert.equal(deliver(contents, 'importSecret', { text: 'é'.repeat(40) }).error!.code, 'INVALID_SIZE');
  } finally {
    TextEncoder.prototype.encode = encode;
  }
  assert.equal(outputs.length, 1);
  assert.ok(
    at(outputs, 0, 'the UTF-8 copy').every((b) => b === 0),
    "the refused text's UTF-8 copy is wiped",
  );
  // Accepted bytes are wiped too (the vault holds the only copy).
  const accepted = filled(16);
  assert.equal(deliver(contents, 'importSecret', { bytes: accepted }).ok, true);
  assert.ok(accepted.every((b) => b === 0));
  assert.equal(vault.stats().secrets, 1);
  bridge.dispose();
});

test('secrets belong to the document that made them: a started, cancelled or download navigation keeps them; a commit ends them; no other document can use them', async () => {
  const { vault, bridge, send } = setup({ operations: { size: (s) => s.length } });
  const contents = new FakeWebContents();
  const kept = (await send(contents, 'generate', { size: 8 })).value as { id: string };
  // A navigation starts, then is cancelled (or turns out to be a download): the page stays, so do its secrets.
  contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: `${ORIGIN}/file.bin` });
  assert.equal((await send(contents, 'inspect', { id: kept.id })).ok, true, 'kept through a navigation that did not commit');
  // Another starts; the old page makes a secret before the new document commits in the same frame.
  contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: `${ORIGIN}/next.html` });
  const late = (await send(contents, 'generate', { size: 8 })).value as { id: string };
  contents.commitNavigation();
  const next = await send(contents, 'list');
  assert.deepEqual(next.value, [], 'the next document inherits nothing');
  for (const id of [kept.id, late.id]) assert.equal((await send(contents, 'inspect', { id })).error!.code, 'INVALID_HANDLE');
  assert.equal(vault.stats().secrets, 0, "the old document's secrets are destroyed when it ends");

  // A cross-process navigation: the new frame is current before the commit event reaches the bridge.
  const mine = (await send(contents, 'generate', { size: 8 })).value as { id: string };
  const oldFrame = contents.mainFrame;
  const newFrame = topFrame(`${ORIGIN}/index.html`, ORIGIN, 2, 7);
  contents.mainFrame = newFrame;
  const fromOld = await send(contents, 'run', { operation: 'size', id: mine.id, args: null }, oldFrame);
  assert.equal(fromOld.error!.code, 'FORBIDDEN', 'the replaced frame may no longer call');
  const fromNew = await send(contents, 'run', { operation: 'size', id: mine.id, args: null }, newFrame);
  assert.equal(fromNew.error!.code, 'INVALID_HANDLE', "the new document cannot use the old one's id");
  assert.deepEqual((await send(contents, 'list', undefined, newFrame)).value, []);
  assert.equal(
    ((await send(contents, 'status', undefined, newFrame)).value as { window: { secrets: number } }).window.secrets,
    0,
    "not even a count of the old document's",
  );
  contents.commitNavigation(newFrame);
  assert.equal(vault.stats().secrets, 0);
  bridge.dispose();
});

test("a compromised window cannot stop another window's keystore call: every guessed name, the right one included, is INVALID_HANDLE", async () => {
  const { vault, bridge, send } = setup();
  const victim = new FakeWebContents();
  const attacker = new FakeWebContents();
  const seed = (await send(victim, 'generate', { size: 32, kind: 'seed' })).value as { id: string };
  const name = 'wallet-export';
  const call = send(victim, 'exportKeystore', {
    id: seed.id,
    password: new TextEncoder().encode('p'),
    options: { n: 2 ** 16, path: "m/44'/60'/0'/0/0" },
    progress: 0,
    job: name,
  });
  assert.equal(bridge.keystoreCallCount(victim.id), 1);
  const guesses = [name, name.toUpperCase(), `${name}-1`, 'export', 'import', '0', ...Array.from({ length: 500 }, (_, i) => `job-${i}`)];
  const codes = new Set<string>();
  for (const job of guesses) codes.add((await send(attacker, 'cancelKeystore', { job })).error?.code ?? 'accepted');
  assert.deepEqual([...codes], ['INVALID_HANDLE'], 'one answer for every name: nothing tells the attacker which exist');
  assert.equal(bridge.keystoreCallCount(victim.id), 1, "the victim's call still runs");
  const response = await call;
  assert.equal(response.ok, true, `the victim's call finished: ${JSON.stringify(response.error)}`);
  assert.equal((JSON.parse(response.value as string) as { version: number }).version, 3);
  assert.equal(vault.stats().secrets, 1);
  bridge.dispose();
});

test('odd frames fail closed: a disposed frame whose url getter throws, and a non-string origin, are FORBIDDEN', async () => {
  const { vault, bridge, send } = setup();
  const contents = new FakeWebContents();
  const disposed = {
    parent: null,
    processId: 1,
    routingId: 1,
    origin: ORIGIN,
    get url(): string {
      throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    },
  };
  const frames: FakeFrame[] = [disposed];
  for (const origin of [undefined, 42, null, { toString: () => ORIGIN }]) {
    frames.push({ ...topFrame(), origin: origin as never });
  }
  for (const frame of frames) {
    const response = await send(contents, 'generate', { size: 8 }, frame);
    assert.equal(response.error?.code, 'FORBIDDEN', JSON.stringify(response));
  }
  assert.equal(vault.stats().secrets, 0);
  bridge.dispose();
});

test('a process-wide budget bounds secrets and bytes across all windows', async () => {
  const { vault, bridge, send } = setup({ limits: { maxBridgeSecrets: 3, maxBridgeBytes: 100 } });
  const windows = [new FakeWebContents(), new FakeWebContents(), new FakeWebContents(), new FakeWebContents()] as const;
  for (const contents of windows.slice(0, 3)) assert.equal((await send(contents, 'generate', { size: 8 })).ok, true);
  const fourth = await send(windows[3], 'generate', { size: 8 });
  assert.equal(fourth.error!.code, 'LIMIT_EXCEEDED', 'a fourth secret in a fresh window is over the bridge-wide count');
  bridge.forgetWindow(windows[0].id);
  const bytes = await send(windows[3], 'generate', { size: 90 });
  assert.equal(bytes.error!.code, 'LIMIT_EXCEEDED', '16 + 90 bytes is over the bridge-wide 100');
  assert.equal((await send(windows[3], 'generate', { size: 84 })).ok, true);
  assert.equal(vault.stats().secrets, 3);
  bridge.dispose();
  const { DEFAULT_LIMITS } = await import('../../main/ipc/limits');
  const defaults = DEFAULT_LIMITS;
  assert.ok(defaults.maxBridgeSecrets >= defaults.maxSecretsPerWindow, 'the default bridge-wide count holds at least one full window');
  assert.ok(defaults.maxBridgeBytes >= defaults.maxSecretSize);
});

test("a refused oversized result states the limit, never the result's size", async () => {
  const grow: BytesOperation = (secret) => 'x'.repeat(40_000 + at(secret, 0, 'a secret byte') * 100);
  const { bridge, send } = setup({ operations: { grow }, limits: { maxResultBytes: 1000 } });
  const contents = new FakeWebContents();
  const messages = new Set<string>();
  for (const first of [1, 200]) {
    const ref = (await send(contents, 'importSecret', { bytes: Uint8Array.from([first, 2, 3]) })).value as { id: string };
    const response = await send(contents, 'run', { operation: 'grow', id: ref.id, args: null });
    assert.equal(response.error!.code, 'LIMIT_EXCEEDED');
    assert.match(response.error!.message, /1000/);
    assert.doesNotMatch(response.error!.message, /40\d{3}|60\d{3}|80\d{3}|120\d{3}/);
    messages.add(response.error!.message);
  }
  assert.equal(messages.size, 1, 'two secrets, two result sizes, one message');
  bridge.dispose();
});
