// 10,000 random payloads per channel: every answer is a well-formed
// response, nothing throws, and whatever the fuzz managed to create is
// destroyed again, leaving the vault's stats where they were.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecretVault } from '../../main';
import { BRIDGE_METHODS, channelFor } from '../../bridge/contract';
import { registerVaultIpc } from '../../main/ipc/register';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN, topFrame } from './support/bridge-fixtures';
import { prng } from './support/helpers';

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
      return ['__proto__', 'constructor', 'fingerprint', 'run', ''][Math.floor(rand() * 5)];
    case 9:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    case 10: {
      const keys = ['size', 'id', 'bytes', 'text', 'operation', 'args', '__proto__', 'constructor', 'extra'];
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--) {
        Object.defineProperty(out, keys[Math.floor(rand() * keys.length)], {
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
  const bridge = registerVaultIpc(ipc, vault, { origin: ORIGIN, operations: { fingerprint: (s) => s.length } });
  const contents = new FakeWebContents();
  const hostile = new FakeWebContents();
  const before = vault.stats();
  const rand = prng(20261129);
  let accepted = 0;
  for (const method of BRIDGE_METHODS) {
    for (let i = 0; i < PER_CHANNEL; i++) {
      const payload = randomValue(rand);
      // One in ten from a frame that must be refused whatever it sends.
      const refusedSender = i % 10 === 0;
      const event = refusedSender ? eventFrom(hostile, topFrame('app://strongroom.evil/')) : eventFrom(contents);
      const response = (await ipc.invoke(event, channelFor(method), payload)) as { ok: boolean; error?: { code: string } };
      assert.equal(typeof response.ok, 'boolean', `${method} #${i}`);
      if (refusedSender) assert.equal(response.error?.code, 'FORBIDDEN');
      if (response.ok) accepted++;
      else assert.match(response.error!.code, /^[A-Z_]+$/);
    }
    bridge.forgetWindow(contents.id); // what the fuzz created (valid sizes happen) goes again
  }
  const after = vault.stats();
  assert.equal(after.secrets, before.secrets);
  assert.equal(after.bytes, before.bytes);
  assert.equal(after.created, after.destroyed);
  assert.equal(bridge.secretCount(), 0);
  assert.ok(accepted > 0, 'some payloads are valid (status/list/generate), so the fuzz reaches the handlers');
  bridge.dispose();
});
