// Serves the app's pages from a privileged custom scheme instead of file://
// (Electron security checklist #18), with a strict CSP on every response.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { protocol, type Session } from 'electron';

import { CONTENT_SECURITY_POLICY, MIME, resolveInside } from './serve-policy';

/** Must run before app 'ready': makes `scheme` standard and secure, like https. */
export function registerAppScheme(scheme: string): void {
  protocol.registerSchemesAsPrivileged([{ scheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Answers `${scheme}://${host}/...` from files under `root`; anything else is 404. */
export function serveDirectory(session: Session, scheme: string, host: string, root: string): void {
  const absoluteRoot = path.resolve(root);
  session.protocol.handle(scheme, async (request) => {
    const url = new URL(request.url);
    const notFound = () => new Response('not found', { status: 404, headers: { 'content-security-policy': CONTENT_SECURITY_POLICY } });
    if (url.host !== host || request.method !== 'GET') return notFound();
    const file = resolveInside(absoluteRoot, url.pathname === '/' ? '/index.html' : url.pathname);
    if (file === null) return notFound();
    try {
      const body = await fs.readFile(file);
      return new Response(body, {
        headers: {
          'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
          'cross-origin-opener-policy': 'same-origin',
          'referrer-policy': 'no-referrer',
        },
      });
    } catch {
      return notFound();
    }
  });
}
