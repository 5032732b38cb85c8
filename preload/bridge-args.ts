// Checks every argument a page passes to window.strongroom before anything is
// sent. ipcRenderer.invoke structured-clones its payload and throws a bare
// "An object could not be cloned" for functions, symbols or odd objects,
// before main ever sees them; checked here, the page gets the same kind of
// error main gives ("INVALID_ARGUMENT: ..."). Main still checks everything:
// this file is about clear errors, not trust.
// No Electron, no Node: bundled into the sandboxed preload. The page's values
// may come from another realm (contextBridge copies them into the preload's
// world), so nothing here relies on instanceof.
import { measurePlainData, type PlainDataRules } from '../bridge/plain-data';

/** Bounds beyond DATA_BOUNDS; main's limits (configurable, usually smaller) are checked in main. */
export const ARG_LIMITS = Object.freeze({ maxBytes: 1024 * 1024, maxIdLength: 64 });

export class BridgeArgumentError extends Error {
  constructor(message: string) {
    super(`INVALID_ARGUMENT: ${message}`);
    this.name = 'Error'; // contextBridge copies only the message; keep both sides alike
  }
}

const tag = (value: object) => Object.prototype.toString.call(value);

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return tag(value) === '[object Object]' ? 'an object' : `a ${tag(value).slice(8, -1)}`;
  return `a ${typeof value}`;
}

/** A Uint8Array from any realm, not a subclass with extra behaviour. */
export function isUint8Array(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && tag(value) === '[object Uint8Array]';
}

/** An object whose prototype is some realm's Object.prototype, or null. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || (Object.getPrototypeOf(proto) === null && tag(value) === '[object Object]');
}

/** The preload's rules for plain data: byte arrays and plain objects of any realm; refusals are BridgeArgumentErrors. */
const PRELOAD_RULES: PlainDataRules = {
  isBytes: isUint8Array,
  isPlainObject,
  refuse: (_kind, message) => new BridgeArgumentError(message),
};

/**
 * Accepts only data a structured clone copies faithfully and main accepts
 * (measurePlainData, bridge/plain-data.ts, the walk main repeats), within
 * ARG_LIMITS.maxBytes.
 */
export function checkPlainData(value: unknown, what: string): void {
  measurePlainData(value, what, ARG_LIMITS.maxBytes, PRELOAD_RULES);
}

export function checkArgCount(method: string, args: ArrayLike<unknown>, min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new BridgeArgumentError(`${method}() takes ${expected} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

export function checkSize(method: string, size: unknown): number {
  if (typeof size !== 'number' || !Number.isSafeInteger(size)) {
    throw new BridgeArgumentError(`${method}(size): size must be an integer number of bytes, got ${describeValue(size)}`);
  }
  return size;
}

/** generate()'s options: undefined, or { kind: 'secret' | 'seed' } and nothing else. */
export function checkGenerateOptions(options: unknown): { kind?: 'secret' | 'seed' } {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || !isPlainObject(options))
    throw new BridgeArgumentError(`generate(size, options): options must be a plain object, got ${describeValue(options)}`);
  const keys = Object.keys(options);
  if (keys.some((key) => key !== 'kind')) throw new BridgeArgumentError("generate(size, options): the only option is 'kind'");
  const kind = (options as { kind?: unknown }).kind;
  if (kind === undefined) return {};
  if (kind !== 'secret' && kind !== 'seed')
    throw new BridgeArgumentError(`generate(size, options): kind must be 'secret' or 'seed', got ${describeValue(kind)}`);
  return { kind };
}

export function checkId(method: string, id: unknown): string {
  if (typeof id !== 'string') throw new BridgeArgumentError(`${method}(id): id must be a string, got ${describeValue(id)}`);
  if (id.length > ARG_LIMITS.maxIdLength)
    throw new BridgeArgumentError(`${method}(id): id is longer than ${ARG_LIMITS.maxIdLength} characters`);
  return id;
}

/** cancelKeystore's argument: the name the page gave the call (options.job). */
export function checkJobName(method: string, job: unknown): string {
  if (typeof job !== 'string') throw new BridgeArgumentError(`${method}(job): job must be a string, got ${describeValue(job)}`);
  if (job.length > ARG_LIMITS.maxIdLength)
    throw new BridgeArgumentError(`${method}(job): job is longer than ${ARG_LIMITS.maxIdLength} characters`);
  return job;
}

export function checkOperationName(name: unknown): string {
  if (typeof name !== 'string') throw new BridgeArgumentError(`run(operation): operation must be a string, got ${describeValue(name)}`);
  if (name.length > ARG_LIMITS.maxIdLength)
    throw new BridgeArgumentError(`run(operation): operation is longer than ${ARG_LIMITS.maxIdLength} characters`);
  return name;
}

/** A secret to import: text, or bytes as a Uint8Array (not a plain array, not another view). */
export function checkImportInput(input: unknown): { text: string } | { bytes: Uint8Array } {
  if (typeof input === 'string') {
    if (input.length * 3 > ARG_LIMITS.maxBytes)
      throw new BridgeArgumentError(`importSecret(input): the text is longer than ${ARG_LIMITS.maxBytes} bytes`);
    return { text: input };
  }
  if (isUint8Array(input)) {
    if (input.byteLength > ARG_LIMITS.maxBytes)
      throw new BridgeArgumentError(`importSecret(input): more than ${ARG_LIMITS.maxBytes} bytes`);
    return { bytes: input };
  }
  throw new BridgeArgumentError(`importSecret(input): input must be a Uint8Array or a string, got ${describeValue(input)}`);
}

/** A password: a Uint8Array of 1 to maxBytes bytes (type and length only; the bytes are not read here). */
export function checkPassword(method: string, password: unknown, maxBytes: number): Uint8Array {
  if (!isUint8Array(password))
    throw new BridgeArgumentError(`${method}(password): the password must be a Uint8Array (UTF-8 bytes), got ${describeValue(password)}`);
  if (password.byteLength < 1 || password.byteLength > maxBytes)
    throw new BridgeArgumentError(`${method}(password): a password is 1 to ${maxBytes} bytes`);
  return password;
}

/** Keystore JSON text, at most maxChars characters. */
export function checkKeystoreJson(json: unknown, maxChars: number): string {
  if (typeof json !== 'string') throw new BridgeArgumentError(`importKeystore(json): json must be a string, got ${describeValue(json)}`);
  if (json.length < 1 || json.length > maxChars)
    throw new BridgeArgumentError(`importKeystore(json): keystore JSON is 1 to ${maxChars} characters`);
  return json;
}

/**
 * A keystore call's options: a plain object of the named keys only, numbers
 * as numbers, strings as strings; `onProgress` a function, kept in the
 * preload (never sent). Returns the rest, to send, and the callback.
 */
export function checkKeystoreOptions(
  method: string,
  options: unknown,
  allowed: Readonly<Record<string, 'number' | 'string'>>,
): { send: Record<string, number | string>; onProgress: ((progress: { done: number; total: number }) => void) | undefined } {
  if (options === undefined) return { send: {}, onProgress: undefined };
  if (options === null || typeof options !== 'object' || !isPlainObject(options))
    throw new BridgeArgumentError(`${method}(options): options must be a plain object, got ${describeValue(options)}`);
  const send: Record<string, number | string> = {};
  let onProgress: ((progress: { done: number; total: number }) => void) | undefined;
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key !== 'string') throw new BridgeArgumentError(`${method}(options): options has a symbol key`);
    const descriptor = Object.getOwnPropertyDescriptor(options, key);
    if (descriptor === undefined || !('value' in descriptor))
      throw new BridgeArgumentError(`${method}(options): options.${key} is a getter or setter, not data`);
    const value: unknown = descriptor.value;
    if (value === undefined) continue;
    if (key === 'onProgress') {
      if (typeof value !== 'function') throw new BridgeArgumentError(`${method}(options): onProgress must be a function`);
      onProgress = value as (progress: { done: number; total: number }) => void;
      continue;
    }
    // contextBridge copies an AbortSignal without its prototype: no events, no `aborted`. Said plainly.
    if (key === 'signal')
      throw new BridgeArgumentError(
        `${method}(options): a signal cannot cross the bridge; name the call with options.job and call cancelKeystore(job)`,
      );
    const type = Object.prototype.hasOwnProperty.call(allowed, key) ? allowed[key] : undefined;
    if (type === undefined) throw new BridgeArgumentError(`${method}(options): unknown option ${key.slice(0, 40)}`);
    if (typeof value !== type || (type === 'number' && !Number.isSafeInteger(value)))
      throw new BridgeArgumentError(`${method}(options): options.${key} must be ${type === 'number' ? 'an integer' : 'a string'}`);
    if (type === 'string' && (value as string).length > ARG_LIMITS.maxIdLength * 2)
      throw new BridgeArgumentError(`${method}(options): options.${key} is too long`);
    send[key] = value as number | string;
  }
  return { send, onProgress };
}
