// A pooled chunk behind the interface of an isolated region, so the vault
// handles both storages the same way.
import { native, type NativePool, type NativeRegion } from '../native';

/**
 * A pooled chunk behind the same interface as an isolated region. The hot
 * calls go through the plain functions over the pool's id.
 */
export class PooledRegion implements NativeRegion {
  /** The pool's id and the chunk's: how the wallet functions name a pooled secret. */
  readonly poolId: number;
  constructor(
    private readonly pool: NativePool,
    readonly chunk: number,
  ) {
    this.poolId = pool.id;
  }
  fillRandom(): void {
    this.pool.fillRandom(this.chunk);
  }
  write(source: Uint8Array): void {
    native.poolWrite(this.poolId, this.chunk, source);
  }
  readInto(target: Uint8Array): void {
    native.poolReadInto(this.poolId, this.chunk, target);
  }
  record(): { size: number; lockedBytes: number; locked: boolean } {
    return this.pool.record(this.chunk);
  }
  inspect(): ReturnType<NativePool['inspect']> {
    return this.pool.inspect(this.chunk);
  }
  destroy(): void {
    native.poolFree(this.poolId, this.chunk);
  }
}
