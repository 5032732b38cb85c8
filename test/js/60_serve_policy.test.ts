import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { CONTENT_SECURITY_POLICY, resolveInside } from '../../main/electron/serve-policy';
import { at } from './support/assertions';
import { EXPECTED_CSP, EXPECTED_CSP_DIRECTIVES } from './support/csp';

const root = path.resolve('/srv/app/renderer-demo');

test('the app protocol serves files inside its root and nothing outside', () => {
  assert.equal(resolveInside(root, '/index.html'), path.join(root, 'index.html'));
  assert.equal(resolveInside(root, '/css/a.css'), path.join(root, 'css', 'a.css'));
  for (const escape of [
    '/../secret.txt',
    '/..%2f..%2fetc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/a/../../b',
    '/\0.html',
    '/%00',
    '/%E0%A4%A',
  ]) {
    const resolved = resolveInside(root, escape);
    assert.ok(resolved === null || resolved.startsWith(`${root}${path.sep}`), `${escape} -> ${resolved}`);
  }
  assert.equal(resolveInside(root, '/%E0%A4%A'), null, 'malformed escapes are refused');
  assert.equal(resolveInside(root, '/x\0y'), null);
});

test('the CSP allows only same-origin scripts and styles, and nothing else', () => {
  // The whole policy, directive by directive, against the tests' one literal copy.
  assert.deepEqual(CONTENT_SECURITY_POLICY.split('; '), EXPECTED_CSP_DIRECTIVES);
});

test("every page of the demo carries the header's CSP in a <meta> tag too, word for word", () => {
  const dir = path.resolve(__dirname, '..', '..', '..', 'renderer-demo');
  const pages = fs.readdirSync(dir).filter((f) => f.endsWith('.html'));
  assert.ok(pages.length > 0);
  for (const page of pages) {
    const html = fs.readFileSync(path.join(dir, page), 'utf8');
    const tags = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/gi)];
    assert.equal(tags.length, 1, `${page}: one CSP meta tag`);
    const tag = at(tags, 0, `${page}: the CSP meta tag`);
    assert.equal(tag[1], EXPECTED_CSP, `${page}: the meta policy is the header's`);
    // It must come before anything it governs.
    assert.ok(tag.index < html.search(/<(script|link|style)\b/i), `${page}: the meta tag precedes every script and stylesheet`);
  }
});
