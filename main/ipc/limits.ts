// The bridge's limits (what one window and all windows together may hold and
// send) and the cap on every error message the renderer sees.

export interface BridgeLimits {
  /** Secrets one window may hold at once. */
  maxSecretsPerWindow: number;
  /** Largest secret a window may create or import, in bytes. */
  maxSecretSize: number;
  /** Largest request payload, in bytes as measureData counts them. */
  maxPayloadBytes: number;
  /** Largest operation result, in bytes as measureData counts them. */
  maxResultBytes: number;
  /** Secrets all windows together may hold through the bridge. */
  maxBridgeSecrets: number;
  /** Bytes of secret all windows together may hold through the bridge. */
  maxBridgeBytes: number;
  /** Keystore calls (exportKeystore, importKeystore) one window may run at once; each may take a KDF's full memory. */
  maxKeystoreCallsPerWindow: number;
  /** Keystore calls all windows together may run at once through the bridge. */
  maxBridgeKeystoreCalls: number;
}

export const DEFAULT_LIMITS: BridgeLimits = Object.freeze({
  maxSecretsPerWindow: 64,
  maxSecretSize: 4096,
  maxPayloadBytes: 64 * 1024,
  maxResultBytes: 64 * 1024,
  maxBridgeSecrets: 256,
  maxBridgeBytes: 256 * 1024,
  maxKeystoreCallsPerWindow: 2,
  maxBridgeKeystoreCalls: 4,
});

/** No error message the renderer gets is longer than this. */
export const MAX_ERROR_MESSAGE = 200;

/** Caps a message the renderer will see, so no error echoes a payload back. */
export function boundMessage(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE ? message : `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
}
