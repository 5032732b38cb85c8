// The demo wallet's main-process operations. Each runs inside a scoped
// read: `secret` is a copy of the wallet's 32-byte BIP-32 seed, wiped when
// the operation returns. They return public results only.
//
// The seed is generated natively (vault.generate) and used directly as the
// BIP-32 master seed, so no BIP-39 phrase string (which nothing could wipe)
// ever exists. Keys follow m/44'/60'/0'/0/0, with Ethereum-style EIP-55
// addresses and EIP-191 personal-message signatures over secp256k1.
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { HDKey } from '@scure/bip32';

import { SecureMemoryError } from '../../main';
import type { Operation } from '../../main/electron';

export const DERIVATION_PATH = "m/44'/60'/0'/0/0";
const MAX_MESSAGE = 1024;

function toChecksumAddress(addressBytes: Uint8Array): string {
  const hex = bytesToHex(addressBytes);
  const hash = bytesToHex(keccak_256(utf8ToBytes(hex)));
  let out = '0x';
  for (let i = 0; i < hex.length; i++) out += parseInt(hash.charAt(i), 16) >= 8 ? hex.charAt(i).toUpperCase() : hex.charAt(i);
  return out;
}

function addressOf(publicKey: Uint8Array): string {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the demo's JavaScript signer keeps @noble/curves 1.x's calls until it signs natively
  const uncompressed = secp256k1.ProjectivePoint.fromHex(publicKey).toRawBytes(false);
  return toChecksumAddress(keccak_256(uncompressed.subarray(1)).subarray(12));
}

/** A derived account's keys (an HDKey derived from a seed always has both). */
interface AccountKeys {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Runs fn with the account key, then wipes every private key it derived. */
function withAccount<R>(seed: Uint8Array, fn: (account: AccountKeys, master: HDKey) => R): R {
  const master = HDKey.fromMasterSeed(seed);
  const account = master.derive(DERIVATION_PATH);
  try {
    const { privateKey, publicKey } = account;
    if (privateKey === null || publicKey === null) throw new SecureMemoryError('OPERATION_FAILED', 'the account key has no key pair');
    return fn({ privateKey, publicKey }, master);
  } finally {
    account.wipePrivateData();
    master.wipePrivateData();
  }
}

function personalMessageHash(message: string): Uint8Array {
  const body = utf8ToBytes(message);
  return keccak_256(new Uint8Array([...utf8ToBytes(`\x19Ethereum Signed Message:\n${body.length}`), ...body]));
}

function messageArg(args: unknown): string {
  const message = (args as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || message.length === 0 || message.length > MAX_MESSAGE) {
    throw new SecureMemoryError('INVALID_ARGUMENT', `message must be a string of 1 to ${MAX_MESSAGE} characters`);
  }
  return message;
}

export const walletOperations: Record<string, Operation> = {
  /** The receive address, the master key fingerprint and the derivation path. */
  'wallet.account': (seed) =>
    withAccount(seed, (account, master) => ({
      address: addressOf(account.publicKey),
      fingerprint: master.fingerprint.toString(16).padStart(8, '0'),
      path: DERIVATION_PATH,
    })),

  /** An EIP-191 personal_sign signature (65 bytes r || s || v, hex) of args.message. */
  'wallet.sign': (seed, args) => {
    const message = messageArg(args);
    return withAccount(seed, (account) => {
      const signature = secp256k1.sign(personalMessageHash(message), account.privateKey);
      return {
        message,
        address: addressOf(account.publicKey),
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the demo's JavaScript signer keeps @noble/curves 1.x's calls until it signs natively
        signature: `0x${signature.toCompactHex()}${(27 + signature.recovery).toString(16)}`,
      };
    });
  },

  /** Recovers the signer of args.signature over args.message and compares it with this wallet. */
  'wallet.verify': (seed, args) => {
    const message = messageArg(args);
    const signature = (args as { signature?: unknown }).signature;
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
      throw new SecureMemoryError('INVALID_ARGUMENT', 'signature must be 0x followed by 130 hex digits');
    }
    const bytes = hexToBytes(signature.slice(2));
    const v = bytes[64];
    const expected = withAccount(seed, (account) => addressOf(account.publicKey));
    let signer: string | null = null;
    if (v === 27 || v === 28) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the demo's JavaScript signer keeps @noble/curves 1.x's calls until it signs natively
        const recovered = secp256k1.Signature.fromCompact(bytes.subarray(0, 64))
          .addRecoveryBit(v - 27)
          // eslint-disable-next-line @typescript-eslint/no-deprecated -- the demo's JavaScript signer keeps @noble/curves 1.x's calls until it signs natively
          .recoverPublicKey(personalMessageHash(message));
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- the demo's JavaScript signer keeps @noble/curves 1.x's calls until it signs natively
        signer = addressOf(recovered.toRawBytes(true));
      } catch {
        signer = null;
      }
    }
    return { valid: signer === expected, signer, expected };
  },
};

export const demoOperations: Record<string, Operation> = { ...walletOperations };
