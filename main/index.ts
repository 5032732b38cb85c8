export { SecretVault, SecretHandle, type SecretStatus, type VaultStats } from './vault';
export { platformInfo, type PlatformInfo } from './platform';
export { SecureMemoryError, ERROR_CODES, type SecureMemoryErrorCode } from './errors';
export { onLog, type LogEntry, type LogLevel, type LogListener } from './log';
export type { VaultOptions, LockPolicy, Storage } from './validate';
export { hardening, WINDOWS_ERROR_MODE, type HardeningStatus, type CoreDumpsGuard } from './hardening';
