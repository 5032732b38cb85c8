// Serves the app's pages from a privileged custom scheme instead of file://
// (Electron security checklist #18), with a strict CSP on every response.
// The handler itself is pure and lives in serve-policy.ts.
import { protocol, type Session } from 'electron';

import { createAppRequestHandler } from './serve-policy';

/** Must run before app 'ready': makes `scheme` standard and secure, like https. */
export function registerAppScheme(scheme: string): void {
  protocol.registerSchemesAsPrivileged([{ scheme, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Answers `${scheme}://${host}/...` from files under `root`; anything else is 404. */
export function serveDirectory(session: Session, scheme: string, host: string, root: string): void {
  session.protocol.handle(scheme, createAppRequestHandler(root, host));
}
