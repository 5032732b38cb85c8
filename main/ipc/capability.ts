// What an operation holds instead of its secret's bytes: a capability over
// the vault's wallet calls (derive, public key, sign), valid only while the
// operation runs. Every call is checked by the vault before native code, and
// every key derived through it is destroyed when the operation returns, so
// an operation leaves the vault as it found it.
import { SecureMemoryError } from '../errors';
import type { Curve, Signature, SignatureScheme, SecretHandle, SecretVault, WalletSecretKind } from '../vault';

/** What a capability's secret is: a wallet secret's kind, or 'secret' for bytes made by generate() / importSecret. */
export type CapabilityKind = WalletSecretKind | 'secret';

/**
 * An operation's secret, as calls on it. No method returns secret bytes:
 * public keys and signatures are public; a derived key is another
 * capability, whose secret stays in the vault. Every method throws a
 * SecureMemoryError (INVALID_HANDLE once the operation has returned).
 */
export interface SecretCapability {
  /** 'seed' derives; 'secp256k1-key' and 'ed25519-key' sign and have a public key; 'secret' does none of these. */
  readonly kind: CapabilityKind;
  /** The public key of a key: 33 bytes compressed (secp256k1) or 32 bytes (Ed25519). */
  publicKey(): Uint8Array;
  /**
   * BIP-32 (secp256k1) or SLIP-10 (ed25519, hardened steps only) derivation
   * of `path` from a seed. The child key is a new secret in the vault,
   * destroyed when the operation returns.
   */
  deriveKey(path: string, options?: { curve?: Curve }): DerivedKeyCapability;
  /** ECDSA (RFC 6979, low s, recovery id) and Schnorr sign a 32-byte digest; Ed25519 a whole message. */
  sign(message: Uint8Array, options: { scheme: SignatureScheme }): Signature;
}

/** A derived key as a capability, with its public facts. */
export interface DerivedKeyCapability extends SecretCapability {
  readonly curve: Curve;
  /** The public key when it was derived (publicKey() returns a fresh copy). */
  readonly publicKeyBytes: Uint8Array;
  /** First 4 bytes of HASH160 of the public key, as an unsigned 32-bit number (BIP-32). */
  readonly fingerprint: number;
  readonly parentFingerprint: number;
  readonly depth: number;
  readonly childIndex: number;
  /** The path, hardened steps written `'`. */
  readonly path: string;
}

/** How many keys one operation may derive: each is a locked secret until the operation returns. */
export const MAX_DERIVED_PER_OPERATION = 64;

/** One operation's capabilities: the root over its secret, and revoke(), which destroys what it derived. */
export interface CapabilityScope {
  root: SecretCapability;
  /** Revokes every capability of the scope and destroys the keys derived through it; returns the first failure, if any. */
  revoke(): SecureMemoryError | undefined;
  /** How many keys were derived and not yet destroyed. */
  derivedCount(): number;
}

export function openCapabilityScope(vault: SecretVault, handle: SecretHandle, operation: string): CapabilityScope {
  let open = true;
  const derived: SecretHandle[] = [];

  const live = (what: string): void => {
    if (!open) throw new SecureMemoryError('INVALID_HANDLE', `${what}: operation ${operation} has returned; its capabilities are revoked`);
  };

  const capability = (target: SecretHandle): SecretCapability => ({
    kind: vault.kindOf(target),
    publicKey: () => {
      live('publicKey()');
      return vault.publicKey(target);
    },
    deriveKey: (path: string, options?: { curve?: Curve }) => {
      live('deriveKey()');
      if (derived.length >= MAX_DERIVED_PER_OPERATION) {
        throw new SecureMemoryError(
          'LIMIT_EXCEEDED',
          `deriveKey(): an operation derives at most ${MAX_DERIVED_PER_OPERATION} keys; each lives until the operation returns`,
        );
      }
      const info = vault.deriveKey(target, path, options);
      derived.push(info.handle);
      const child = capability(info.handle);
      return Object.freeze({
        ...child,
        curve: info.curve,
        publicKeyBytes: info.publicKey,
        fingerprint: info.fingerprint,
        parentFingerprint: info.parentFingerprint,
        depth: info.depth,
        childIndex: info.childIndex,
        path: info.path,
      });
    },
    sign: (message: Uint8Array, options: { scheme: SignatureScheme }) => {
      live('sign()');
      return vault.sign(target, message, options);
    },
  });

  const root = Object.freeze(capability(handle));
  return {
    root,
    derivedCount: () => derived.length,
    revoke: () => {
      open = false;
      let first: SecureMemoryError | undefined;
      for (const child of derived.splice(0)) {
        try {
          if (vault.has(child)) vault.destroy(child);
        } catch (error) {
          first ??=
            error instanceof SecureMemoryError
              ? error
              : new SecureMemoryError('OS_ERROR', 'destroying a derived key failed', { cause: error });
        }
      }
      return first;
    },
  };
}
