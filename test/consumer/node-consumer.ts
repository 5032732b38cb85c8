// A Node-only consumer: no electron package installed.
import { SecretVault, SecureMemoryError, platformInfo, type SecretStatus } from 'strongroom';

const vault = new SecretVault({ lockPolicy: 'require', storage: 'pooled' });
const handle = vault.generate(32);
const first: number = vault.read(handle, (view) => view[0] ?? 0);
vault.write(handle, (view) => {
  view[0] = first ^ 1;
});
// @ts-expect-error a Promise-returning scope would outlive the wiped copy
vault.read(handle, async (view) => view.length);
const status: SecretStatus = vault.inspect(handle);
const code: string = new SecureMemoryError('INVALID_ARGUMENT', 'x').code;
export const summary = { status, code, pageSize: platformInfo().pageSize };
