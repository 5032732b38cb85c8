// Hostile payloads with a bound on the work each one may cost main.
// Every array and object main receives is wrapped in a counting proxy (the
// payload as sent, and as a structured clone delivers it), and each message
// must be answered after touching at most TOUCH_BOUND properties, whatever
// it claims to hold: sparse arrays of length 2^32-1, huge dense arrays,
// 16 MiB typed arrays, 1,000-deep nesting, 100,000 keys. Also: operations
// that throw, wipes that fail during dispose, navigation races, and the
// wipe of every importSecret payload, accepted or refused. No timing.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault, SecureMemoryError } from '../../main';
import { BRIDGE_METHODS } from '../../bridge/contract';
import { DATA_BOUNDS } from '../../bridge/plain-data';
import { MAX_ERROR_MESSAGE } from '../../main/ipc/limits';
import { bytesOperation, registerVaultIpc, type BytesOperation } from '../../main/ipc/register';
import { at } from './support/assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN, topFrame, type FakeFrame } from './support/bridge-fixtures';
import { prng } from './support/prng';

type Response = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

/** Proxy traps one message may cost: each value is reached through at most a few traps (keys, descriptor, length), and zod reads the few accepted ones again. */
export const TOUCH_BOUND = 10 * DATA_BOUNDS.maxValues;
/** Past this the counting proxies throw: a walk with no bound fails fast instead of hanging the run. */
const TOUCH_CAP = 100 * TOUCH_BOUND;

/** Wraps every array and plain object reachable from `value` (lazily) in proxies that count every trap. */
function counting(value: unknown): { value: unknown; touches: () => number } {
  let touches = 0;
  const touch = () => {
    if (++touches > TOUCH_CAP) throw new Error(`more than ${TOUCH_CAP} touches`);
  };
  const wrapped = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
    const known = wrapped.get(v);
    if (known !== undefined) return known;
    const proxy = new Proxy(v, {
      get: (t, k, r) => (touch(), wrap(Reflect.get(t, k, r))),
      has: (t, k) => (touch(), Reflect.has(t, k)),
      ownKeys: (t) => (touch(), Reflect.ownKeys(t)),
      getPrototypeOf: (t) => (touch(), Reflect.getPrototypeOf(t)),
      getOwnPropertyDescriptor: (t, k) => {
        touch();
        const d = Reflect.getOwnPropertyDescriptor(t, k);
        return d !== undefined && 'value' in d && d.configurable ? { ...d, value: wrap(d.value) } : d;
      },
    });
    wrapped.set(v, proxy);
    return proxy;
  };
  return { value: wrap(value), touches: () => touches };
}

function sparse(length: number, at: number[] = [0, 7]): unknown[] {
  const a: unknown[] = [];
  a.length = length;
  for (const i of at) if (i < length) a[i] = i;
  return a;
}

function nested(depth: number, asObject: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = asObject ? { v } : [v];
  return v;
}

function manyKeys(n: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
}

/** The hostile shapes, each a claim far larger than the limits, or just past one. */
function hostileValues(): [string, () => unknown][] {
  return [
    ['sparse 2^32-1', () => sparse(2 ** 32 - 1)],
    ['sparse 2^31', () => sparse(2 ** 31)],
    ['sparse 1e8', () => sparse(1e8)],
    ['sparse 1001', () => sparse(1001)],
    ['dense 1001', () => new Array<number>(1001).fill(0)],
    ['dense 100,000', () => new Array<number>(100_000).fill(1)],
    ['Uint8Array 16 MiB', () => new Uint8Array(16 * 1024 * 1024)],
    ['Uint8Array 65 KiB', () => new Uint8Array(65 * 1024)],
    ['Float64Array', () => new Float64Array(1024)],
    ['nested arrays 9', () => nested(9, false)],
    ['nested arrays 1000', () => nested(1000, false)],
    ['nested objects 1000', () => nested(1000, true)],
    ['1,001 keys', () => manyKeys(1001)],
    ['100,000 keys', () => manyKeys(100_000)],
    ['string 1 MiB', () => 's'.repeat(1024 * 1024)],
    ['array with a named property', () => Object.assign([1, 2], { admin: true })],
    ['__proto__ key', () => JSON.parse('{"__proto__": {"polluted": 1}}') as unknown],
    ['1,000 small arrays', () => Array.from({ length: 999 }, () => [1])],
  ];
}

/**
 * Where a hostile value goes in each channel's payload. `id` is a live secret
 * of the sending window: a refusal then comes from the bound under test, not
 * from an unknown id.
 */
function placements(method: string, v: unknown, id: string): unknown[] {
  switch (method) {
    case 'generate':
      return [v, { size: v }];
    case 'importSecret':
      return [v, { bytes: v }, { text: v }];
    case 'inspect':
    case 'destroy':
      return [v, { id: v }];
    case 'run':
      return [v, { operation: 'echo', id, args: v }, { operation: v, id: v, args: null }];
    case 'exportKeystore':
      return [
        v,
        { id, password: v, options: {}, progress: 0 },
        { id, password: new Uint8Array(4), options: v, progress: 0 },
        { id, password: new Uint8Array(4), options: { path: v }, progress: 0 },
        { id, password: new Uint8Array(4), options: {}, progress: 0, job: v },
      ];
    case 'importKeystore':
      return [
        v,
        { json: v, password: new Uint8Array(4), progress: 0 },
        { json: '{}', password: v, progress: 0 },
        { json: '{}', password: new Uint8Array(4), progress: 0, job: v },
      ];
    case 'cancelKeystore':
      return [v, { job: v }];
    default:
      return [v];
  }
}

/**
 * The refusal each hostile value must get, by the check that must catch it:
 * importSecret's payload is checked by type and length only (a secret's
 * size: INVALID_SIZE); every other payload is measured first (bytes:
 * LIMIT_EXCEEDED; shape, count and depth: INVALID_ARGUMENT, depth saying so).
 */
function expectedRefusal(method: string, name: string, placement: number): { code: string; message?: RegExp } {
  const large = /^(Uint8Array 16 MiB|Uint8Array 65 KiB|string 1 MiB)$/.test(name);
  if (method === 'importSecret') {
    const bytes = placement === 1 && name.startsWith('Uint8Array ');
    const text = placement === 2 && name === 'string 1 MiB';
    return { code: bytes || text ? 'INVALID_SIZE' : 'INVALID_ARGUMENT' };
  }
  if (large) return { code: 'LIMIT_EXCEEDED' };
  if (name.startsWith('nested')) return { code: 'INVALID_ARGUMENT', message: /nested deeper than 8/ };
  return { code: 'INVALID_ARGUMENT' };
}

/** These operations look at their secret's bytes: registered with bytes access. */
function setup(byteOperations: Record<string, BytesOperation> = { echo: (_s, args) => args }, logOperationErrors = false) {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  const operations = Object.fromEntries(Object.entries(byteOperations).map(([name, run]) => [name, bytesOperation(run)]));
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, operations, logOperationErrors });
  const deliver = (contents: FakeWebContents, method: string, payload: unknown, frame?: FakeFrame | null) =>
    ipc.deliver(eventFrom(contents, frame === undefined ? contents.mainFrame : frame), `strongroom:${method}`, payload) as Response;
  return { vault, ipc, bridge, deliver };
}

function wellFormedRefusal(response: Response, what: string): void {
  assert.equal(response.ok, false, `${what}: refused`);
  assert.match(
    response.error!.code,
    /^(INVALID_ARGUMENT|INVALID_SIZE|INVALID_HANDLE|LIMIT_EXCEEDED)$/,
    `${what}: ${response.error!.code} ${response.error!.message}`,
  );
  assert.ok(response.error!.message.length <= MAX_ERROR_MESSAGE, `${what}: a ${response.error!.message.length}-character message`);
}

let casesRun = 0;

test(`claims far past the limits are refused within ${TOUCH_BOUND} touches each, as sent and as cloned, on every channel`, () => {
  const { vault, bridge, deliver } = setup();
  const contents = new FakeWebContents();
  const live = deliver(contents, 'importSecret', { bytes: Uint8Array.from([1, 2, 3, 4]) });
  assert.equal(live.ok, true, 'a live secret for the run placements');
  const liveId = (live.value as { id: string }).id;
  const before = vault.stats();
  let worst = 0;
  for (const [name, make] of hostileValues()) {
    for (const method of BRIDGE_METHODS) {
      for (const [mode, payloadOf] of [
        ['as sent', (p: unknown) => p],
        ['as cloned', (p: unknown) => structuredClone(p)],
      ] as const) {
        for (const [placement, placed] of placements(method, make(), liveId).entries()) {
          let delivered: unknown;
          try {
            delivered = payloadOf(placed);
          } catch {
            continue; // the clone itself refused it (too deep for the clone): main never sees it
          }
          const counted = counting(delivered);
          const response = deliver(contents, method, counted.value);
          const what = `${method} ${mode} ${name} (placement ${placement})`;
          wellFormedRefusal(response, what);
          const expected = expectedRefusal(method, name, placement);
          assert.equal(response.error!.code, expected.code, `${what}: ${response.error!.message}`);
          if (expected.message !== undefined) assert.match(response.error!.message, expected.message, what);
          assert.ok(counted.touches() <= TOUCH_BOUND, `${what}: ${counted.touches()} touches`);
          worst = Math.max(worst, counted.touches());
          casesRun++;
        }
      }
    }
  }
  const after = vault.stats();
  assert.equal(after.secrets, before.secrets, 'nothing was created');
  assert.ok(worst > 0);
  console.log(`# bounded fuzz: ${casesRun} hostile messages, worst case ${worst} touches (bound ${TOUCH_BOUND})`);
  bridge.dispose();
});

test('random payloads (2,000 per channel, seeded): each answered within the bound, nothing thrown, nothing left behind', () => {
  const rand = prng(20261130);
  const pick = <T>(xs: T[]) => at(xs, Math.floor(rand() * xs.length), 'a pick');
  const hostile = hostileValues().filter(([name]) => !/16 MiB|100,000|1 MiB/.test(name));
  const leaf = (): unknown =>
    pick<() => unknown>([
      () => Math.floor(rand() * 5000) - 100,
      () => pick([NaN, Infinity, 2 ** 53, -0, 0.5, undefined, null, true]),
      () => 'x'.repeat(Math.floor(rand() * 40)),
      () => new Uint8Array(Math.floor(rand() * 5000)),
      () => pick(hostile)[1](),
    ])();
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.4) return leaf();
    if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 4); i > 0; i--)
      o[pick(['size', 'id', 'bytes', 'text', 'operation', 'args', 'job', 'extra'])] = value(depth + 1);
    return o;
  };
  const { vault, bridge, deliver } = setup();
  const contents = new FakeWebContents();
  let worst = 0;
  for (const method of BRIDGE_METHODS) {
    for (let i = 0; i < 2000; i++) {
      let payload = value(0);
      if (rand() < 0.5) {
        try {
          payload = structuredClone(payload);
        } catch {
          continue;
        }
      }
      const counted = counting(payload);
      const response = deliver(contents, method, counted.value);
      assert.equal(typeof response.ok, 'boolean');
      if (!response.ok) assert.ok(response.error!.message.length <= MAX_ERROR_MESSAGE);
      assert.ok(counted.touches() <= TOUCH_BOUND, `${method} #${i}: ${counted.touches()} touches`);
      worst = Math.max(worst, counted.touches());
      casesRun++;
    }
    bridge.forgetWindow(contents.id);
  }
  assert.equal(vault.stats().secrets, 0);
  console.log(`# random fuzz: worst case ${worst} touches (bound ${TOUCH_BOUND})`);
  bridge.dispose();
});

test('operations that throw anything, or return hostile results, answer with fixed, short messages and no secret', () => {
  const hex = (s: Uint8Array) => Buffer.from(s).toString('hex');
  const operations: Record<string, BytesOperation> = {
    throwsError: (s) => {
      throw new Error(`secret ${hex(s)}`);
    },
    throwsStrongroom: (s) => {
      new SecretVault().generate(1e12 + at(s, 0, 'a secret byte'));
    },
    throwsString: (s) => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown string, on purpose: main must answer it like any failure
      throw hex(s);
    },
    throwsHostile: () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown object whose message and toString throw, on purpose
      throw {
        get message() {
          throw new Error('no');
        },
        toString() {
          throw new Error('no');
        },
      };
    },
    throwsSymbol: () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown symbol, on purpose: it cannot even be turned into text
      throw Symbol('x');
    },
    returnsSparse: () => sparse(2 ** 32 - 1),
    returnsDeep: () => nested(1000, true),
    returnsHuge: (s) => 'x'.repeat(100_000 + at(s, 0, 'a secret byte')),
    returnsGetter: (s) => ({
      get leak() {
        return hex(s);
      },
    }),
    returnsPromise: () => Promise.resolve(1),
    returnsFunction: () => () => 1,
    returnsManyKeys: () => manyKeys(100_000),
  };
  for (const logOperationErrors of [false, true]) {
    const { vault, bridge, deliver } = setup(operations, logOperationErrors);
    const contents = new FakeWebContents();
    const secret = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x42]);
    const secretHex = hex(secret);
    const ref = deliver(contents, 'importSecret', { bytes: secret.slice() }).value as { id: string };
    const original = console.error;
    const logged: string[] = [];
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    try {
      for (const name of Object.keys(operations)) {
        const response = deliver(contents, 'run', { operation: name, id: ref.id, args: null });
        assert.equal(response.ok, false, name);
        assert.ok(response.error!.message.length <= MAX_ERROR_MESSAGE, name);
        assert.doesNotMatch(response.error!.message, new RegExp(secretHex), name);
        // The only number a message may hold is a configured limit.
        assert.doesNotMatch(
          response.error!.message.replace(/\b65536\b/g, ''),
          /\d{3,}/,
          `${name}: no sizes or derived numbers: ${response.error!.message}`,
        );
        if (name.startsWith('throws'))
          assert.deepEqual(response.error, { code: 'OPERATION_FAILED', message: 'run: the operation failed' }, name);
        else assert.match(response.error!.code, /^(INVALID_ARGUMENT|LIMIT_EXCEEDED)$/, name);
        casesRun++;
      }
    } finally {
      console.error = original;
    }
    if (!logOperationErrors) assert.deepEqual(logged, []);
    else assert.equal(logged.filter((l) => /threw/.test(l)).length, 5, 'one log line per throwing operation');
    assert.equal(vault.stats().secrets, 1, 'the secret is still there and usable');
    bridge.dispose();
  }
});

test('failing wipes during dispose (random windows, random failures): everything is destroyed, every failure is counted', () => {
  const rand = prng(7);
  for (let round = 0; round < 50; round++) {
    const { vault, bridge, deliver } = setup();
    const windows = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => new FakeWebContents());
    let created = 0;
    for (const contents of windows) {
      for (let i = Math.floor(rand() * 6); i > 0; i--) {
        assert.equal(deliver(contents, 'generate', { size: 1 + Math.floor(rand() * 64) }).ok, true);
        created++;
      }
    }
    const destroy = vault.destroy.bind(vault);
    let failures = 0;
    vault.destroy = (handle) => {
      destroy(handle);
      const r = rand();
      if (r < 0.3) {
        failures++;
        throw r < 0.15 ? new SecureMemoryError('CANARY_CORRUPTED', 'simulated') : new Error('something else');
      }
    };
    try {
      if (failures === 0 && created === 0) bridge.dispose();
      else {
        let thrown: unknown;
        try {
          bridge.dispose();
        } catch (error) {
          thrown = error;
        }
        if (failures === 0) assert.equal(thrown, undefined);
        else {
          assert.ok(thrown instanceof SecureMemoryError);
          assert.match(thrown.message, new RegExp(`all ${created} secrets were destroyed, and ${failures} reported a failure`));
          assert.equal((thrown.cause as AggregateError).errors.length, failures);
        }
      }
    } finally {
      vault.destroy = destroy;
    }
    assert.equal(vault.stats().secrets, 0, `round ${round}: every secret destroyed`);
    casesRun++;
  }
});

test('navigation races (random event orders): no secret outlives its document or is usable from another', () => {
  const rand = prng(99);
  const pick = <T>(xs: T[]) => at(xs, Math.floor(rand() * xs.length), 'a pick');
  const { vault, bridge, deliver } = setup({ echo: (s) => s.length });
  for (let round = 0; round < 200; round++) {
    const contents = new FakeWebContents();
    let frame = topFrame(`${ORIGIN}/index.html`, ORIGIN, 1, 1);
    contents.mainFrame = frame;
    const retired: FakeFrame[] = [];
    // The model: ids made by the current document, and ids of ended documents.
    let current = new Set<string>();
    const ended = new Set<string>();
    const endDocument = () => {
      for (const id of current) ended.add(id);
      current = new Set();
    };
    for (let step = 0; step < 30; step++) {
      const action = pick([
        'generate',
        'generate',
        'use',
        'use',
        'list',
        'start',
        'commit',
        'swap',
        'errorPage',
        'subframeError',
        'inPage',
        'crash',
        'oldFrame',
      ]);
      switch (action) {
        case 'generate': {
          const r = deliver(contents, 'generate', { size: 8 });
          if (r.ok) current.add((r.value as { id: string }).id);
          break;
        }
        case 'use':
          for (const id of current)
            assert.equal(deliver(contents, 'run', { operation: 'echo', id, args: null }).ok, true, 'the current document can use its own');
          for (const id of ended)
            assert.equal(
              deliver(contents, 'run', { operation: 'echo', id, args: null }).error?.code,
              'INVALID_HANDLE',
              "nobody can use an ended document's id",
            );
          break;
        case 'list':
          assert.deepEqual(new Set((deliver(contents, 'list', undefined).value as { id: string }[]).map((r) => r.id)), current);
          break;
        case 'start': // may be cancelled or be a download: nothing ends
          contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
          break;
        case 'inPage':
          contents.emit('did-navigate-in-page', {}, `${ORIGIN}/index.html#x`, true, frame.processId, frame.routingId);
          break;
        case 'subframeError':
          contents.emit('did-fail-provisional-load', {}, -2, 'ERR_FAILED', 'https://x.invalid/', false, 1, 9);
          break;
        case 'commit':
          contents.commitNavigation();
          endDocument();
          break;
        case 'errorPage':
          contents.emit(
            'did-fail-provisional-load',
            {},
            -105,
            'ERR_NAME_NOT_RESOLVED',
            'https://x.invalid/',
            true,
            frame.processId,
            frame.routingId,
          );
          endDocument();
          break;
        case 'crash':
          contents.emit('render-process-gone', {}, { reason: 'crashed' });
          endDocument();
          break;
        case 'swap': {
          // A cross-process navigation: the new frame is current before its commit event arrives.
          retired.push(frame);
          frame = topFrame(`${ORIGIN}/index.html`, ORIGIN, frame.processId! + 1, 1);
          contents.mainFrame = frame;
          for (const id of current)
            assert.equal(
              deliver(contents, 'inspect', { id }).error?.code,
              'INVALID_HANDLE',
              "the new document cannot use the old one's ids",
            );
          contents.commitNavigation(frame);
          endDocument();
          break;
        }
        case 'oldFrame':
          for (const old of retired)
            assert.equal(deliver(contents, 'generate', { size: 8 }, old).error?.code, 'FORBIDDEN', 'a replaced frame may not call');
          break;
      }
      assert.equal(
        bridge.secretCount(contents.id),
        current.size,
        `round ${round} step ${step} (${action}): only the current document's secrets are alive`,
      );
      casesRun++;
    }
    contents.emit('destroyed');
    assert.equal(bridge.secretCount(contents.id), 0);
  }
  assert.equal(vault.stats().secrets, 0);
  bridge.dispose();
});

test('every importSecret payload is wiped, accepted or refused, whatever its shape (random, seeded)', () => {
  const rand = prng(4242);
  const pick = <T>(xs: T[]) => at(xs, Math.floor(rand() * xs.length), 'a pick');
  const { vault, bridge, deliver } = setup();
  const contents = new FakeWebContents();
  let accepted = 0;
  for (let i = 0; i < 2000; i++) {
    const views: Uint8Array[] = [];
    const bytes = (): Uint8Array => {
      const n = pick([0, 1, 16, 4096, 4097, 65536]);
      const buffer = new ArrayBuffer(n + pick([0, 0, 100]));
      new Uint8Array(buffer).fill(0xa5);
      views.push(new Uint8Array(buffer));
      return new Uint8Array(buffer, 0, n);
    };
    const payload = pick<() => unknown>([
      () => ({ bytes: bytes() }),
      () => bytes(),
      () => ({ bytes: bytes(), extra: 1 }),
      () => ({ bytes: bytes(), text: 'x' }),
      () => ({ secret: bytes() }),
      () => ({ bytes: [bytes()] }),
      () => ({ bytes: { inner: bytes() } }),
      () => [bytes(), bytes()],
      () => ({ bytes: bytes(), __proto__: null }),
    ])();
    const frame = pick<FakeFrame | null | undefined>([undefined, undefined, undefined, null, topFrame('app://evil/')]);
    const response = deliver(contents, 'importSecret', payload, frame);
    if (response.ok) accepted++;
    for (const view of views)
      assert.ok(
        view.every((b) => b === 0),
        `#${i}: main's copy is wiped (${response.ok ? 'accepted' : response.error!.code})`,
      );
    if (accepted > 0 && i % 50 === 0) bridge.forgetWindow(contents.id);
    casesRun++;
  }
  assert.ok(accepted > 0, 'some imports were accepted, and they are wiped too');
  bridge.dispose();
  assert.equal(vault.stats().secrets, 0);
  console.log(`# ${casesRun} fuzz cases in all`);
});
