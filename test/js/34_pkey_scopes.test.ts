// Protection keys are per thread: PKRU lives in each thread's registers, the
// kernel copies it into a thread created by clone, and a signal handler starts
// with the kernel's default PKRU (pkeys(7)). So under pkey sealing:
// - no user callback (a read or write scope, a bridge operation) may ever run
//   while the calling thread's key is open: the native scope copies and closes
//   before JavaScript runs again;
// - a thread started from inside a user callback inherits a closed key, so it
//   cannot read the secret afterwards.
// (A signal arriving inside a native scope is covered by the core's pkey test:
// JavaScript never runs inside one.) These tests force pkey; where the machine
// has no protection keys they are reported as not run, with the probe's reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test, type TestContext } from 'node:test';

import { platformInfo, SecretVault, type SecretHandle, type SecretOptions } from '../../main';
import { registerVaultIpc } from '../../main/ipc/register';
import { native } from '../../main/native';
import { createBridgeApi } from '../../preload/bridge-api';
import { at } from './support/assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN } from './support/bridge-fixtures';
import { osTamper, type OsTamper, osTamperModule } from './support/os-tamper-module';
import { isLinux, packageRoot, skipUnlessCI } from './support/platform';
import { firstArenaBytes, generateAndLocate, isolatedMappingBytes, readSmaps, type Range } from './support/proc-maps';
import { probeSealing } from './support/sealing';

const PKEY_DISABLE_ACCESS = 1;

/** The os-tamper module, or a skip that says why this machine cannot run the pkey tests. */
function pkeyTamper(t: TestContext): OsTamper | null {
  if (!isLinux) {
    t.skip('protection keys are a Linux feature here');
    return null;
  }
  const probe = probeSealing('pkey');
  if (!probe.available) {
    t.skip(`pkey is not available here: ${probe.reason}`);
    return null;
  }
  const tamper = osTamper();
  if ('missing' in tamper) {
    skipUnlessCI(t, tamper.missing);
    return null;
  }
  return tamper;
}

/** The key the kernel shows on the data pages of `range` (a guard page at each end). */
function keyOf(range: Range, page: number): number {
  const mapping = readSmaps().find((m) => m.start <= range.start + page && m.end > range.start + page);
  const key = mapping?.protectionKey;
  assert.ok(key !== undefined && key > 0, `the data pages carry a protection key (${key})`);
  return key;
}

function locate(storage: 'isolated' | 'pooled', page: number): { vault: SecretVault; handle: SecretHandle; range: Range } {
  const vault = new SecretVault({ storage, sealing: 'pkey' });
  const expected = () => (storage === 'isolated' ? isolatedMappingBytes(32, native.canarySize, page) : firstArenaBytes(vault, page));
  return { vault, ...generateAndLocate(vault, 32, undefined as SecretOptions | undefined, expected) };
}

test('pkey: no read or write scope, nested or not, and no bridge operation runs while the key is open', async (t) => {
  const tamper = pkeyTamper(t);
  if (tamper === null) return;
  const page = platformInfo().pageSize;
  for (const storage of ['isolated', 'pooled'] as const) {
    const { vault, handle, range } = locate(storage, page);
    const key = keyOf(range, page);
    const denied = (): boolean => (tamper.pkeyGet(key) & PKEY_DISABLE_ACCESS) !== 0;
    // The control: the probe sees an open key when there is one.
    assert.equal(denied(), true, `${storage}: closed outside every scope`);
    assert.equal(tamper.pkeySet(key, 0), 0);
    assert.equal(denied(), false, `${storage}: the probe sees an open key`);
    assert.equal(tamper.pkeySet(key, PKEY_DISABLE_ACCESS), 0);

    const seen: Record<string, boolean> = {};
    vault.read(handle, () => {
      seen.read = denied();
      vault.read(handle, () => {
        seen.nestedRead = denied();
      });
      seen.afterNested = denied();
    });
    vault.write(handle, (view) => {
      seen.write = denied();
      view[0] = at(view, 0, 'the first byte') ^ 1;
    });
    assert.deepEqual(
      seen,
      { read: true, nestedRead: true, afterNested: true, write: true },
      `${storage}: the key stays closed in every callback`,
    );

    // A bridge operation runs on a copy, inside the same kind of scope.
    const ipc = new FakeIpcMain();
    let inOperation: boolean | undefined;
    const bridge = registerVaultIpc(ipc, vault, {
      origin: ORIGIN,
      operations: {
        probe: () => {
          inOperation = denied();
          return 1;
        },
      },
    });
    const contents = new FakeWebContents();
    const api = createBridgeApi((channel, payload) => ipc.invoke(eventFrom(contents), channel, payload));
    const { id } = await api.generate(32);
    assert.equal(await api.run('probe', id), 1);
    assert.equal(inOperation, true, `${storage}: the key is closed while a bridge operation runs`);
    bridge.dispose();
    vault.destroyAll();
  }
});

const tamperPath = () => osTamperModule() as string;

/**
 * A child that starts a native thread from inside a read scope's callback and,
 * after the scope is over, lets it read the secret's page. With `leaveKeyOpen`
 * the callback opens the key first, as a defective scope would: the control
 * that shows the thread would then read.
 */
function threadChild(storage: 'isolated' | 'pooled', leaveKeyOpen: boolean) {
  const script = `
    const strongroom = require(${JSON.stringify(path.join(packageRoot, 'dist', 'main', 'index.js'))});
    const { native } = require(${JSON.stringify(path.join(packageRoot, 'dist', 'main', 'native.js'))});
    const maps = require(${JSON.stringify(path.join(__dirname, 'support', 'proc-maps.js'))});
    const tamper = { exports: {} };
    process.dlopen(tamper, ${JSON.stringify(tamperPath())});
    const page = strongroom.platformInfo().pageSize;
    const vault = new strongroom.SecretVault({ storage: ${JSON.stringify(storage)}, sealing: 'pkey' });
    const expected = ${JSON.stringify(storage)} === 'isolated'
      ? () => maps.isolatedMappingBytes(32, native.canarySize, page)
      : () => maps.firstArenaBytes(vault, page);
    const { handle, range } = maps.generateAndLocate(vault, 32, undefined, expected);
    const address = range.start + page;
    const key = maps.readSmaps().find((m) => m.start <= address && m.end > address).protectionKey;
    vault.read(handle, () => {
      if (${leaveKeyOpen}) tamper.exports.pkeySet(key, 0);
      if (tamper.exports.startReader(address) !== 0) throw new Error('pthread_create failed');
      if (${leaveKeyOpen}) tamper.exports.pkeySet(key, 1);
    });
    process.stdout.write('scope over\\n');
    const byte = tamper.exports.releaseReader();
    process.stdout.write('read ' + byte + '\\n');
  `;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
}

test('pkey: a thread started inside a read callback cannot read the secret afterwards', (t) => {
  if (pkeyTamper(t) === null) return;
  for (const storage of ['isolated', 'pooled'] as const) {
    const run = threadChild(storage, false);
    assert.match(run.stdout, /scope over/, `${storage}: the child reached the read: ${run.stderr}`);
    assert.equal(run.signal, 'SIGSEGV', `${storage}: the thread's read faults (status ${run.status}, ${run.stdout} ${run.stderr})`);
    // The control: a thread that inherited an open key reads the page.
    const control = threadChild(storage, true);
    assert.equal(control.status, 0, `${storage} control: ${control.stderr}`);
    assert.match(control.stdout, /^read \d+$/m, `${storage} control: the thread read the page`);
  }
});
