export { SecretVault, SecretHandle, type SecretStatus, type VaultStats } from './vault';
export type { Curve, DerivedKeyInfo, MnemonicWordCount, PoolInfo, Signature, SignatureScheme, WalletSecretKind } from './vault';
export { KEYSTORE_DEFAULTS, KEYSTORE_LIMITS, parseKeystore } from './vault';
export type { ExportKeystoreOptions, KeystoreCallOptions, KeystoreProgress } from './vault';
export { platformInfo, type PlatformInfo } from './platform';
export { SecureMemoryError, ERROR_CODES, type SecureMemoryErrorCode } from './errors';
export { onLog, type LogEntry, type LogLevel, type LogListener } from './log';
export type { VaultOptions, LockPolicy, Storage } from './options';
export type { Backing, SecretOptions } from './options';
export { hardening, WINDOWS_ERROR_MODE, type HardeningStatus, type CoreDumpsGuard } from './hardening';
export {
  bytesOperation,
  registerVaultIpc,
  type BytesOperation,
  type CapabilityKind,
  type DerivedKeyCapability,
  type Operation,
  type OperationAccess,
  type OperationSpec,
  type SecretCapability,
  type VaultIpc,
  type VaultIpcOptions,
} from './ipc/register';
export {
  BRIDGE_METHODS,
  CHANNEL_PREFIX,
  type StrongroomBridge,
  type SecretRef,
  type BridgeStatus,
  type BridgeSecretStatus,
} from '../bridge/contract';

// A library entry only: it never starts an app. Since Electron 28 the app's
// main script is loaded through Node's ESM loader, where require.main is
// undefined, so "am I the main module?" cannot be asked here anyway. The demo
// wallet has its own entry, dist/renderer-demo/main/demo.main.js.
