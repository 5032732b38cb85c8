// The bridge between main and the preload, declared once. Every channel is a
// method name in BRIDGE_METHODS and an entry in BridgeContract; the request
// main accepts is the type of its schema in requestSchemas. From these come
// window.strongroom's type (StrongroomBridge), the preload's methods
// (createBridgeApi walks BRIDGE_METHODS) and the handlers' types in main, so
// a channel missing from any of them does not compile.
//
// The preload bundles this file: it must not import Node or Electron modules.
// zod is used only inside requestSchemas, which the preload never calls, so
// the bundler leaves zod out; SecretStatus is a type import.
import { z } from 'zod';

import type { SecretStatus } from '../main/vault';

export const CHANNEL_PREFIX = 'strongroom:';

/** The only methods window.strongroom has, each on its own channel. */
export const BRIDGE_METHODS = [
  'status',
  'generate',
  'importSecret',
  'inspect',
  'list',
  'destroy',
  'run',
  'exportKeystore',
  'importKeystore',
  'cancelKeystore',
] as const;

export type BridgeMethod = (typeof BRIDGE_METHODS)[number];

export function channelFor(method: BridgeMethod): string {
  return `${CHANNEL_PREFIX}${method}`;
}

/** 128 random bits, base64url: 22 characters. */
export const SECRET_ID = /^[A-Za-z0-9_-]{22}$/;
export const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** The name a page gives a keystore call so that it can cancel it: 1 to 64 letters, digits, '_' or '-' (a UUID fits). */
export const KEYSTORE_JOB_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The one channel main sends on: a keystore call's KDF progress, to the
 * frame that made the call, as (progressId, done, total): three numbers.
 */
export const KEYSTORE_PROGRESS_CHANNEL = `${CHANNEL_PREFIX}keystoreProgress`;

/** The bridge's keystore bounds: the JSON text a page may send, the password's bytes, a derivation path's characters. */
export const BRIDGE_KEYSTORE_LIMITS = Object.freeze({ maxJsonChars: 16 * 1024, maxPasswordBytes: 1024, maxPathChars: 128 });

/** A keystore call's progress, numbers only. */
export interface KeystoreProgressReport {
  done: number;
  total: number;
}

/** exportKeystore's options in the page: the KDF (the vault's defaults and limits apply), a path for a seed, a progress callback. */
export interface BridgeExportKeystoreOptions {
  kdf?: 'scrypt' | 'pbkdf2';
  n?: number;
  r?: number;
  p?: number;
  c?: number;
  /** For a seed: the BIP-32 path of the secp256k1 key to export, derived in main and destroyed after. */
  path?: string;
  onProgress?: (progress: KeystoreProgressReport) => void;
  /** A name for this call, unique among this page's running keystore calls, so that cancelKeystore(job) can stop it. */
  job?: string;
}

export interface BridgeImportKeystoreOptions {
  onProgress?: (progress: KeystoreProgressReport) => void;
  /** As for exportKeystore: the name cancelKeystore(job) stops this call by. */
  job?: string;
}

/** What generate() makes: plain random bytes ('secret', the default) or a BIP-32 seed that operations can derive keys from. */
export const GENERATE_KINDS = ['secret', 'seed'] as const;
export type GenerateKind = (typeof GENERATE_KINDS)[number];

export interface GenerateOptions {
  kind?: GenerateKind;
}

/**
 * The requests main accepts, one zod schema per channel whose request is a
 * small structure. importSecret's request is the secret itself: main checks
 * it by type and length alone (ImportRequest), never with a schema library.
 */
export function requestSchemas(limits: { maxSecretSize: number }) {
  const id = z.string().regex(SECRET_ID, 'not a secret id');
  const size = z.number().int().min(1).max(limits.maxSecretSize);
  const count = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
  // Checked by type and length only: the bytes are never read here.
  const password = z.custom<Uint8Array>(
    (v) => ArrayBuffer.isView(v) && v instanceof Uint8Array && v.byteLength >= 1 && v.byteLength <= BRIDGE_KEYSTORE_LIMITS.maxPasswordBytes,
    `a password is a Uint8Array of 1 to ${BRIDGE_KEYSTORE_LIMITS.maxPasswordBytes} bytes`,
  );
  // The page's name for a call it may cancel: only its own document's running calls answer to it.
  const job = z.string().regex(KEYSTORE_JOB_NAME, 'not a keystore job name');
  // The id the preload chose for this call's progress reports; 0: none.
  const progress = z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1);
  return {
    status: z.undefined(),
    list: z.undefined(),
    generate: z.strictObject({ size, kind: z.enum(GENERATE_KINDS).optional() }),
    inspect: z.strictObject({ id }),
    destroy: z.strictObject({ id }),
    run: z.strictObject({
      operation: z.string().regex(OPERATION_NAME, 'not an operation name'),
      id,
      args: z.unknown(),
    }),
    exportKeystore: z.strictObject({
      id,
      password,
      options: z.strictObject({
        kdf: z.enum(['scrypt', 'pbkdf2']).optional(),
        n: count.optional(),
        r: count.optional(),
        p: count.optional(),
        c: count.optional(),
        path: z.string().min(1).max(BRIDGE_KEYSTORE_LIMITS.maxPathChars).optional(),
      }),
      progress,
      job: job.optional(),
    }),
    importKeystore: z.strictObject({
      json: z.string().min(1).max(BRIDGE_KEYSTORE_LIMITS.maxJsonChars),
      password,
      progress,
      job: job.optional(),
    }),
    cancelKeystore: z.strictObject({ job }),
  } satisfies Record<Exclude<BridgeMethod, 'importSecret'>, z.ZodType>;
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;

/** importSecret's request: exactly one of these, 1 to maxSecretSize bytes or characters. */
export type ImportRequest = { bytes: Uint8Array } | { text: string };

/** A secret as the renderer knows it: an unguessable id, bound to the window that made it. */
export interface SecretRef {
  id: string;
  size: number;
}

/** inspect's answer: the vault's SecretStatus of the secret, named by its bridge id. */
export type BridgeSecretStatus = { id: string } & Pick<
  SecretStatus,
  'size' | 'storage' | 'locked' | 'lockVerified' | 'dumpExcluded' | 'forkExcluded' | 'guardPages' | 'sealed' | 'canaryIntact' | 'sealing'
>;

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

/**
 * Per channel: the arguments the page passes to window.strongroom's method
 * and what main answers. The request between them is BridgeRequest.
 */
export interface BridgeContract {
  status: { args: []; response: BridgeStatus };
  generate: { args: [size: number, options?: GenerateOptions]; response: SecretRef };
  importSecret: { args: [input: ImportInput]; response: SecretRef };
  inspect: { args: [id: string]; response: BridgeSecretStatus };
  list: { args: []; response: SecretRef[] };
  destroy: { args: [id: string]; response: undefined };
  run: { args: [operation: string, id: string, args?: unknown]; response: unknown };
  /** A secp256k1 key (or, with options.path, a key derived from a seed) as Web3 v3 keystore JSON text. The password bytes are wiped once sent. */
  exportKeystore: { args: [id: string, password: Uint8Array, options?: BridgeExportKeystoreOptions]; response: string };
  /** A keystore's key as a new secret of this page. The password bytes are wiped once sent. */
  importKeystore: { args: [json: string, password: Uint8Array, options?: BridgeImportKeystoreOptions]; response: SecretRef };
  /**
   * Stops this page's running keystore call named `job` (options.job): that call then rejects with
   * ABORTED and creates nothing. INVALID_HANDLE for a name no running call of this page has.
   */
  cancelKeystore: { args: [job: string]; response: undefined };
}

// BRIDGE_METHODS, BridgeContract and requestSchemas (with importSecret) name
// the same channels, or this fails to compile.
type SameKeys<A, B> = [Exclude<A, B> | Exclude<B, A>] extends [never] ? true : false;
type AssertTrue<T extends true> = T;
type _EveryMethodHasAContract = AssertTrue<SameKeys<keyof BridgeContract, BridgeMethod>>;
type _EveryMethodHasARequest = AssertTrue<SameKeys<keyof RequestSchemas | 'importSecret', BridgeMethod>>;

export type BridgeArgs<M extends BridgeMethod> = BridgeContract[M]['args'];
/** What the preload sends and main accepts on the channel: its schema's type (importSecret: ImportRequest). */
export type BridgeRequest<M extends BridgeMethod> = M extends keyof RequestSchemas ? z.infer<RequestSchemas[M]> : ImportRequest;
export type BridgeResult<M extends BridgeMethod> = BridgeContract[M]['response'];

/** window.strongroom's methods, one per channel. */
export type BridgeMethods = { [M in BridgeMethod]: (...args: BridgeArgs<M>) => Promise<BridgeResult<M>> };

/** What the renderer gets as window.strongroom. Every method returns a Promise; failures reject with an Error whose message starts with its code, e.g. "INVALID_HANDLE: ...". */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, so that it reads (and merges) like one
export interface StrongroomBridge extends BridgeMethods {}

export interface BridgeErrorInfo {
  code: string;
  message: string;
}

/** Handlers never throw across IPC: Electron would mangle the error. They answer with this. */
export type BridgeResponse<T = unknown> = { ok: true; value: T } | { ok: false; error: BridgeErrorInfo };
