import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { test } from 'node:test';

import { secp256k1 } from '@noble/curves/secp256k1';
import { hexToBytes } from '@noble/hashes/utils';

import { SecretVault, SecureMemoryError, type DerivedKeyCapability, type SecretCapability } from '../../main';
import { BRIDGE_METHODS, channelFor, type StrongroomBridge } from '../../bridge/contract';
import { MAX_DERIVED_PER_OPERATION } from '../../main/ipc/capability';
import { generateValidatedSize } from '../../main/vault';
import { bytesOperation, registerVaultIpc, type Operation, type OperationSpec } from '../../main/ipc/register';
import { createBridgeApi } from '../../preload/bridge-api';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN, topFrame, type FakeFrame } from './support/bridge-fixtures';
import { isLinux } from './support/platform';
import type { Scan } from './support/secret-copies.child';
import { forEachSealingMethod, TEST_SEALING } from './support/sealing';

const operations: Record<string, Operation | OperationSpec> = {
  fingerprint: bytesOperation((secret) => createHash('sha256').update(secret).digest('hex').slice(0, 16)),
  length: bytesOperation((secret, args) => ({ length: secret.length, echo: args })),
  big: () => 'x'.repeat(100_000),
  fn: () => () => 1,
  later: () => Promise.resolve(1),
  boom: bytesOperation((secret) => {
    throw new Error(`secret was ${Buffer.from(secret).toString('hex')}`);
  }),
};

function setup(limits = {}) {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, operations, limits });
  const window = (frame?: FakeFrame | null) => {
    const contents = new FakeWebContents();
    const api: StrongroomBridge = createBridgeApi((channel, payload) => ipc.invoke(eventFrom(contents, frame), channel, payload));
    return { contents, api };
  };
  return { vault, ipc, bridge, window };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => {
      caught = e;
    },
  );
  assert.ok(caught instanceof Error);
  assert.ok(caught.message.startsWith(`${code}: `), caught.message);
  return caught;
}

test('registers exactly one handler per bridge method under strongroom:', () => {
  const { ipc, bridge } = setup();
  assert.deepEqual([...ipc.handlers.keys()].sort(), BRIDGE_METHODS.map(channelFor).sort());
  bridge.dispose();
  assert.equal(ipc.handlers.size, 0);
});

test('generate, list, inspect, run, destroy: the renderer only ever sees ids and public results', async () => {
  const { vault, window, bridge } = setup();
  const { api } = window();
  const ref = await api.generate(32);
  assert.match(ref.id, /^[A-Za-z0-9_-]{22}$/, '128-bit base64url id');
  assert.equal(ref.size, 32);
  assert.deepEqual(await api.list(), [ref]);
  const status = await api.inspect(ref.id);
  assert.equal(status.id, ref.id);
  assert.equal(status.canaryIntact, true);
  const fingerprint = await api.run('fingerprint', ref.id);
  assert.match(String(fingerprint), /^[0-9a-f]{16}$/);
  assert.deepEqual(await api.run('length', ref.id, { a: [1, 'two'] }), { length: 32, echo: { a: [1, 'two'] } });
  const overview = await api.status();
  assert.deepEqual(overview.operations, Object.keys(operations).sort());
  assert.equal(overview.window.secrets, 1);
  assert.equal(typeof overview.platform.pageSize, 'number');
  await api.destroy(ref.id);
  assert.deepEqual(await api.list(), []);
  await rejectsWith(api.inspect(ref.id), 'INVALID_HANDLE');
  assert.equal(vault.stats().secrets, 0);
  bridge.dispose();
});

test('importSecret takes bytes (wiped by the vault) or text; the bytes never come back', async () => {
  const { vault, window, bridge } = setup();
  const { api } = window();
  const a = await api.importSecret(Uint8Array.from([1, 2, 3]));
  const b = await api.importSecret('correct horse battery staple');
  assert.equal(a.size, 3);
  assert.equal(b.size, 28);
  assert.equal(await api.run('fingerprint', b.id), createHash('sha256').update('correct horse battery staple').digest('hex').slice(0, 16));
  assert.equal(vault.stats().secrets, 2);
  bridge.dispose();
  assert.equal(vault.stats().secrets, 0, 'dispose destroys every bridge secret');
});

test('ids are bound to their window: another window, forged and malformed ids are refused', async () => {
  const { window, bridge } = setup();
  const one = window();
  const two = window();
  const ref = await one.api.generate(16);
  await rejectsWith(two.api.inspect(ref.id), 'INVALID_HANDLE');
  await rejectsWith(two.api.run('fingerprint', ref.id), 'INVALID_HANDLE');
  await rejectsWith(two.api.destroy(ref.id), 'INVALID_HANDLE');
  assert.deepEqual(await two.api.list(), []);
  await rejectsWith(one.api.inspect('AAAAAAAAAAAAAAAAAAAAAA'), 'INVALID_HANDLE');
  for (const bad of ['', 'short', `${ref.id}x`, ref.id.slice(1) + '!', '../../etc']) {
    await rejectsWith(one.api.inspect(bad), 'INVALID_ARGUMENT');
  }
  assert.equal((await one.api.inspect(ref.id)).id, ref.id, 'the owner still has it');
  bridge.dispose();
});

test('a page that ends loses its secrets: closed, crashed, navigated (committed) or replaced by an error page', async () => {
  const { vault, window, bridge } = setup();
  for (const [event, args, kept] of [
    ['destroyed', [], false],
    ['render-process-gone', [{}, { reason: 'crashed' }], false],
    ['did-navigate', [{}, `${ORIGIN}/other.html`, 200, 'OK'], false],
    ['did-fail-provisional-load', [{}, -105, 'ERR_NAME_NOT_RESOLVED', 'https://example.invalid/', true, 1, 1], false],
    ['did-fail-provisional-load', [{}, -105, 'ERR_NAME_NOT_RESOLVED', 'https://example.invalid/', false, 1, 2], true],
    ['did-navigate-in-page', [{}, `${ORIGIN}/index.html#x`, true, 1, 1], true],
    ['did-start-navigation', [{ isMainFrame: true, isSameDocument: false }], true],
  ] as const) {
    const { contents, api } = window();
    await api.generate(8);
    await api.generate(8);
    contents.emit(event, ...args);
    assert.equal(bridge.secretCount(contents.id), kept ? 2 : 0, `${event} ${JSON.stringify(args)}`);
    bridge.forgetWindow(contents.id);
  }
  assert.equal(vault.stats().secrets, 0);
  bridge.dispose();
});

test('per-window limits: count, secret size, payload size, result size', async () => {
  const { vault, window, bridge } = setup({ maxSecretsPerWindow: 2, maxSecretSize: 64, maxPayloadBytes: 1024, maxResultBytes: 1000 });
  const { api } = window();
  const ref = await api.generate(64);
  await api.generate(1);
  await rejectsWith(api.generate(1), 'LIMIT_EXCEEDED');
  const other = window();
  await other.api.generate(1); // the limit is per window
  await rejectsWith(other.api.generate(65), 'INVALID_SIZE');
  await rejectsWith(other.api.importSecret(new Uint8Array(65)), 'INVALID_SIZE');
  await rejectsWith(other.api.importSecret('é'.repeat(40)), 'INVALID_SIZE'); // 80 UTF-8 bytes
  await rejectsWith(api.run('length', ref.id, 'y'.repeat(2000)), 'LIMIT_EXCEEDED');
  await rejectsWith(api.run('big', ref.id), 'LIMIT_EXCEEDED');
  assert.equal(vault.stats().secrets, 3);
  bridge.dispose();
});

test('operations: unknown names, non-data results, async results and throwing operations', async () => {
  const { window, bridge } = setup();
  const { api } = window();
  const ref = await api.generate(8);
  await rejectsWith(api.run('nope', ref.id), 'INVALID_ARGUMENT');
  await rejectsWith(api.run('fn', ref.id), 'INVALID_ARGUMENT');
  await rejectsWith(api.run('later', ref.id), 'INVALID_ARGUMENT');
  const failed = await rejectsWith(api.run('boom', ref.id), 'OPERATION_FAILED');
  assert.doesNotMatch(failed.message, /secret was/, "the operation's message (secret-derived) is not forwarded");
  assert.throws(() => bridge.registerOperation('fingerprint', () => 1), /already registered/);
  assert.throws(() => bridge.registerOperation('bad name!', () => 1), /must match/);
  bridge.registerOperation('added', () => 'late');
  assert.equal(await api.run('added', ref.id), 'late');
  bridge.dispose();
});

test('hostile payloads get clear errors and leave the vault unchanged', async () => {
  const { vault, ipc, bridge } = setup();
  const contents = new FakeWebContents();
  const send = (method: string, payload: unknown) =>
    ipc.invoke(eventFrom(contents), `strongroom:${method}`, payload) as Promise<{ ok: boolean; error?: { code: string; message: string } }>;
  const before = vault.stats();
  const cases: [string, unknown][] = [
    ['generate', { size: '32' }],
    ['generate', { size: 2 ** 53 }],
    ['generate', { size: -1 }],
    ['generate', { size: 1.5 }],
    ['generate', { size: 32, extra: 1 }],
    ['generate', JSON.parse('{"size": 8, "__proto__": {"polluted": true}}')],
    ['generate', { constructor: { prototype: {} } }],
    ['generate', 32],
    ['generate', null],
    ['generate', [32]],
    ['importSecret', { bytes: [1, 2, 3] }],
    ['importSecret', { text: '' }],
    ['importSecret', { text: 'x'.repeat(10_000) }],
    ['importSecret', { bytes: new Uint8Array(1), text: 'a' }],
    ['inspect', { id: 42 }],
    ['inspect', { id: 'x'.repeat(100_000) }],
    ['destroy', {}],
    ['run', { operation: 'fingerprint', id: 'AAAAAAAAAAAAAAAAAAAAAA', args: JSON.parse('{"__proto__": {"x": 1}}') as unknown }],
    ['run', { operation: 'constructor', id: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    ['run', { operation: '__proto__', id: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    ['run', { operation: 'fingerprint', id: 'AAAAAAAAAAAAAAAAAAAAAA', args: new Array(5000).fill(1) }],
    ['run', { operation: 'fingerprint', id: 'AAAAAAAAAAAAAAAAAAAAAA', args: 'z'.repeat(100_000) }],
    ['run', { operation: 'fingerprint', id: 'AAAAAAAAAAAAAAAAAAAAAA', args: JSON.parse('[[[[[[[[[[[1]]]]]]]]]]]') as unknown }],
    ['run', { operation: 'x'.repeat(65), id: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    ['run', { operation: 'fingerprint', id: 'AAAAAAAAAAAAAAAAAAAAAA', args: Object.assign([1, 2], { isAdmin: true }) }],
    [
      'run',
      {
        operation: 'fingerprint',
        id: 'AAAAAAAAAAAAAAAAAAAAAA',
        args: Object.defineProperty([1], '__proto__', { value: { isAdmin: true }, enumerable: true }),
      },
    ],
    ['list', { unexpected: true }],
    ['status', 'hello'],
  ];
  for (const [method, payload] of cases) {
    const response = await send(method, payload);
    assert.equal(response.ok, false, `${method} ${(JSON.stringify(payload) as string | undefined)?.slice(0, 80)}`);
    assert.match(response.error!.code, /^(INVALID_ARGUMENT|INVALID_SIZE|INVALID_HANDLE|LIMIT_EXCEEDED)$/);
    assert.ok(response.error!.message.length > 5);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(vault.stats(), before);
  bridge.dispose();
});

test('a refused sender changes nothing: sub-frames, other origins, no frame', async () => {
  const { vault, window, bridge } = setup();
  const before = vault.stats();
  for (const frame of [
    null,
    { url: `${ORIGIN}/x`, origin: ORIGIN, parent: topFrame() },
    topFrame('app://strongroom.evil/'),
    topFrame('file:///index.html'),
  ]) {
    const { api } = window(frame);
    await rejectsWith(api.generate(8), 'FORBIDDEN');
    await rejectsWith(api.status(), 'FORBIDDEN');
  }
  assert.deepEqual(vault.stats(), before);
  bridge.dispose();
});

test('registerVaultIpc refuses bad setup', () => {
  const ipc = new FakeIpcMain();
  const vault = new SecretVault({ maxSecretSize: 64 });
  assert.throws(() => registerVaultIpc(ipc, {} as never, { origin: ORIGIN }), /SecretVault/);
  assert.throws(() => registerVaultIpc(ipc, vault, { origin: 'file:///x' }), /scheme:\/\/host|may not use/);
  assert.throws(() => registerVaultIpc(ipc, vault, { origin: ORIGIN, limits: { maxSecretSize: 128 } }), /exceeds/);
  assert.throws(() => registerVaultIpc(ipc, vault, { origin: ORIGIN, limits: { maxPayloadBytes: 0 } }), /positive integer/);
  assert.equal(ipc.handlers.size, 0);
});

test(
  "importSecret leaves no copy of the secret anywhere in main's readable memory, under every sealing method",
  { skip: isLinux ? false : 'reads /proc/self/maps and /proc/self/mem (Linux only)' },
  (t) =>
    forEachSealingMethod(t, (method) => {
      // A child imports a random secret through the real handler into a vault
      // forced to `method`, then scans all of its own readable memory for it
      // (raw, hex, HEX, base64, base64url, JSON array and JSON object forms)
      // while the secret lives and after destroy. The vault's own data pages
      // are counted apart: under pkey they are mapped rw-p (the key, not the
      // page table, closes them to the process's threads) and /proc/self/mem
      // reads them, as a debugger would.
      const child = path.join(__dirname, 'support', 'secret-copies.child.js');
      const run = spawnSync(process.execPath, ['--expose-gc', child], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, [TEST_SEALING]: method },
      });
      assert.equal(run.status, 0, run.stderr);
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      assert.ok(line, run.stdout + run.stderr);
      const result = JSON.parse(line.slice('RESULT '.length)) as {
        wiped: boolean;
        sealing: string;
        alive: Scan;
        destroyed: Scan;
        control: Scan;
        vaultSecrets: number;
      };
      const forms = ['raw', 'hex', 'HEX', 'base64', 'base64url', 'json-array', 'json-object'];
      const none = Object.fromEntries(forms.map((f) => [f, 0]));
      assert.equal(result.sealing, method, 'the vault seals with the forced method');
      assert.equal(result.wiped, true, 'the bytes main received are wiped by the import');
      assert.deepEqual(
        result.alive.counts,
        none,
        `while the secret lives, no readable copy in any form outside the vault: ${result.alive.where.join('; ')}`,
      );
      // The vault's own page: readable only under pkey, where it holds the secret once, raw.
      assert.deepEqual(result.alive.own, { ...none, raw: method === 'pkey' ? 1 : 0 }, "the vault's own data pages");
      assert.deepEqual(result.destroyed.counts, none, `after destroy, no copy in any form: ${result.destroyed.where.join('; ')}`);
      assert.deepEqual(result.destroyed.own, none);
      assert.equal(result.vaultSecrets, 0);
      for (const scan of [result.alive, result.destroyed, result.control]) {
        assert.ok(scan.scannedBytes > 16 * 1024 * 1024, `scanned ${scan.scannedBytes} bytes`);
        // Only the kernel's vvar pages refuse reads; anything else unread would be a hole in the search.
        for (const entry of scan.unreadable) assert.match(entry, /\[(vvar|vvar_vclock|vsyscall)\]/, entry);
      }
      // The search itself works: copies made on purpose are found, in every form.
      for (const form of forms)
        assert.ok((result.control.counts[form] ?? 0) >= 1, `control copy found as ${form}: ${JSON.stringify(result.control.counts)}`);
    }),
);

test('a failed wipe when a window closes still destroys its other secrets and never throws into Electron', async () => {
  const { vault, window, bridge } = setup();
  const { contents, api } = window();
  await api.generate(8);
  await api.generate(8);
  await api.generate(8);
  const destroy = vault.destroy.bind(vault);
  let calls = 0;
  vault.destroy = (handle) => {
    destroy(handle); // wiped and freed, then reports a corrupted canary, as the pool does
    if (calls++ === 0) throw new SecureMemoryError('CANARY_CORRUPTED', 'simulated overflow');
  };
  const originalError = console.error;
  const logged: string[] = [];
  console.error = (message: string) => logged.push(message);
  try {
    assert.doesNotThrow(() => contents.emit('destroyed'));
  } finally {
    console.error = originalError;
    vault.destroy = destroy;
  }
  assert.equal(vault.stats().secrets, 0, 'every secret of the window is gone');
  assert.equal(bridge.secretCount(), 0, 'and no id is left behind');
  assert.match(logged.join('\n'), /CANARY_CORRUPTED|simulated overflow/);
  bridge.dispose();
});

test('operation args: arrays may carry no named properties (they survive a structured clone)', async () => {
  const { window, bridge, ipc } = setup();
  const { api, contents } = window();
  const ref = await api.generate(8);
  const named = Object.assign([1, 2], { isAdmin: true });
  const protoKey = Object.defineProperty([1], '__proto__', {
    value: { isAdmin: true },
    enumerable: true,
    configurable: true,
    writable: true,
  });
  // Sent past the bridge (which refuses these too) to check main's own check.
  for (const args of [named, protoKey, { nested: [named] }]) {
    const response = (await ipc.invoke(eventFrom(contents), 'strongroom:run', { operation: 'length', id: ref.id, args })) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    assert.equal(response.ok, false);
    assert.equal(response.error.code, 'INVALID_ARGUMENT');
    assert.match(response.error.message, /named property/);
  }
  assert.deepEqual(await api.run('length', ref.id, [1, 2]), { length: 8, echo: [1, 2] });
  bridge.dispose();
});

test('an operation gets a capability for its secret by default, and its bytes only when registered with access bytes', async () => {
  const { vault, window, bridge } = setup();
  const { api } = window();
  const seen: unknown[] = [];
  bridge.registerOperation('probe', (secret) => {
    seen.push(secret);
    return { bytes: secret instanceof Uint8Array || ArrayBuffer.isView(secret), kind: secret.kind, keys: Object.keys(secret).sort() };
  });
  bridge.registerOperation('copy', (secret) => ({ bytes: secret instanceof Uint8Array, length: secret.length }), { access: 'bytes' });
  assert.throws(
    () => bridge.registerOperation('odd', () => 1, { access: 'everything' } as never),
    (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_ARGUMENT',
  );
  assert.throws(
    () => registerVaultIpc(new FakeIpcMain(), vault, { origin: ORIGIN, operations: { odd: { access: 'raw', run: () => 1 } as never } }),
    /access must be 'capability' or 'bytes'/,
  );
  const plain = await api.generate(32);
  const seed = await api.generate(32, { kind: 'seed' });
  assert.deepEqual(await api.run('probe', plain.id), { bytes: false, kind: 'secret', keys: ['deriveKey', 'kind', 'publicKey', 'sign'] });
  assert.deepEqual(await api.run('probe', seed.id), { bytes: false, kind: 'seed', keys: ['deriveKey', 'kind', 'publicKey', 'sign'] });
  assert.deepEqual(await api.run('copy', seed.id), { bytes: true, length: 32 });
  // Kept past its operation, a capability is revoked: no call reaches the vault.
  const kept = seen[0] as SecretCapability;
  assert.throws(
    () => kept.publicKey(),
    (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_HANDLE',
  );
  bridge.dispose();
});

test('keys derived through a capability are destroyed when the operation returns, throws or returns a Promise', async () => {
  const { vault, window, bridge } = setup();
  const { api } = window();
  let child: DerivedKeyCapability | undefined;
  bridge.registerOperation('derive', (seed, args) => {
    child = seed.deriveKey("m/44'/60'/0'/0/0");
    const digest = new Uint8Array(32).fill(7);
    const { signature, recoveryId } = child.sign(digest, { scheme: 'ecdsa' });
    if (args === 'throw') throw new Error('after deriving');
    if (args === 'promise') return Promise.resolve(1);
    return {
      signature: Buffer.from(signature).toString('hex'),
      recoveryId,
      publicKey: Buffer.from(child.publicKey()).toString('hex'),
      depth: child.depth,
      path: child.path,
    };
  });
  bridge.registerOperation('many', (seed) => {
    for (let i = 0; i <= MAX_DERIVED_PER_OPERATION; i++) seed.deriveKey(`m/${i}`);
  });
  const seed = await api.generate(32, { kind: 'seed' });
  const result = (await api.run('derive', seed.id)) as { signature: string; recoveryId: number; publicKey: string; depth: number };
  assert.equal(result.depth, 5);
  const recovered = secp256k1.Signature.fromBytes(hexToBytes(result.signature), 'compact')
    .addRecoveryBit(result.recoveryId)
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- @noble/curves 1.x recovers a key only through the signature; the standalone recoverPublicKey is 2.x's
    .recoverPublicKey(new Uint8Array(32).fill(7))
    .toHex(true);
  assert.equal(recovered, result.publicKey, 'the signature and recovery id recover the derived key');
  assert.equal(vault.stats().secrets, 1, 'only the seed');
  assert.throws(
    () => child!.sign(new Uint8Array(32), { scheme: 'ecdsa' }),
    (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_HANDLE',
  );
  await rejectsWith(api.run('derive', seed.id, 'throw'), 'OPERATION_FAILED');
  assert.equal(vault.stats().secrets, 1);
  await rejectsWith(api.run('derive', seed.id, 'promise'), 'INVALID_ARGUMENT');
  assert.equal(vault.stats().secrets, 1);
  const created = vault.stats().created;
  await rejectsWith(api.run('many', seed.id), 'OPERATION_FAILED');
  assert.equal(vault.stats().created - created, MAX_DERIVED_PER_OPERATION, 'derivation stops at the limit');
  assert.equal(vault.stats().secrets, 1);
  bridge.dispose();
});

test('generate(size, { kind }) is checked in the preload and in main', async () => {
  const { vault, ipc, window, bridge } = setup();
  const { api, contents } = window();
  for (const options of [null, 'seed', { kind: 'key' }, { kind: 'seed', extra: 1 }, [1]]) {
    await rejectsWith(api.generate(32, options as never), 'INVALID_ARGUMENT');
  }
  await rejectsWith(api.generate(8, { kind: 'seed' }), 'INVALID_SIZE');
  await rejectsWith(api.generate(65, { kind: 'seed' }), 'INVALID_SIZE');
  for (const payload of [
    { size: 32, kind: 'key' },
    { size: 32, kind: 1 },
    { size: 32, kind: 'seed', x: 1 },
  ]) {
    const answer = (await ipc.invoke(eventFrom(contents), channelFor('generate'), payload)) as { ok: boolean; error?: { code: string } };
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.code, 'INVALID_ARGUMENT');
  }
  assert.equal(vault.stats().secrets, 0);
  bridge.dispose();
});

test("the bridge's generate path takes the schema's size without a second range check, and still fails closed on a non-integer", () => {
  const vault = new SecretVault({ maxSecretSize: 64 });
  const sized = generateValidatedSize(vault, 48, 'secret');
  assert.equal(vault.inspect(sized).size, 48);
  const seed = generateValidatedSize(vault, 32, 'seed');
  assert.equal(vault.kindOf(seed), 'seed');
  // A seed's own range is the vault's rule, not the schema's.
  for (const size of [8, 65]) {
    assert.throws(
      () => generateValidatedSize(vault, size, 'seed'),
      (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_SIZE',
    );
  }
  // Only the type is asserted: a size the schema would never pass fails closed before native code.
  for (const size of [1.5, 0, -1, Number.NaN, Number.MAX_VALUE]) {
    assert.throws(
      () => generateValidatedSize(vault, size, 'secret'),
      (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_ARGUMENT',
      String(size),
    );
  }
  // The public method still checks its own argument's range.
  assert.throws(
    () => vault.generate(65),
    (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_SIZE',
  );
  assert.equal(vault.stats().secrets, 2);
});
