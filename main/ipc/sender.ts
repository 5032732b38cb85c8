// Who may call the bridge: the app's own top frame, at its exact origin.
// Fails closed: no frame, a sub-frame, an empty, about:blank, file:// or
// unparseable URL, or any other origin is refused. (VS Code's ipcMain.ts
// check fails open on an empty URL; this one does not.)
import { SecureMemoryError } from '../errors';

/** The parts of a frame the check reads; Electron's WebFrameMain has them. */
export interface SenderFrame {
  readonly parent: unknown;
  readonly url: string;
  readonly origin?: string;
}

/**
 * The parts of an IPC event the check reads; Electron's IpcMainInvokeEvent
 * has them. Declared here so the library's types need no electron package.
 */
export interface SenderEvent {
  readonly senderFrame: SenderFrame | null | undefined;
  readonly sender: { readonly id: number };
}

export interface ParsedOrigin {
  protocol: string;
  host: string;
  serialized: string;
}

/** Parses the app origin, e.g. 'app://strongroom'. Throws on anything that is not a bare scheme://host[:port]. */
export function parseAppOrigin(origin: string): ParsedOrigin {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new SecureMemoryError('INVALID_ARGUMENT', `app origin ${JSON.stringify(origin)} is not a URL`);
  }
  if (url.host === '' || url.username !== '' || url.password !== '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `app origin must be scheme://host[:port], got ${JSON.stringify(origin)}`);
  }
  if (url.protocol === 'file:' || url.protocol === 'about:' || url.protocol === 'data:' || url.protocol === 'blob:') {
    throw new SecureMemoryError('INVALID_ARGUMENT', `app origin may not use ${url.protocol}`);
  }
  return { protocol: url.protocol, host: url.host, serialized: `${url.protocol}//${url.host}` };
}

function forbidden(why: string): SecureMemoryError {
  return new SecureMemoryError('FORBIDDEN', `sender refused: ${why}`);
}

/** Throws FORBIDDEN unless the event comes from the top frame of a page at exactly `origin`. */
export function assertTrustedSender(event: SenderEvent, origin: ParsedOrigin): void {
  const frame = event.senderFrame;
  if (frame === null || frame === undefined) throw forbidden('no sender frame (it navigated or was destroyed)');
  if (frame.parent !== null) throw forbidden('only the top frame may call strongroom');
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    throw forbidden(`unparseable frame URL ${JSON.stringify(frame.url)}`);
  }
  // Compare scheme and host exactly; Node's URL gives custom schemes an
  // origin of "null", so URL.origin cannot be used here.
  if (url.protocol !== origin.protocol || url.host !== origin.host || url.username !== '' || url.password !== '') {
    throw forbidden(`frame at ${url.protocol}//${url.host} is not ${origin.serialized}`);
  }
  // Electron's own serialised origin must agree (about:blank children report
  // their parent's origin, but their URL is empty and failed above).
  if (typeof frame.origin === 'string' && frame.origin !== origin.serialized) {
    throw forbidden(`frame origin ${frame.origin} is not ${origin.serialized}`);
  }
}
