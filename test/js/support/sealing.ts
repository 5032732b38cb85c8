// The sealing method under test: scripts/test-js.js runs the method-dependent
// suites once per method this machine offers, forcing it through the vault's
// own `sealing` option. Only tests read STRONGROOM_TEST_SEALING.
import type { TestContext } from 'node:test';

import { SecretVault, SecureMemoryError } from '../../../main';

/**
 * The environment variable that makes the method-dependent suites force one
 * sealing method ('pkey', 'kernel-copy' or 'mprotect'). Read only by the
 * tests: scripts/test-js.js sets it to run those suites once per method this
 * machine offers. Unset or 'auto': the vault's own choice.
 */
export const TEST_SEALING = 'STRONGROOM_TEST_SEALING';
export const SEALING_METHODS = ['pkey', 'kernel-copy', 'mprotect'] as const;
export type SealingMethod = (typeof SEALING_METHODS)[number];

/** The sealing option the method-dependent suites pass to every vault they make. */
export function sealingUnderTest(): SealingMethod | 'auto' {
  const value = process.env[TEST_SEALING];
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if ((SEALING_METHODS as readonly string[]).includes(value)) return value as SealingMethod;
  throw new Error(`${TEST_SEALING}="${value}" is not one of auto, ${SEALING_METHODS.join(', ')}`);
}

/** Whether `method` can be had here, and if not the probe's reason (the UNSUPPORTED error's message). */
export function probeSealing(method: SealingMethod): { available: true } | { available: false; reason: string } {
  const vault = new SecretVault({ sealing: method });
  try {
    vault.destroy(vault.generate(1));
    return { available: true };
  } catch (error) {
    if (error instanceof SecureMemoryError && error.code === 'UNSUPPORTED') return { available: false, reason: error.message };
    throw error;
  }
}

/**
 * Runs `body` once per sealing method as a subtest that forces it; a method
 * this machine lacks becomes a skipped subtest that says why (never another
 * method in its place). Used by the tests that cover every method themselves.
 */
export async function forEachSealingMethod(
  t: TestContext,
  body: (method: SealingMethod, t: TestContext) => void | Promise<void>,
): Promise<void> {
  for (const method of SEALING_METHODS) {
    const probe = probeSealing(method);
    await t.test(`sealing ${method}`, { skip: probe.available ? false : `${method} is not available here: ${probe.reason}` }, (sub) =>
      body(method, sub),
    );
  }
}
