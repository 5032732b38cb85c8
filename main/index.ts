export { SecretVault, SecretHandle, type SecretStatus, type VaultStats } from './vault';
export type { PoolInfo } from './vault';
export { platformInfo, type PlatformInfo } from './platform';
export { SecureMemoryError, ERROR_CODES, type SecureMemoryErrorCode } from './errors';
export { onLog, type LogEntry, type LogLevel, type LogListener } from './log';
export type { VaultOptions, LockPolicy, Storage } from './validate';
export type { Backing, SecretOptions } from './validate';
export { hardening, WINDOWS_ERROR_MODE, type HardeningStatus, type CoreDumpsGuard } from './hardening';
export { registerVaultIpc, type Operation, type VaultIpc, type VaultIpcOptions } from './ipc/register';
export { BRIDGE_METHODS, CHANNEL_PREFIX, type StrongroomBridge, type SecretRef, type BridgeStatus, type BridgeSecretStatus } from './ipc/contract';

// `electron .` (npm start, the packaged demo) runs this file as the app's
// main module; as a library it is only ever required, and this does nothing.
if (require.main === module && process.versions.electron) {
  require('./app/demo.main');
}
