// Runs in a child node process (node --expose-gc), with the vault sealed by
// STRONGROOM_TEST_SEALING. Derives and signs ROUNDS times through the public
// API (the vault's wallet calls, pooled and isolated, and the demo wallet's
// operations through the bridge's real handlers), destroys everything,
// collects garbage, then searches all readable process memory for every
// seed, derived private key and chain code (raw, reversed, lowercase hex).
//
// Control: the old way, the demo's operation signing in JavaScript with
// @scure/bip32 and @noble/curves on a scoped copy of a seed, then the same
// destroy, collection and search for that seed's keys: the search must find
// them, or it proves nothing.
//
// The needles are learnt from scoped copies (vault.read, or an operation
// registered for bytes), each written masked into off-heap buffers as it is
// read (support/memory-scan.ts): the test itself keeps no copy to find.
// Prints one JSON line.
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { HDKey } from '@scure/bip32';

import { SecretVault, type SecretHandle } from '../../../main';
import { bytesOperation, registerVaultIpc } from '../../../main/ipc/register';
import { createBridgeApi } from '../../../preload/bridge-api';
import { DERIVATION_PATH, demoOperations } from '../../../renderer-demo/main/operations';
import { must } from './assertions';
import { eventFrom, FakeIpcMain, FakeWebContents, ORIGIN } from './bridge-fixtures';
import { addNeedles, collectGarbage, scanMemory, type Needle, type ScanResult } from './memory-scan';
import { sealingUnderTest } from './sealing';

export const ROUNDS = Number(process.env.STRONGROOM_RESIDUE_ROUNDS ?? 20);

/** Every key on the way to `path`, the master key ('m') included. */
function prefixes(path: string): string[] {
  const steps = path.split('/');
  return steps.map((_, i) => steps.slice(0, i + 1).join('/'));
}

/** Adds the needles of a key secret: its private key and its chain code. */
function keyNeedles(vault: SecretVault, needles: Needle[], key: SecretHandle, name: string): void {
  vault.read(key, (view) => {
    addNeedles(needles, `${name} private key`, view.subarray(0, 32));
    addNeedles(needles, `${name} chain code`, view.subarray(32, 64));
  });
}

/** Derives every key on the way to each path natively and adds its needles; nothing derived is kept. */
function derivedNeedles(vault: SecretVault, needles: Needle[], seed: SecretHandle, paths: string[], name: string): void {
  for (const path of new Set(paths.flatMap(prefixes))) {
    const { handle } = vault.deriveKey(seed, path);
    try {
      keyNeedles(vault, needles, handle, `${name} ${path}`);
    } finally {
      vault.destroy(handle);
    }
  }
}

const digest = (i: number) => keccak_256(new TextEncoder().encode(`residue ${i}`));

export interface ResidueResult {
  sealing: string;
  needles: number;
  secrets: string[];
  signatures: number;
  vaultSecretsAfter: number;
  scan: ScanResult;
  control: ScanResult;
}

async function main(): Promise<void> {
  const vault = new SecretVault({ sealing: sealingUnderTest() });
  const needles: Needle[] = [];
  let signatures = 0;

  // 1. The vault's own calls: a seed generated natively, ROUNDS accounts
  // derived in alternating storage, each public key read and each signing.
  const seed = vault.generateSeed(64, { storage: 'isolated' });
  vault.read(seed, (view) => addNeedles(needles, 'vault seed', view));
  const sealing = vault.inspect(seed).sealing;
  const paths = Array.from({ length: ROUNDS }, (_, i) => `m/44'/60'/0'/0/${i}`);
  derivedNeedles(vault, needles, seed, paths, 'vault');
  for (const [i, path] of paths.entries()) {
    const storage = i % 2 === 0 ? 'pooled' : 'isolated';
    const derived = vault.deriveKey(seed, path, { storage });
    const publicKey = vault.publicKey(derived.handle);
    const { signature, recoveryId } = vault.sign(derived.handle, digest(i), { scheme: 'ecdsa' });
    const recovered = secp256k1.Signature.fromBytes(signature, 'compact')
      .addRecoveryBit(must(recoveryId, 'an ECDSA recovery id'))
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- @noble/curves 1.x recovers a key only through the signature; the standalone recoverPublicKey is 2.x's
      .recoverPublicKey(digest(i));
    if (recovered.toHex(true) !== Buffer.from(publicKey).toString('hex')) throw new Error(`signature ${i} does not recover its key`);
    signatures++;
    vault.destroy(derived.handle);
  }
  vault.destroy(seed);

  // 2. The demo wallet through the bridge's real handlers, over a
  // structured clone as Electron's IPC delivers it. 'test.needles' asks for
  // the seed's bytes (a scoped copy) to learn the needles, re-imports that
  // copy as a seed to learn its keys the same way, and keeps nothing.
  const ipc = new FakeIpcMain();
  const bridge = registerVaultIpc(ipc, vault, {
    origin: ORIGIN,
    operations: {
      ...demoOperations,
      'test.needles': bytesOperation((view) => {
        addNeedles(needles, 'demo seed', view);
        const copy = new Uint8Array(new ArrayBuffer(view.length));
        copy.set(view);
        const again = vault.importSeed(copy); // wipes `copy`
        try {
          derivedNeedles(vault, needles, again, [DERIVATION_PATH], 'demo');
        } finally {
          vault.destroy(again);
        }
        return null;
      }),
    },
  });
  const contents = new FakeWebContents();
  const api = createBridgeApi((channel, payload) => ipc.invoke(eventFrom(contents), channel, payload));
  const wallet = await api.generate(32, { kind: 'seed' });
  await api.run('test.needles', wallet.id);
  for (let i = 0; i < ROUNDS; i++) {
    await api.run('wallet.account', wallet.id);
    const signed = (await api.run('wallet.sign', wallet.id, { message: `residue ${i}` })) as { signature: string };
    const verified = (await api.run('wallet.verify', wallet.id, { message: `residue ${i}`, signature: signed.signature })) as {
      valid: boolean;
    };
    if (!verified.valid) throw new Error(`demo signature ${i} does not verify`);
    signatures++;
  }
  await api.destroy(wallet.id);
  bridge.dispose();
  vault.destroyAll();
  const vaultSecretsAfter = vault.stats().secrets;
  collectGarbage();
  const scan = scanMemory(needles);

  // 3. Control: the old demo's operation, signing in JavaScript on a scoped
  // copy of a seed, then the same destroy, collection and search.
  const controlNeedles: Needle[] = [];
  const controlSeed = vault.generateSeed(32);
  vault.read(controlSeed, (view) => addNeedles(controlNeedles, 'control seed', view));
  derivedNeedles(vault, controlNeedles, controlSeed, [DERIVATION_PATH], 'control');
  for (let i = 0; i < ROUNDS; i++) {
    vault.read(controlSeed, (view) => {
      const master = HDKey.fromMasterSeed(view);
      const account = master.derive(DERIVATION_PATH);
      try {
        secp256k1.sign(digest(i), must(account.privateKey, 'the control account key'));
      } finally {
        account.wipePrivateData();
        master.wipePrivateData();
      }
    });
  }
  vault.destroy(controlSeed);
  collectGarbage();
  const control = scanMemory(controlNeedles);

  const result: ResidueResult = {
    sealing,
    needles: needles.length,
    secrets: [...new Set(needles.map((n) => n.secret))],
    signatures,
    vaultSecretsAfter,
    scan,
    control,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
