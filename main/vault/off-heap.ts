// Where a vault puts the copies it hands out and the bytes it is importing.

/**
 * A scratch copy that V8 allocates outside its heap (a fresh ArrayBuffer of
 * its own), so wiping it leaves no other copy: Buffer.allocUnsafe would put
 * it in a shared slab, and a small `new Uint8Array(n)` lives in the JS heap,
 * where V8 may move it and leave stale copies behind.
 */
export function offHeapBytes(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size));
}
