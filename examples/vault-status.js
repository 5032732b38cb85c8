// A first look: keep a secret in Strongroom and ask the OS what it confirms.
// Run with `npm run demo` after `npm ci`.
'use strict';
const { SecretVault, platformInfo, onLog } = require('..');

onLog(({ level, message }) => console.log(`[strongroom ${level}] ${message}`));

const info = platformInfo();
console.log('platform', info);

const vault = new SecretVault({ lockPolicy: 'best-effort' });
const seed = vault.generate(32); // 32 CSPRNG bytes, written natively: never in JS
const status = vault.inspect(seed);
console.log('secret status (from the OS where it can tell; null = cannot be verified here)');
console.table(status);

// Use the secret inside a scope: the view is a copy, wiped when the scope ends.
const fingerprint = vault.read(seed, (view) => require('node:crypto').createHash('sha256').update(view).digest('hex').slice(0, 16));
console.log('fingerprint of the secret', fingerprint);

vault.destroy(seed);
console.log('after destroy', vault.stats(), 'process locked bytes', platformInfo().lockedBytes);
