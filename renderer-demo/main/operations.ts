// The demo wallet's main-process operations. Each gets a capability for the
// wallet's seed (a 32-byte BIP-32 seed generated natively: bridge.generate
// with kind 'seed'), never its bytes: keys are derived and used natively on
// sealed memory, and destroyed when the operation returns. They return
// public results only.
//
// No BIP-39 phrase string (which nothing could wipe) ever exists. Keys follow
// m/44'/60'/0'/0/0, with Ethereum-style EIP-55 addresses and EIP-191
// personal-message signatures over secp256k1. JavaScript here hashes and
// recovers public data only (keccak-256, point decompression, public-key
// recovery); no private key, seed or chain code passes through it.
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

import { SecureMemoryError } from '../../main';
import type { DerivedKeyCapability, Operation, SecretCapability } from '../../main/electron';

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

type Account = Pick<DerivedKeyCapability, 'publicKeyBytes' | 'sign'>;

/**
 * The account key: derived natively from a seed (the bridge destroys it when
 * the operation returns), or the secret itself when it is a secp256k1 key
 * (one imported from a keystore file).
 */
function accountOf(secret: SecretCapability): Account {
  if (secret.kind === 'secp256k1-key')
    return { publicKeyBytes: secret.publicKey(), sign: (message, options) => secret.sign(message, options) };
  if (secret.kind !== 'seed') throw new SecureMemoryError('INVALID_ARGUMENT', 'the wallet is a seed or a secp256k1 key');
  return secret.deriveKey(DERIVATION_PATH);
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
  /** The receive address, the master key fingerprint and the derivation path (for a key: null and null). */
  'wallet.account': (secret) => ({
    address: addressOf(accountOf(secret).publicKeyBytes),
    fingerprint: secret.kind === 'seed' ? secret.deriveKey('m').fingerprint.toString(16).padStart(8, '0') : null,
    path: secret.kind === 'seed' ? DERIVATION_PATH : null,
  }),

  /** An EIP-191 personal_sign signature (65 bytes r || s || v, hex) of args.message. */
  'wallet.sign': (secret, args) => {
    const message = messageArg(args);
    const account = accountOf(secret);
    const { signature, recoveryId } = account.sign(personalMessageHash(message), { scheme: 'ecdsa' });
    if (recoveryId === undefined) throw new SecureMemoryError('OS_ERROR', 'ECDSA signing returned no recovery id');
    return {
      message,
      address: addressOf(account.publicKeyBytes),
      signature: `0x${bytesToHex(signature)}${(27 + recoveryId).toString(16)}`,
    };
  },

  /** Recovers the signer of args.signature over args.message and compares it with this wallet. */
  'wallet.verify': (secret, args) => {
    const message = messageArg(args);
    const signature = (args as { signature?: unknown }).signature;
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
      throw new SecureMemoryError('INVALID_ARGUMENT', 'signature must be 0x followed by 130 hex digits');
    }
    const bytes = hexToBytes(signature.slice(2));
    const v = bytes[64];
    const expected = addressOf(accountOf(secret).publicKeyBytes);
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
