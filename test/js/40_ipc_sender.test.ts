import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SecureMemoryError } from '../../main';
import { assertTrustedSender, parseAppOrigin } from '../../main/ipc/sender';
import { eventFrom, FakeWebContents, ORIGIN, topFrame } from './support/bridge-fixtures';

const origin = parseAppOrigin(ORIGIN);
const contents = new FakeWebContents();

function refused(frame: Parameters<typeof eventFrom>[1], why: RegExp) {
  assert.throws(
    () => assertTrustedSender(eventFrom(contents, frame), origin),
    (e: unknown) => e instanceof SecureMemoryError && e.code === 'FORBIDDEN' && why.test(e.message),
  );
}

test('the app top frame at the exact origin passes', () => {
  assertTrustedSender(eventFrom(contents, topFrame(`${ORIGIN}/index.html`)), origin);
  assertTrustedSender(eventFrom(contents, topFrame(`${ORIGIN}/deep/page.html?x=1#y`)), origin);
});

test('fails closed for null frames, sub-frames and every other origin', () => {
  refused(null, /no sender frame/);
  refused({ url: `${ORIGIN}/index.html`, origin: ORIGIN, parent: topFrame() }, /top frame/);
  refused(topFrame('app://strongroom.evil/index.html'), /is not app:\/\/strongroom/);
  refused(topFrame('app://evil.strongroom/index.html'), /is not/);
  refused(topFrame('app://strongroom:8080/index.html'), /is not/);
  refused(topFrame('app://user@strongroom/index.html'), /is not/);
  refused(topFrame('https://strongroom/index.html'), /is not/);
  refused(topFrame('file:///opt/wallet/renderer-demo/index.html'), /is not/);
  refused(topFrame('about:blank', ORIGIN), /is not/); // an about:blank child reports its parent's origin
  refused(topFrame('', ORIGIN), /unparseable/);
  refused(topFrame('not a url'), /unparseable/);
  refused(topFrame('data:text/html,<script>1</script>'), /is not/);
  refused({ url: `${ORIGIN}/index.html`, origin: 'app://other', parent: null }, /frame origin/);
});

test('the app origin itself must be a bare scheme://host', () => {
  for (const bad of [
    '',
    'strongroom',
    'file:///x',
    'about:blank',
    'app://strongroom/index.html',
    'app://u:p@strongroom',
    'app://strongroom?x',
  ]) {
    assert.throws(
      () => parseAppOrigin(bad),
      (e: unknown) => e instanceof SecureMemoryError && e.code === 'INVALID_ARGUMENT',
      bad,
    );
  }
  assert.equal(parseAppOrigin('app://strongroom').serialized, 'app://strongroom');
  assert.equal(parseAppOrigin('app://strongroom/').serialized, 'app://strongroom');
});
