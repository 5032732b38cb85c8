// The pools pooled secrets live in.
import { callNative } from '../errors';
import { native, type NativePool } from '../native';
import type { Backing, LockPolicy, Sealing } from '../options';
import { HARD_MAX_SECRET_SIZE } from '../validate';

// One pool per lock policy, backing and sealing, shared by every vault of this
// thread: the lock budget is per process, and one arena holds thousands of
// secrets.
const pools = new Map<string, NativePool>();

export function poolFor(lockPolicy: LockPolicy, backing: Backing, sealing: Sealing): NativePool {
  const key = `${lockPolicy}/${backing}/${sealing}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = callNative(() => new native.Pool(native.defaultArenaSize, HARD_MAX_SECRET_SIZE, lockPolicy === 'require', sealing, backing));
    pools.set(key, pool);
  }
  return pool;
}
