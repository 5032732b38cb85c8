// The demo's main-process operations: they run inside a scoped read and
// return only public results. (The wallet UI issue extends these with
// BIP-39/32 derivation and signing.)
import { createHash } from 'node:crypto';

import type { Operation } from '../ipc/register';

export const demoOperations: Record<string, Operation> = {
  /** A short, non-reversible fingerprint of the secret, for display. */
  fingerprint: (secret) => createHash('sha256').update(secret).digest('hex').slice(0, 16),
};
