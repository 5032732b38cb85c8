// The typed contract between main and preload: one channel per bridge method.
// Pure types and constants: the preload bundles this file, so it must not
// import Node or Electron modules.

export const CHANNEL_PREFIX = 'strongroom:';

/** The only methods window.strongroom has. Adding one means adding a channel here, a schema and handler in main, and a test. */
export const BRIDGE_METHODS = ['status', 'generate', 'importSecret', 'inspect', 'list', 'destroy', 'run'] as const;

export type BridgeMethod = (typeof BRIDGE_METHODS)[number];

export function channelFor(method: BridgeMethod): string {
  return `${CHANNEL_PREFIX}${method}`;
}

/** A secret as the renderer knows it: an unguessable id, bound to the window that made it. */
export interface SecretRef {
  id: string;
  size: number;
}

export interface BridgeSecretStatus {
  id: string;
  size: number;
  storage: string;
  locked: boolean;
  lockVerified: boolean | null;
  dumpExcluded: boolean | null;
  forkExcluded: boolean | null;
  guardPages: boolean | null;
  sealed: boolean | null;
  canaryIntact: boolean;
  sealing: string;
}

export interface BridgeStatus {
  platform: {
    os: string;
    arch: string;
    runtime: string;
    pageSize: number;
    memlockLimit: number | null;
    lockedBytes: number | null;
  };
  hardening: {
    coreDumps: 'disabled' | 'enabled' | 'unknown';
    rlimitCore: { soft: number | null; hard: number | null } | null;
    dumpable: boolean | null;
    windowsErrorMode: number | null;
    lockBudget: { limit: number | null; ceiling: number | null; used: number | null };
  };
  window: { secrets: number; maxSecrets: number; maxSecretSize: number };
  operations: string[];
}

export type ImportInput = Uint8Array | string;

/** What the renderer gets as window.strongroom. Every method returns a Promise; failures reject with an Error whose message starts with its code, e.g. "INVALID_HANDLE: ...". */
export interface StrongroomBridge {
  status(): Promise<BridgeStatus>;
  generate(size: number): Promise<SecretRef>;
  importSecret(input: ImportInput): Promise<SecretRef>;
  inspect(id: string): Promise<BridgeSecretStatus>;
  list(): Promise<SecretRef[]>;
  destroy(id: string): Promise<void>;
  run(operation: string, id: string, args?: unknown): Promise<unknown>;
}

export interface BridgeErrorInfo {
  code: string;
  message: string;
}

/** Handlers never throw across IPC: Electron would mangle the error. They answer with this. */
export type BridgeResponse<T = unknown> = { ok: true; value: T } | { ok: false; error: BridgeErrorInfo };
