// A pooled chunk behind the interface of an isolated region, so the vault
// handles both storages the same way.
import type { NativePool, NativeRegion } from '../native';

/** A pooled chunk behind the same interface as an isolated region. */
export class PooledRegion implements NativeRegion {
  constructor(
    private readonly pool: NativePool,
    private readonly chunk: number,
  ) {}
  fillRandom(): void {
    this.pool.fillRandom(this.chunk);
  }
  write(source: Uint8Array): void {
    this.pool.write(this.chunk, source);
  }
  readInto(target: Uint8Array): void {
    this.pool.readInto(this.chunk, target);
  }
  wipe(): void {
    const size = this.pool.summary(this.chunk).size;
    this.pool.write(this.chunk, new Uint8Array(size));
  }
  summary(): { size: number; lockedBytes: number; locked: boolean } {
    return this.pool.summary(this.chunk);
  }
  inspect(): ReturnType<NativePool['inspect']> {
    return this.pool.inspect(this.chunk);
  }
  destroy(): void {
    this.pool.free(this.chunk);
  }
}
