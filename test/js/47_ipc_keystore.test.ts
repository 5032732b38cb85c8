// The bridge's keystore calls, through the real handlers, vault and addon:
// exportKeystore (a seed's key at a path, or a key) and importKeystore, the
// password bytes wiped in main and in the page, progress to the calling
// frame only, cancelling from the page (its own calls only) and when the
// page ends, and hostile requests refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';

import { SecretVault } from '../../main';
import { BRIDGE_KEYSTORE_LIMITS, channelFor, KEYSTORE_PROGRESS_CHANNEL, type StrongroomBridge } from '../../bridge/contract';
import { registerVaultIpc, type Operation } from '../../main/ipc/register';
import { createBridgeApi } from '../../preload/bridge-api';
import { at, must } from './support/assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN, topFrame, type FakeFrame } from './support/bridge-fixtures';

const PATH = "m/44'/60'/0'/0/0";
// Small scrypt: the bridge passes n through to the vault, which checks it against its limits.
const CHEAP = { kdf: 'scrypt', n: 1024, r: 8, p: 1, path: PATH } as const;

/** The secret's account public key: a seed's key at PATH, or the key itself. */
const operations: Record<string, Operation> = {
  accountKey: (secret) => (secret.kind === 'seed' ? secret.deriveKey(PATH).publicKeyBytes : secret.publicKey()),
  kind: (secret) => secret.kind,
};

function addressOf(publicKey: Uint8Array): string {
  const uncompressed = secp256k1.Point.fromHex(publicKey).toBytes(false);
  return Buffer.from(keccak_256(uncompressed.subarray(1)).subarray(12)).toString('hex');
}

type SentFrame = FakeFrame & { sent: unknown[][]; send(channel: string, ...args: unknown[]): void };

function setup(limits = {}) {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, operations, limits });
  const window = () => {
    const contents = new FakeWebContents();
    const listeners: ((...args: unknown[]) => void)[] = [];
    // The frame records what main sends it, then hands it to this window's preload, as Electron would.
    const frame: SentFrame = {
      ...topFrame(),
      sent: [],
      send(channel: string, ...args: unknown[]) {
        this.sent.push([channel, ...args]);
        if (channel === KEYSTORE_PROGRESS_CHANNEL) for (const listener of listeners) listener(...structuredClone(args));
      },
    };
    contents.mainFrame = frame;
    const api: StrongroomBridge = createBridgeApi(
      (channel, payload) => ipc.invoke(eventFrom(contents, frame), channel, payload),
      (channel, listener) => {
        if (channel === KEYSTORE_PROGRESS_CHANNEL) listeners.push(listener);
      },
    );
    return { contents, frame, api };
  };
  return { vault, ipc, bridge, window };
}

const pw = (text: string) => new TextEncoder().encode(text);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  const caught = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(caught instanceof Error);
  assert.ok(caught.message.startsWith(`${code}: `), caught.message);
  return caught;
}

test("a seed's account key exported through the bridge imports back as a key with the same address", async () => {
  const { window, bridge, vault } = setup();
  const { api } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const expected = addressOf((await api.run('accountKey', seed.id)) as Uint8Array);
  const json = await api.exportKeystore(seed.id, pw('correct horse'), CHEAP);
  const file = JSON.parse(json) as { address: string; crypto: { kdf: string; kdfparams: { n: number } } };
  assert.equal(file.address, expected);
  assert.equal(file.crypto.kdf, 'scrypt');
  assert.equal(file.crypto.kdfparams.n, 1024);
  assert.equal(vault.stats().secrets, 1, 'the derived key was destroyed after the export');

  const imported = await api.importKeystore(json, pw('correct horse'));
  assert.match(imported.id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(imported.size, 32);
  assert.equal(await api.run('kind', imported.id), 'secp256k1-key');
  assert.equal(addressOf((await api.run('accountKey', imported.id)) as Uint8Array), expected);
  assert.deepEqual((await api.list()).map((r) => r.id).sort(), [seed.id, imported.id].sort());

  // A key exports as itself (no path); a path is for a seed only, and a seed needs one.
  const again = JSON.parse(await api.exportKeystore(imported.id, pw('x'), { n: 1024 })) as { address: string };
  assert.equal(again.address, expected);
  await rejectsWith(api.exportKeystore(imported.id, pw('x'), CHEAP), 'INVALID_ARGUMENT');
  await rejectsWith(api.exportKeystore(seed.id, pw('x'), { n: 1024 }), 'INVALID_ARGUMENT');
  assert.equal(bridge.secretCount(), 2);
  bridge.dispose();
});

test("a wrong password is WRONG_PASSWORD and creates nothing; another window cannot export this one's secret", async () => {
  const { window, bridge } = setup();
  const { api, contents } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const json = await api.exportKeystore(seed.id, pw('right'), CHEAP);
  await rejectsWith(api.importKeystore(json, pw('wrong')), 'WRONG_PASSWORD');
  assert.equal(bridge.secretCount(contents.id), 1);
  assert.deepEqual(await api.list(), [seed]);

  const other = window();
  await rejectsWith(other.api.exportKeystore(seed.id, pw('right'), CHEAP), 'INVALID_HANDLE');
  assert.equal(bridge.secretCount(other.contents.id), 0);
  bridge.dispose();
});

test("main wipes the password bytes it was sent, accepted or refused; the preload wipes the page's copy once sent", async () => {
  const { window, ipc, bridge } = setup();
  const { api, contents, frame } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const event = eventFrom(contents, frame);

  // Delivered as main receives them (no clone): these are main's copies.
  const exported = pw('main copy 1');
  const json = (await ipc.deliver(event, channelFor('exportKeystore'), {
    id: seed.id,
    password: exported,
    options: { n: 1024, path: PATH },
    progress: 0,
  })) as { ok: boolean; value: string };
  assert.equal(json.ok, true);
  assert.ok(
    exported.every((b) => b === 0),
    'export: the password is wiped',
  );

  const imported = pw('main copy 1');
  const ok = (await ipc.deliver(event, channelFor('importKeystore'), { json: json.value, password: imported, progress: 0 })) as {
    ok: boolean;
  };
  assert.equal(ok.ok, true);
  assert.ok(
    imported.every((b) => b === 0),
    'import: the password is wiped',
  );

  for (const payload of [
    { json: json.value, password: pw('wrong password'), progress: 0 }, // WRONG_PASSWORD
    { json: '{}', password: pw('main copy 1'), progress: 0 }, // not a keystore
    { json: json.value, password: pw('main copy 1'), progress: 0, extra: 1 }, // refused by the schema
    { json: 42, password: pw('main copy 1'), progress: 0 },
  ]) {
    const response = (await ipc.deliver(event, channelFor('importKeystore'), payload)) as { ok: boolean };
    assert.equal(response.ok, false);
    assert.ok(
      payload.password.every((b) => b === 0),
      `refused import: the password is wiped (${JSON.stringify(response)})`,
    );
  }
  for (const payload of [
    { id: 'AAAAAAAAAAAAAAAAAAAAAA', password: pw('main copy'), options: { n: 1024, path: PATH }, progress: 0 }, // no such secret
    { id: seed.id, password: pw('main copy'), options: { n: 2 ** 30, path: PATH }, progress: 0 }, // over the KDF limits
    { id: seed.id, password: pw('main copy'), options: { n: 1024 }, progress: 0 }, // a seed needs a path
  ]) {
    const response = (await ipc.deliver(event, channelFor('exportKeystore'), payload)) as { ok: boolean };
    assert.equal(response.ok, false);
    assert.ok(
      payload.password.every((b) => b === 0),
      `refused export: the password is wiped (${JSON.stringify(response)})`,
    );
  }

  // The page's bytes, as the preload gets them: wiped once the call has sent them.
  const page = pw('page copy');
  const call = api.exportKeystore(seed.id, page, CHEAP);
  assert.ok(
    page.every((b) => b === 0),
    "the preload wiped the page's copy",
  );
  await call;
  bridge.dispose();
});

test('progress reaches only the calling frame, as numbers, in order', async () => {
  const { window, bridge } = setup();
  const a = window();
  const b = window();
  const seed = await a.api.generate(32, { kind: 'seed' });
  await b.api.generate(32, { kind: 'seed' });
  const reports: unknown[] = [];
  const json = await a.api.exportKeystore(seed.id, pw('p'), { ...CHEAP, onProgress: (progress) => reports.push(progress) });
  // The addon coalesces reports when the main thread is busy: at least one arrives, in order.
  assert.ok(reports.length >= 1, `${reports.length} reports`);
  for (const report of reports) {
    assert.deepEqual(Object.keys(report as object).sort(), ['done', 'total']);
  }
  const seen = reports as { done: number; total: number }[];
  for (const [i, { done, total }] of seen.entries()) {
    assert.ok(done > 0 && done <= total && total === at(seen, 0, 'the first report').total, `${done}/${total}`);
    if (i > 0) assert.ok(done >= at(seen, i - 1, 'the report before').done);
  }
  assert.equal(a.frame.sent.length, reports.length);
  for (const message of a.frame.sent) {
    assert.equal(message[0], KEYSTORE_PROGRESS_CHANNEL);
    assert.equal(message.length, 4);
    assert.ok(message.slice(1).every((v) => typeof v === 'number'));
  }
  assert.equal(b.frame.sent.length, 0, 'the other window heard nothing');

  const importReports: unknown[] = [];
  await a.api.importKeystore(json, pw('p'), { onProgress: (progress) => importReports.push(progress) });
  assert.ok(importReports.length >= 1);
  assert.equal(b.frame.sent.length, 0, 'the other window heard nothing');

  // Without onProgress, main sends nothing.
  const before = a.frame.sent.length;
  await a.api.exportKeystore(seed.id, pw('p'), CHEAP);
  assert.equal(a.frame.sent.length, before);
  bridge.dispose();
});

test('hostile keystore requests are refused before any work, and create nothing', async () => {
  const { window, ipc, bridge } = setup();
  const { api, contents, frame } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const event = eventFrom(contents, frame);
  const send = async (method: 'exportKeystore' | 'importKeystore', payload: unknown) =>
    (await ipc.deliver(event, channelFor(method), payload)) as { ok: boolean; error?: { code: string; message: string } };

  // A real keystore with the right password, padded past the bridge's cap (the vault alone would take it).
  const real = await api.exportKeystore(seed.id, pw('p'), CHEAP);
  const huge = `${real}${' '.repeat(BRIDGE_KEYSTORE_LIMITS.maxJsonChars)}`;
  const cases: [method: 'exportKeystore' | 'importKeystore', payload: unknown, code: string][] = [
    ['importKeystore', { json: huge, password: pw('p'), progress: 0 }, 'INVALID_ARGUMENT'],
    ['importKeystore', { json: `${real}${' '.repeat(40_000)}`, password: pw('p'), progress: 0 }, 'LIMIT_EXCEEDED'],
    ['importKeystore', { json: 'z'.repeat(200_000), password: pw('p'), progress: 0 }, 'LIMIT_EXCEEDED'],
    ['importKeystore', { json: '{}', password: 'p', progress: 0 }, 'INVALID_ARGUMENT'],
    ['importKeystore', { json: '{}', password: [1, 2, 3], progress: 0 }, 'INVALID_ARGUMENT'],
    ['importKeystore', { json: '{}', password: new Uint8Array(0), progress: 0 }, 'INVALID_ARGUMENT'],
    [
      'importKeystore',
      { json: '{}', password: new Uint8Array(BRIDGE_KEYSTORE_LIMITS.maxPasswordBytes + 1), progress: 0 },
      'INVALID_ARGUMENT',
    ],
    ['importKeystore', { json: '{}', password: pw('p'), progress: -1 }, 'INVALID_ARGUMENT'],
    ['importKeystore', { json: '{}', password: pw('p') }, 'INVALID_ARGUMENT'],
    ['importKeystore', JSON.parse('{"__proto__": {"json": "{}"}}'), 'INVALID_ARGUMENT'],
    ['importKeystore', null, 'INVALID_ARGUMENT'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { n: '1024', path: PATH }, progress: 0 }, 'INVALID_ARGUMENT'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { n: 1024, path: PATH, extra: 1 }, progress: 0 }, 'INVALID_ARGUMENT'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { kdf: 'argon2', path: PATH }, progress: 0 }, 'INVALID_ARGUMENT'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { n: 2 ** 24, r: 32, path: PATH }, progress: 0 }, 'LIMIT_EXCEEDED'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { n: 1024, path: 'x'.repeat(129) }, progress: 0 }, 'INVALID_ARGUMENT'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { n: 1024, path: 'not a path' }, progress: 0 }, 'INVALID_ARGUMENT'],
    ['exportKeystore', { id: '../../etc', password: pw('p'), options: { path: PATH }, progress: 0 }, 'INVALID_ARGUMENT'],
  ];
  for (const [method, payload, code] of cases) {
    const response = await send(method, payload);
    assert.equal(response.ok, false, `${method} ${(JSON.stringify(payload) as string | undefined)?.slice(0, 80)}`);
    assert.equal(response.error?.code, code, `${method}: ${response.error?.message}`);
    assert.ok(response.error.message.length <= 200);
  }
  assert.equal(bridge.secretCount(), 1, 'nothing was created');
  assert.equal(frame.sent.length, 0, 'no progress for refused calls');

  // The preload refuses bad shapes without sending.
  const refusedByPreload: [Promise<unknown>, RegExp][] = [
    [api.importKeystore(42 as never, pw('p')), /json must be a string/],
    [api.importKeystore(huge, pw('p')), /1 to \d+ characters/],
    [api.importKeystore('{}', 'p' as never), /must be a Uint8Array/],
    [api.importKeystore('{}', pw('p'), { onProgress: 1 } as never), /onProgress must be a function/],
    [api.exportKeystore(seed.id, pw('p'), { n: '1' } as never), /options.n must be an integer/],
    [api.exportKeystore(seed.id, pw('p'), { evil: 1 } as never), /unknown option evil/],
    [(api.exportKeystore as (...args: unknown[]) => Promise<unknown>)(seed.id, pw('p'), CHEAP, 'extra'), /takes 2 to 3 arguments/],
  ];
  for (const [promise, message] of refusedByPreload) {
    const error = await rejectsWith(promise, 'INVALID_ARGUMENT');
    assert.match(error.message, message);
  }
  bridge.dispose();
});

test("a window's limits are checked before the KDF runs; a key whose page ended meanwhile is destroyed", async () => {
  const { window, bridge, vault } = setup({ maxSecretsPerWindow: 1 });
  const { api, frame, contents } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const json = await api.exportKeystore(seed.id, pw('p'), CHEAP);
  await rejectsWith(api.importKeystore(json, pw('p'), { onProgress: () => undefined }), 'LIMIT_EXCEEDED');
  assert.equal(frame.sent.length, 0, 'refused before the KDF: no progress');
  assert.equal(vault.stats().secrets, 1);

  // The page navigates while the KDF runs: its secrets go, the KDF is stopped, and no key outlives the page.
  await api.destroy(seed.id);
  const slow = await api.generate(32, { kind: 'seed' }).then((s) => api.exportKeystore(s.id, pw('p'), { ...CHEAP, n: 16384 }));
  await api.destroy(at(await api.list(), 0, 'the one secret left').id);
  const pending = api.importKeystore(slow, pw('p'));
  contents.commitNavigation();
  await rejectsWith(pending, 'ABORTED');
  assert.equal(vault.stats().secrets, 0, 'nothing left behind');
  assert.equal(bridge.secretCount(), 0);
  assert.equal(bridge.keystoreCallCount(), 0);
  bridge.dispose();
});

// scrypt at n = 2^18 (256 MiB, about a second here): a cancel after the first
// progress report lands well inside the KDF.
const SLOW_N = 2 ** 18;

/** A keystore whose KDF is slow and whose MAC cannot match: run in full, it ends in WRONG_PASSWORD, never in a key. */
function slowKeystore(json: string): string {
  const file = JSON.parse(json) as { crypto: { kdfparams: { n: number } } };
  file.crypto.kdfparams.n = SLOW_N;
  return JSON.stringify(file);
}

/** Records how the vault's own keystore calls ended (the bridge's answer may differ): ABORTED only if the KDF was stopped. */
function watchVault(vault: SecretVault): string[] {
  const outcomes: string[] = [];
  for (const method of ['exportKeystore', 'importKeystore'] as const) {
    const original = vault[method].bind(vault) as (...args: unknown[]) => Promise<unknown>;
    (vault as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const pending = original(...args);
      void pending.then(
        () => outcomes.push(`${method} resolved`),
        (error: unknown) => outcomes.push(`${method} ${(error as { code?: string }).code}`),
      );
      return pending;
    };
  }
  return outcomes;
}

/** onProgress that records reports, and a promise for the first: the KDF has started. */
function progressWatch() {
  const reports: { done: number; total: number }[] = [];
  let started!: () => void;
  const first = new Promise<void>((resolve) => (started = resolve));
  return {
    reports,
    first,
    onProgress: (report: { done: number; total: number }) => {
      reports.push(report);
      started();
    },
  };
}

/** Lets the settled calls' continuations run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

test('the page cancels its own export and import mid-KDF: ABORTED, the KDF stopped, nothing created, the password wiped', async () => {
  const { window, bridge, vault, ipc } = setup();
  const { api, contents, frame } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const cheap = await api.exportKeystore(seed.id, pw('p'), CHEAP);
  const outcomes = watchVault(vault);
  const before = vault.stats();

  const exporting = progressWatch();
  const started = Date.now();
  const exported = api.exportKeystore(seed.id, pw('p'), { ...CHEAP, n: SLOW_N, job: 'export-1', onProgress: exporting.onProgress });
  await exporting.first;
  assert.equal(bridge.keystoreCallCount(contents.id), 1);
  // Resolves with nothing once main has aborted the call.
  assert.equal(await (api.cancelKeystore as (job: string) => Promise<unknown>)('export-1'), undefined);
  await rejectsWith(exported, 'ABORTED');
  await settled();
  assert.deepEqual(outcomes, ['exportKeystore ABORTED'], 'the vault itself was aborted: the KDF stopped');
  const total = at(exporting.reports, 0, 'the first export progress report').total;
  assert.equal(total, 2 * SLOW_N);
  assert.ok(Math.max(...exporting.reports.map((r) => r.done)) < total, 'no report of a finished KDF');
  const elapsed = Date.now() - started;

  const importing = progressWatch();
  const imported = api.importKeystore(slowKeystore(cheap), pw('p'), { job: 'import-1', onProgress: importing.onProgress });
  await importing.first;
  await api.cancelKeystore('import-1');
  await rejectsWith(imported, 'ABORTED');
  await settled();
  assert.deepEqual(outcomes, ['exportKeystore ABORTED', 'importKeystore ABORTED'], 'stopped before the MAC check (WRONG_PASSWORD)');
  assert.ok(Math.max(...importing.reports.map((r) => r.done)) < total);

  // Nothing was made: the vault holds the seed only, and created no more than the export's derived key (destroyed at once).
  const after = vault.stats();
  assert.equal(after.secrets, before.secrets);
  assert.equal(after.bytes, before.bytes);
  assert.equal(after.created - before.created, 1);
  assert.equal(after.destroyed - before.destroyed, 1);
  assert.deepEqual(await api.list(), [seed]);
  assert.equal(bridge.secretCount(), 1);
  assert.equal(bridge.keystoreCallCount(), 0, 'no call is tracked after it settled');
  // Finished (cancelled) calls cannot be cancelled again.
  await rejectsWith(api.cancelKeystore('export-1'), 'INVALID_HANDLE');
  await rejectsWith(api.cancelKeystore('import-1'), 'INVALID_HANDLE');

  // Main's copy of the password, delivered as main receives it, is wiped when the call is cancelled.
  const event = eventFrom(contents, frame);
  const password = pw('main copy');
  const raw = ipc.deliver(event, channelFor('importKeystore'), {
    json: slowKeystore(cheap),
    password,
    progress: 0,
    job: 'raw',
  }) as Promise<{
    ok: boolean;
    error?: { code: string };
  }>;
  assert.deepEqual(await ipc.deliver(event, channelFor('cancelKeystore'), { job: 'raw' }), { ok: true, value: undefined });
  assert.equal((await raw).error?.code, 'ABORTED');
  assert.ok(
    password.every((b) => b === 0),
    'the password main received is wiped',
  );
  assert.equal(vault.stats().secrets, before.secrets);
  console.log(`# export cancelled after ${elapsed} ms, at ${Math.max(...exporting.reports.map((r) => r.done))} of ${total}`);
  bridge.dispose();
});

test("only the calling document cancels its call: another window, a sub-frame, the window's next document, finished and unknown names are refused and cancel nothing", async () => {
  const { window, bridge, vault, ipc } = setup();
  const a = window();
  const b = window();
  const seed = await a.api.generate(32, { kind: 'seed' });
  const bSeed = await b.api.generate(32, { kind: 'seed' });
  const outcomes = watchVault(vault);
  // n = 2^16: long enough for every refusal below to arrive while it runs (they are answered synchronously).
  const mine = a.api.exportKeystore(seed.id, pw('p'), { ...CHEAP, n: 2 ** 16, job: 'shared' });
  assert.equal(bridge.keystoreCallCount(a.contents.id), 1);

  // Another window, by the very name: refused as an unknown name.
  await rejectsWith(b.api.cancelKeystore('shared'), 'INVALID_HANDLE');
  // A sub-frame of the same window: not a trusted sender at all.
  const child = { ...topFrame(), parent: a.frame, routingId: 2 };
  const fromChild = (await ipc.invoke(eventFrom(a.contents, child), channelFor('cancelKeystore'), { job: 'shared' })) as {
    error?: { code: string };
  };
  assert.equal(fromChild.error?.code, 'FORBIDDEN');
  // The same name again while it runs: refused, and the first call goes on.
  await rejectsWith(a.api.exportKeystore(seed.id, pw('p'), { ...CHEAP, job: 'shared' }), 'INVALID_ARGUMENT');
  // The other window may use the same name for its own call, and cancels only that one.
  const theirs = b.api.exportKeystore(bSeed.id, pw('p'), { ...CHEAP, n: 2 ** 16, job: 'shared' });
  await b.api.cancelKeystore('shared');
  await rejectsWith(theirs, 'ABORTED');

  const json = await mine;
  assert.equal((JSON.parse(json) as { version: number }).version, 3, "the first window's call finished");
  await settled();
  assert.deepEqual(outcomes.sort(), ['exportKeystore ABORTED', 'exportKeystore resolved']);

  // Finished or never started: refused; the name is free again.
  await rejectsWith(a.api.cancelKeystore('shared'), 'INVALID_HANDLE');
  await rejectsWith(a.api.cancelKeystore('never-started'), 'INVALID_HANDLE');
  await a.api.exportKeystore(seed.id, pw('p'), { ...CHEAP, job: 'shared' });

  // A cross-process navigation: the new frame is the window's main frame before the commit arrives.
  // Its document cannot cancel the old document's call; the commit then cancels it.
  const running = a.api.exportKeystore(seed.id, pw('p'), { ...CHEAP, n: SLOW_N, job: 'old-page' });
  const next = { ...topFrame(), processId: 2 };
  a.contents.mainFrame = next;
  const fromNext = (await ipc.invoke(eventFrom(a.contents, next), channelFor('cancelKeystore'), { job: 'old-page' })) as {
    error?: { code: string };
  };
  assert.equal(fromNext.error?.code, 'INVALID_HANDLE');
  assert.equal(bridge.keystoreCallCount(a.contents.id), 1, 'the call still runs');
  a.contents.commitNavigation(next);
  await rejectsWith(running, 'ABORTED');
  assert.equal(bridge.keystoreCallCount(), 0);
  assert.equal(vault.stats().secrets, 1, "only the other window's seed is left");
  bridge.dispose();
});

test('a cancel that arrives after the KDF finished but before the answer still wins: ABORTED, and the decrypted key is destroyed', async () => {
  const { window, bridge, vault, ipc } = setup();
  const { api, contents, frame } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const json = await api.exportKeystore(seed.id, pw('p'), CHEAP);
  const event = eventFrom(contents, frame);
  // The vault's work is done; the page's cancel reaches main before the bridge has seen the result.
  const cancelAfterFinish = (method: 'exportKeystore' | 'importKeystore', job: string, answers: unknown[]) => {
    const original = vault[method].bind(vault) as (...args: unknown[]) => Promise<unknown>;
    (vault as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      original(...args).then(async (value) => {
        answers.push(await ipc.invoke(event, channelFor('cancelKeystore'), { job }));
        return value;
      });
  };
  const answers: unknown[] = [];
  cancelAfterFinish('importKeystore', 'late-import', answers);
  cancelAfterFinish('exportKeystore', 'late-export', answers);
  const before = vault.stats();
  await rejectsWith(api.importKeystore(json, pw('p'), { job: 'late-import' }), 'ABORTED');
  await rejectsWith(api.exportKeystore(seed.id, pw('p'), { ...CHEAP, job: 'late-export' }), 'ABORTED');
  assert.deepEqual(answers, [
    { ok: true, value: undefined },
    { ok: true, value: undefined },
  ]);
  const after = vault.stats();
  assert.equal(after.secrets, before.secrets, 'the key decrypted before the cancel was destroyed');
  assert.equal(after.created - before.created, 2, 'the decrypted key and the derived key were made');
  assert.equal(after.destroyed - before.destroyed, 2, 'and both destroyed');
  assert.deepEqual(await api.list(), [seed]);
  assert.equal(bridge.keystoreCallCount(), 0);
  bridge.dispose();
});

test('a window that crashes or closes, and a disposed bridge, stop their running KDFs: ABORTED, nothing created', async () => {
  for (const end of ['crash', 'close', 'dispose'] as const) {
    const { window, bridge, vault } = setup();
    const { api, contents } = window();
    const seed = await api.generate(32, { kind: 'seed' });
    const cheap = await api.exportKeystore(seed.id, pw('p'), CHEAP);
    const outcomes = watchVault(vault);
    const importing = progressWatch();
    // No job name: a call the page cannot cancel is still stopped when the page ends.
    const pending = api.importKeystore(slowKeystore(cheap), pw('p'), { onProgress: importing.onProgress });
    await importing.first;
    const created = vault.stats().created;
    if (end === 'crash') contents.emit('render-process-gone', {}, { reason: 'crashed' });
    else if (end === 'close') contents.emit('destroyed');
    else bridge.dispose();
    await rejectsWith(pending, 'ABORTED');
    await settled();
    assert.deepEqual(outcomes, ['importKeystore ABORTED'], `${end}: the KDF was stopped`);
    assert.equal(vault.stats().created, created, `${end}: nothing created`);
    assert.equal(vault.stats().secrets, 0, `${end}: the seed went with the page`);
    assert.equal(bridge.keystoreCallCount(), 0);
    if (end !== 'dispose') bridge.dispose();
  }
});

test('hostile cancel requests are refused with their code and cancel nothing', async () => {
  const { window, ipc, bridge, vault } = setup();
  const { api, contents, frame } = window();
  const seed = await api.generate(32, { kind: 'seed' });
  const outcomes = watchVault(vault);
  const running = api.exportKeystore(seed.id, pw('p'), { ...CHEAP, n: 2 ** 16, job: 'victim' });
  const event = eventFrom(contents, frame);
  const cases: [method: string, payload: unknown, code: string][] = [
    ['cancelKeystore', { job: 'victim ' }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: 'Victim' }, 'INVALID_HANDLE'],
    ['cancelKeystore', { job: '' }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: 'v'.repeat(65) }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: 'v'.repeat(64) }, 'INVALID_HANDLE'],
    ['cancelKeystore', { job: '../victim' }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: ['victim'] }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: 1 }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: 'victim', extra: 1 }, 'INVALID_ARGUMENT'],
    ['cancelKeystore', JSON.parse('{"__proto__": {"job": "victim"}}'), 'INVALID_ARGUMENT'],
    ['cancelKeystore', {}, 'INVALID_ARGUMENT'],
    ['cancelKeystore', 'victim', 'INVALID_ARGUMENT'],
    ['cancelKeystore', null, 'INVALID_ARGUMENT'],
    ['cancelKeystore', undefined, 'INVALID_ARGUMENT'],
    ['cancelKeystore', { job: 'v'.repeat(40_000) }, 'LIMIT_EXCEEDED'],
    ['exportKeystore', { id: seed.id, password: pw('p'), options: { n: 1024, path: PATH }, progress: 0, job: 'a b' }, 'INVALID_ARGUMENT'],
    [
      'exportKeystore',
      { id: seed.id, password: pw('p'), options: { n: 1024, path: PATH }, progress: 0, job: 'victim' },
      'INVALID_ARGUMENT',
    ],
    ['importKeystore', { json: '{}', password: pw('p'), progress: 0, job: 3 }, 'INVALID_ARGUMENT'],
    ['importKeystore', { json: '{}', password: pw('p'), progress: 0, job: null }, 'INVALID_ARGUMENT'],
  ];
  for (const [method, payload, code] of cases) {
    const response = (await ipc.invoke(event, channelFor(method as 'cancelKeystore'), payload)) as {
      ok: boolean;
      error?: { code: string; message: string };
    };
    const what = `${method} ${payload === undefined ? 'undefined' : JSON.stringify(payload).slice(0, 80)}`;
    assert.equal(response.ok, false, what);
    const error = must(response.error, `${what}: an error`);
    assert.equal(error.code, code, `${what}: ${error.message}`);
    assert.ok(error.message.length <= 200);
  }
  assert.equal(bridge.keystoreCallCount(contents.id), 1, 'the victim still runs');
  assert.equal((JSON.parse(await running) as { version: number }).version, 3);
  await settled();
  assert.deepEqual(outcomes, ['exportKeystore resolved']);
  assert.equal(vault.stats().secrets, 1);

  // The preload refuses what cannot be a name, and an AbortSignal (contextBridge would strip it), without sending.
  await rejectsWith((api.cancelKeystore as (...args: unknown[]) => Promise<unknown>)(42), 'INVALID_ARGUMENT');
  const signal = await rejectsWith(
    api.exportKeystore(seed.id, pw('p'), { ...CHEAP, signal: new AbortController().signal } as never),
    'INVALID_ARGUMENT',
  );
  assert.match(signal.message, /cancelKeystore\(job\)/);
  bridge.dispose();
});

test('a window runs at most maxKeystoreCallsPerWindow keystore calls at once, and the bridge maxBridgeKeystoreCalls: more are LIMIT_EXCEEDED before any work', async () => {
  const { window, bridge, vault } = setup({ maxKeystoreCallsPerWindow: 2, maxBridgeKeystoreCalls: 3 });
  const first = window();
  const second = window();
  const seed = await first.api.generate(32, { kind: 'seed' });
  const cheap = await first.api.exportKeystore(seed.id, pw('p'), CHEAP);
  const outcomes = watchVault(vault);
  const before = vault.stats();

  const a = progressWatch();
  const b = progressWatch();
  const runningA = first.api.importKeystore(slowKeystore(cheap), pw('p'), { job: 'a', onProgress: a.onProgress });
  const runningB = first.api.exportKeystore(seed.id, pw('p'), { ...CHEAP, n: SLOW_N, job: 'b', onProgress: b.onProgress });
  await Promise.all([a.first, b.first]);
  assert.equal(bridge.keystoreCallCount(first.contents.id), 2);

  // A third call in the same window is refused: no KDF starts (the vault sees no third call), the password is wiped.
  const password = pw('third');
  const third = await rejectsWith(first.api.importKeystore(cheap, password, { job: 'c' }), 'LIMIT_EXCEEDED');
  assert.match(third.message, /maxKeystoreCallsPerWindow/);
  assert.ok(
    password.every((byte) => byte === 0),
    "the preload wiped the refused call's password",
  );

  // Another window may run one more, up to the bridge-wide limit; then it is refused too.
  const c = progressWatch();
  const runningC = second.api.importKeystore(slowKeystore(cheap), pw('p'), { job: 'a', onProgress: c.onProgress });
  await c.first;
  const fourth = await rejectsWith(second.api.importKeystore(cheap, pw('p')), 'LIMIT_EXCEEDED');
  assert.match(fourth.message, /maxBridgeKeystoreCalls/);
  assert.equal(bridge.keystoreCallCount(), 3);

  // Cancelled calls free their places; then a call runs again.
  await first.api.cancelKeystore('a');
  await first.api.cancelKeystore('b');
  await second.api.cancelKeystore('a');
  await Promise.all([rejectsWith(runningA, 'ABORTED'), rejectsWith(runningB, 'ABORTED'), rejectsWith(runningC, 'ABORTED')]);
  assert.equal(bridge.keystoreCallCount(), 0);
  const again = await first.api.importKeystore(cheap, pw('p'));
  assert.equal(again.size, 32);
  await settled();
  assert.deepEqual(outcomes.slice().sort(), [
    'exportKeystore ABORTED',
    'importKeystore ABORTED',
    'importKeystore ABORTED',
    'importKeystore resolved',
  ]);
  assert.equal(vault.stats().secrets, before.secrets + 1);
  bridge.dispose();
});
