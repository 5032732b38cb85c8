// The one walker for "plain, bounded data": what the preload checks before it
// sends (clear errors for the page) and what main checks again on arrival
// and on every operation's result (the check that counts). Both sides share
// the bounds and the walk; each brings its own idea of a byte array and a
// plain object (the preload sees values of other realms, main only its own)
// and its own errors.
//
// Every check is bounded by a limit it enforces before it walks: an array's
// claimed length, an object's key count, depth, the number of values and the
// bytes they add up to are compared with what is left of the budget before a
// single element is read. A value is accepted or refused after touching at
// most DATA_BOUNDS.maxValues values, whatever it claims to hold (a sparse
// array of length 2^32-1 is refused after reading its length). Values are
// read through property descriptors, so no getter runs.
// Pure: no Node, no Electron (bundled into the sandboxed preload).

/** Structural bounds of plain data, the same on both sides of the bridge and for every channel. */
export const DATA_BOUNDS = Object.freeze({
  /** Nesting below the top value. */
  maxDepth: 8,
  /** Values in all, counting every slot of an array (holes too) and every key of an object. */
  maxValues: 1000,
});

export interface PlainDataRules {
  /** A byte array whose length can be read without running foreign code. */
  isBytes(value: object): boolean;
  /** An object with a plain prototype (some realm's Object.prototype, or null). */
  isPlainObject(value: object): boolean;
  /** The error for a refusal: 'shape' (not plain data, or beyond DATA_BOUNDS) or 'size' (more than maxBytes). */
  refuse(kind: 'shape' | 'size', message: string): Error;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Accepts only plain data: null, undefined, booleans, finite numbers,
 * strings, byte arrays, arrays (indices only) and plain objects (string keys
 * other than __proto__/constructor/prototype, data properties only), at most
 * DATA_BOUNDS deep and many, and at most `maxBytes` bytes counted as: 2 per
 * string character or key character, 8 per number, 1 per other value or
 * array slot, plus each byte array's length. Returns that count.
 */
export function measurePlainData(value: unknown, what: string, maxBytes: number, rules: PlainDataRules): number {
  let values = 0;
  let bytes = 0;
  const shape = (message: string) => rules.refuse('shape', `${what}${message}`);
  const count = (n: number) => {
    values += n;
    if (values > DATA_BOUNDS.maxValues) throw shape(` has more than ${DATA_BOUNDS.maxValues} values`);
  };
  const spend = (n: number) => {
    bytes += n;
    if (bytes > maxBytes) throw rules.refuse('size', `${what} is larger than ${maxBytes} bytes`);
  };
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth > DATA_BOUNDS.maxDepth) throw shape(` is nested deeper than ${DATA_BOUNDS.maxDepth}`);
    if (v === null || v === undefined || typeof v === 'boolean') return spend(1);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw shape(`${path} is not a finite number`);
      return spend(8);
    }
    // Only the length is read; the characters are never walked here.
    if (typeof v === 'string') return spend(v.length * 2);
    if (typeof v !== 'object') throw shape(`${path} is a ${typeof v}, which cannot be sent`);
    if (rules.isBytes(v)) return spend((v as Uint8Array).byteLength);
    const array = Array.isArray(v);
    if (array) {
      // The claim first: holes count, so a length the budget cannot hold is
      // refused before a single slot is read.
      const length = (v as unknown[]).length;
      count(length);
      spend(length);
    } else if (!rules.isPlainObject(v)) {
      throw shape(`${path} is not plain data (only plain objects, arrays, Uint8Arrays and primitives)`);
    }
    const keys = Reflect.ownKeys(v);
    if (array) {
      // Indices (at most length of them) and 'length': anything more is a
      // named property, which a structured clone keeps too.
      if (keys.length > (v as unknown[]).length + 1) throw shape(`${path} is an array with a named property`);
    } else {
      count(keys.length);
    }
    for (const key of keys) {
      if (array && key === 'length') continue;
      if (typeof key !== 'string') throw shape(`${path} has a symbol key`);
      if (array ? !INDEX.test(key) : FORBIDDEN_KEYS.has(key)) {
        throw shape(array ? `${path} is an array with a named property ${key.slice(0, 40)}` : `${path} has a forbidden key ${key}`);
      }
      if (!array) spend(key.length * 2);
      const descriptor = Reflect.getOwnPropertyDescriptor(v, key);
      if (descriptor === undefined || !('value' in descriptor)) throw shape(`${path} has an accessor property, not data`);
      walk(descriptor.value, depth + 1, array ? `${path}[${key}]` : `${path}.${key.slice(0, 40)}`);
    }
  };
  walk(value, 0, '');
  return bytes;
}
