// `strongroom/electron`, the Electron side of Strongroom:
// hardened windows, sessions and webContents, the app:// protocol, and the
// vault bridge. Everything here runs in Electron's main process.
export { createHardenedWindow, hardenAllWebContents, hardenedWebPreferences, hardenSession, hardenWebContents } from './window';
export { registerAppScheme, serveDirectory } from './protocol';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, createAppRequestHandler, type AppRequest } from './serve-policy';
export {
  bytesOperation,
  registerVaultIpc,
  type BridgeWebContents,
  type BytesOperation,
  type CapabilityKind,
  type DerivedKeyCapability,
  type Operation,
  type OperationAccess,
  type OperationSpec,
  type SecretCapability,
  type VaultIpc,
  type VaultIpcOptions,
} from '../ipc/register';
export type { BridgeLimits } from '../ipc/limits';
