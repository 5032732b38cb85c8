import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';

import { CONTENT_SECURITY_POLICY, resolveInside } from '../../main/electron/serve-policy';

const root = path.resolve('/srv/app/renderer-demo');

test('the app protocol serves files inside its root and nothing outside', () => {
  assert.equal(resolveInside(root, '/index.html'), path.join(root, 'index.html'));
  assert.equal(resolveInside(root, '/css/a.css'), path.join(root, 'css', 'a.css'));
  for (const escape of ['/../secret.txt', '/..%2f..%2fetc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/a/../../b', '/\0.html', '/%00', '/%E0%A4%A']) {
    const resolved = resolveInside(root, escape);
    assert.ok(resolved === null || resolved.startsWith(`${root}${path.sep}`), `${escape} -> ${resolved}`);
  }
  assert.equal(resolveInside(root, '/%E0%A4%A'), null, 'malformed escapes are refused');
  assert.equal(resolveInside(root, '/x\0y'), null);
});

test('the CSP allows only same-origin scripts and styles, and nothing else', () => {
  // The whole policy, directive by directive: a loosened, dropped or added
  // directive fails here.
  assert.deepEqual(CONTENT_SECURITY_POLICY.split('; '), [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ]);
});
