// 10,000 random payloads per channel: every answer is a well-formed
// response, nothing throws, and whatever the fuzz managed to create is
// destroyed again, leaving the vault's stats where they were. Then the
// capabilities operations get (derive, public key, sign), called with hostile
// and random arguments sent by the page: each refusal a SecureMemoryError
// with a stable code, nothing created, no derived key left.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault, SecureMemoryError, type SecretCapability } from '../../main';
import { BRIDGE_METHODS, channelFor, KEYSTORE_JOB_NAME } from '../../bridge/contract';
import { bytesOperation, registerVaultIpc } from '../../main/ipc/register';
import { at } from './support/assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN, topFrame } from './support/bridge-fixtures';
import { prng } from './support/prng';

const PER_CHANNEL = 10_000;

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 2 ? 9 : 13));
  const int = () => Math.floor(rand() * 5000) - 100;
  switch (pick) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rand() < 0.5;
    case 3:
      return int();
    case 4:
      return [NaN, Infinity, -Infinity, 2 ** 53, -0, 1e308, 0.5][Math.floor(rand() * 7)];
    case 5:
      return 'x'.repeat(Math.floor(rand() * 40));
    case 6:
      return Buffer.from(Array.from({ length: 22 }, () => Math.floor(rand() * 256)))
        .toString('base64url')
        .slice(0, 22);
    case 7:
      return new Uint8Array(Math.floor(rand() * 20));
    case 8:
      return ['__proto__', 'constructor', 'fingerprint', 'run', '', 'seed', 'secret'][Math.floor(rand() * 7)];
    case 9:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    case 10: {
      const keys = [
        'size',
        'id',
        'bytes',
        'text',
        'operation',
        'args',
        '__proto__',
        'constructor',
        'extra',
        'kind',
        'json',
        'password',
        'options',
        'progress',
        'job',
      ];
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--) {
        Object.defineProperty(out, at(keys, Math.floor(rand() * keys.length), 'a key'), {
          value: randomValue(rand, depth + 1),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      }
      return out;
    }
    case 11:
      return { size: int() };
    default:
      return { operation: 'fingerprint', id: randomValue(rand, depth + 1), args: randomValue(rand, depth + 1) };
  }
}

test(`fuzz: ${PER_CHANNEL} random payloads per channel`, async () => {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, operations: { fingerprint: bytesOperation((s) => s.length) } });
  const contents = new FakeWebContents();
  const hostile = new FakeWebContents();
  const before = vault.stats();
  const rand = prng(20261129);
  let accepted = 0;
  let unknownJobs = 0;
  for (const method of BRIDGE_METHODS) {
    for (let i = 0; i < PER_CHANNEL; i++) {
      // cancelKeystore: every other payload is { job: <random> }, so that names of the right form are common.
      const payload = method === 'cancelKeystore' && i % 2 === 1 ? { job: randomValue(rand) } : randomValue(rand);
      // One in ten from a frame that must be refused whatever it sends.
      const refusedSender = i % 10 === 0;
      const event = refusedSender ? eventFrom(hostile, topFrame('app://strongroom.evil/')) : eventFrom(contents);
      const response = (await ipc.invoke(event, channelFor(method), payload)) as { ok: boolean; error?: { code: string } };
      assert.equal(typeof response.ok, 'boolean', `${method} #${i}`);
      if (refusedSender) assert.equal(response.error?.code, 'FORBIDDEN');
      if (response.ok) accepted++;
      else assert.match(response.error!.code, /^[A-Z_]+$/);
      if (method === 'cancelKeystore' && !refusedSender) {
        // No keystore call runs: a well-formed name is an unknown one (INVALID_HANDLE), anything else is malformed.
        const job =
          payload !== null && typeof payload === 'object'
            ? (Reflect.getOwnPropertyDescriptor(payload, 'job')?.value as unknown)
            : undefined;
        const wellFormed =
          payload !== null &&
          typeof payload === 'object' &&
          !Array.isArray(payload) &&
          Reflect.ownKeys(payload).length === 1 &&
          typeof job === 'string' &&
          KEYSTORE_JOB_NAME.test(job);
        assert.equal(
          response.error?.code,
          wellFormed ? 'INVALID_HANDLE' : 'INVALID_ARGUMENT',
          `cancelKeystore #${i} ${JSON.stringify(payload)}`,
        );
        if (wellFormed) unknownJobs++;
      }
    }
    bridge.forgetWindow(contents.id); // what the fuzz created (valid sizes happen) goes again
  }
  const after = vault.stats();
  assert.equal(after.secrets, before.secrets);
  assert.equal(after.bytes, before.bytes);
  assert.equal(after.created, after.destroyed);
  assert.equal(bridge.secretCount(), 0);
  assert.ok(accepted > 0, 'some payloads are valid (status/list/generate), so the fuzz reaches the handlers');
  assert.ok(unknownJobs > PER_CHANNEL / 20, `${unknownJobs} well-formed job names reached the lookup`);
  bridge.dispose();
});

/** What a capability call answered: its public result's shape, or its refusal's code; and how many secrets it created. */
type CapabilityAnswer = { ok: true; created: number } | { ok: false; code: string; created: number; strongroom: boolean };

const CAPABILITY_CODES = ['INVALID_ARGUMENT', 'INVALID_SIZE', 'INVALID_HANDLE', 'LIMIT_EXCEEDED'];

function capabilityBridge() {
  const vault = new SecretVault();
  const ipc = new FakeIpcMain();
  // Each operation calls one capability method with the page's arguments and
  // reports what happened (the code only: its message is not the test's business).
  const probe =
    (call: (secret: SecretCapability, args: Record<string, unknown>) => unknown) => (secret: SecretCapability, args: unknown) => {
      const created = vault.stats().created;
      try {
        call(secret, (args ?? {}) as Record<string, unknown>);
        return { ok: true, created: vault.stats().created - created };
      } catch (error) {
        const strongroom = error instanceof SecureMemoryError;
        return { ok: false, code: strongroom ? error.code : String(error), created: vault.stats().created - created, strongroom };
      }
    };
  const bridge = registerVaultIpc(ipc, vault, {
    origin: ORIGIN,
    operations: {
      derive: probe((s, a) => s.deriveKey(a.path as string, a.options as never)),
      publicKey: probe((s) => s.publicKey()),
      sign: probe((s, a) => s.sign(a.message as Uint8Array, a.options as never)),
      // A key derived first, then the page's message and options.
      deriveSign: probe((s, a) =>
        s
          .deriveKey((a.path as string | undefined) ?? "m/44'/60'/0'/0/0", a.curve === undefined ? undefined : { curve: a.curve as never })
          .sign(a.message as Uint8Array, a.options as never),
      ),
      // Messages too large to cross the bridge, made in main.
      signHuge: probe((s, a) =>
        s.deriveKey("m/44'/0'", { curve: a.curve as never }).sign(new Uint8Array(a.size as number), { scheme: a.scheme as never }),
      ),
      // Unchecked: whatever the capability throws reaches the page as OPERATION_FAILED.
      rawDerive: (s, a) => s.deriveKey((a as { path: string }).path),
    },
  });
  const contents = new FakeWebContents();
  const send = async (method: string, payload: unknown) =>
    (await ipc.invoke(eventFrom(contents), channelFor(method as never), payload)) as {
      ok: boolean;
      value?: unknown;
      error?: { code: string };
    };
  return { vault, bridge, send };
}

test('capabilities refuse hostile arguments from the page: a stable code each, nothing created, no derived key left', async () => {
  const { vault, bridge, send } = capabilityBridge();
  const seed = (await send('generate', { size: 32, kind: 'seed' })).value as { id: string };
  const plain = (await send('generate', { size: 32 })).value as { id: string };
  const before = vault.stats();
  const digest = new Uint8Array(32).fill(1);
  const deep = `m${'/0'.repeat(256)}`;
  const cases: [operation: string, id: string, args: unknown, code: string][] = [
    // Paths
    ['derive', seed.id, { path: 42 }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: null }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: ['m', 0] }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, {}, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: '' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'M/0' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm//0' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/-1' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/2147483648' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/4294967296' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: "m/1''" }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/ 1' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/0x10' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/1e3' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: deep }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: `m${'/0'.repeat(5000)}` }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: "m/44'/0", options: { curve: 'ed25519' } }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/0', options: { curve: 'p256' } }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/0', options: { curve: 'secp256k1', storage: 'disk' } }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/0', options: { extra: 1 } }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/0', options: 'secp256k1' }, 'INVALID_ARGUMENT'],
    ['derive', seed.id, { path: 'm/0', options: [] }, 'INVALID_ARGUMENT'],
    // A secret that is not a seed, a seed used as a key
    ['derive', plain.id, { path: 'm/0' }, 'INVALID_ARGUMENT'],
    ['publicKey', seed.id, {}, 'INVALID_ARGUMENT'],
    ['publicKey', plain.id, {}, 'INVALID_ARGUMENT'],
    ['sign', seed.id, { message: digest, options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    ['sign', plain.id, { message: digest, options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    // Digests and messages
    ...[0, 1, 31, 33, 64, 1000].flatMap((n) =>
      (['ecdsa', 'schnorr'] as const).map((scheme): [string, string, unknown, string] => [
        'deriveSign',
        seed.id,
        { message: new Uint8Array(n), options: { scheme } },
        'INVALID_SIZE',
      ]),
    ),
    ['deriveSign', seed.id, { message: 'deadbeef'.repeat(8), options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: Array.from(digest), options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: new Uint16Array(16), options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: { 0: 1, length: 32 }, options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: null, options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    // Schemes
    ['deriveSign', seed.id, { message: digest }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: digest, options: null }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: digest, options: { scheme: 'ECDSA' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: digest, options: { scheme: 'rsa' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: digest, options: { scheme: 'ecdsa', extra: 1 } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { message: digest, options: { scheme: 'ed25519' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { path: "m/44'/0'", curve: 'ed25519', message: digest, options: { scheme: 'ecdsa' } }, 'INVALID_ARGUMENT'],
    ['deriveSign', seed.id, { path: "m/44'/0'", curve: 'ed25519', message: digest, options: { scheme: 'schnorr' } }, 'INVALID_ARGUMENT'],
    // Huge messages, made in main
    ['signHuge', seed.id, { curve: 'ed25519', scheme: 'ed25519', size: 1024 * 1024 + 1 }, 'INVALID_SIZE'],
    ['signHuge', seed.id, { curve: 'ed25519', scheme: 'ed25519', size: 16 * 1024 * 1024 }, 'INVALID_SIZE'],
    ['signHuge', seed.id, { curve: 'secp256k1', scheme: 'ecdsa', size: 16 * 1024 * 1024 }, 'INVALID_SIZE'],
  ];
  for (const [operation, id, args, code] of cases) {
    const label = `${operation} ${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}...` : v))}`;
    const created = vault.stats().created;
    const response = await send('run', { operation, id, args });
    if (!response.ok) {
      // Too large or not plain data: the bridge refuses it before any operation runs.
      assert.ok(['LIMIT_EXCEEDED', 'INVALID_ARGUMENT'].includes(response.error!.code), `${label}: ${response.error?.code}`);
      assert.equal(vault.stats().created, created, `${label}: refused by the bridge, nothing created`);
      continue;
    }
    const answer = response.value as CapabilityAnswer;
    assert.equal(answer.ok, false, `${label} was accepted`);
    assert.equal(answer.strongroom, true, `${label}: a SecureMemoryError, got ${answer.code}`);
    assert.equal(answer.code, code, label);
    // deriveSign and signHuge derive a key first (then destroyed); no other call creates anything.
    assert.equal(answer.created, operation === 'deriveSign' || operation === 'signHuge' ? 1 : 0, `${label}: secrets created`);
    assert.equal(vault.stats().secrets, before.secrets, `${label}: no derived key outlives the operation`);
  }
  // A refused derivation in an unchecked operation reaches the page as OPERATION_FAILED, and leaves nothing.
  const raw = await send('run', { operation: 'rawDerive', id: seed.id, args: { path: 'm/2147483648' } });
  assert.equal(raw.error?.code, 'OPERATION_FAILED');
  // The valid calls still work, and still leave only the two secrets.
  const good = await send('run', { operation: 'deriveSign', id: seed.id, args: { message: digest, options: { scheme: 'ecdsa' } } });
  assert.deepEqual(good.value, { ok: true, created: 1 });
  const after = vault.stats();
  assert.equal(after.secrets, 2);
  assert.equal(after.created - before.created, after.destroyed - before.destroyed, 'every key derived was destroyed');
  bridge.dispose();
  assert.equal(vault.stats().secrets, 0);
});

test(`fuzz: ${PER_CHANNEL / 10} random capability calls from the page: stable codes, nothing left behind`, async () => {
  const { vault, bridge, send } = capabilityBridge();
  const seed = (await send('generate', { size: 32, kind: 'seed' })).value as { id: string };
  const rand = prng(20261207);
  const before = vault.stats();
  const paths = ["m/44'/60'/0'/0/0", 'm/0', "m/0'", 'm', "m/44'/0'"];
  const schemes = ['ecdsa', 'schnorr', 'ed25519'];
  const pickOr = (values: unknown[]) => (rand() < 0.4 ? values[Math.floor(rand() * values.length)] : randomValue(rand));
  const codes = new Map<string, number>();
  let accepted = 0;
  let bridgeRefused = 0;
  for (let i = 0; i < PER_CHANNEL / 10; i++) {
    const operation = ['derive', 'publicKey', 'sign', 'deriveSign'][i % 4];
    const message = rand() < 0.3 ? new Uint8Array(rand() < 0.5 ? 32 : Math.floor(rand() * 70)) : randomValue(rand);
    const args = {
      path: pickOr(paths),
      curve: rand() < 0.5 ? undefined : pickOr(['secp256k1', 'ed25519']),
      message,
      options: rand() < 0.5 ? { scheme: pickOr(schemes) } : randomValue(rand),
    };
    const created = vault.stats().created;
    const response = await send('run', { operation, id: seed.id, args });
    if (!response.ok) {
      // Not plain, bounded data (NaN, Infinity, ...): refused by the bridge before the operation runs.
      assert.ok(['LIMIT_EXCEEDED', 'INVALID_ARGUMENT'].includes(response.error!.code), `${operation} #${i}: ${response.error?.code}`);
      assert.equal(vault.stats().created, created);
      bridgeRefused++;
      continue;
    }
    const answer = response.value as CapabilityAnswer;
    if (answer.ok) accepted++;
    else {
      assert.equal(answer.strongroom, true, `${operation} #${i}: ${answer.code}`);
      assert.ok(CAPABILITY_CODES.includes(answer.code), `${operation} #${i}: ${answer.code}`);
      codes.set(answer.code, (codes.get(answer.code) ?? 0) + 1);
      assert.ok(answer.created <= (operation === 'deriveSign' ? 1 : 0), `${operation} #${i}: created ${answer.created}`);
    }
    assert.equal(vault.stats().secrets, before.secrets, `${operation} #${i}: no derived key outlives the operation`);
  }
  assert.ok(accepted > 0, 'some calls are valid, so the fuzz reaches native code');
  assert.ok(bridgeRefused < PER_CHANNEL / 20, `most calls reach the capability (${bridgeRefused} refused by the bridge)`);
  assert.ok((codes.get('INVALID_ARGUMENT') ?? 0) > 0 && (codes.get('INVALID_SIZE') ?? 0) > 0, JSON.stringify([...codes]));
  const after = vault.stats();
  assert.equal(after.created - before.created, after.destroyed - before.destroyed);
  bridge.dispose();
  assert.equal(vault.stats().secrets, 0);
});
