// Who may call the bridge: the app's own top frame, at its exact origin, and
// only while it is its window's current main frame. Fails closed: no frame, a
// frame whose properties cannot be read (disposed), a sub-frame, a detached
// frame, an empty, about:blank, file:// or unparseable URL, a missing or
// different origin, a frame without a process and routing id, or any other
// origin is refused. An empty URL is refused too: a check that let it pass
// would accept a frame that has not committed a document yet.
import { SecureMemoryError } from '../errors';

/** The parts of a frame the check reads; Electron's WebFrameMain has them. */
export interface SenderFrame {
  readonly parent: unknown;
  readonly url: string;
  readonly origin: string;
  /** Chromium's id of the renderer process hosting the frame. */
  readonly processId: number;
  /** The frame's id within that process; with processId, it names one RenderFrameHost. */
  readonly routingId: number;
  /** Electron 34+: true while a replaced frame runs its unload handlers. */
  readonly detached?: boolean;
  /** Electron's WebFrameMain.send: a message to this frame only (the keystore calls' progress). */
  send?(channel: string, ...args: unknown[]): void;
}

/**
 * The parts of an IPC event the check reads; Electron's IpcMainInvokeEvent
 * has them. Declared here so the library's types need no electron package.
 */
export interface SenderEvent {
  readonly senderFrame: SenderFrame | null | undefined;
  readonly sender: { readonly id: number; readonly mainFrame?: { readonly processId: number; readonly routingId: number } | null };
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
  if (
    url.host === '' ||
    url.username !== '' ||
    url.password !== '' ||
    (url.pathname !== '' && url.pathname !== '/') ||
    url.search !== '' ||
    url.hash !== ''
  ) {
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

const isFrameId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** What the check read from the frame, once: getters are not read twice. */
interface FrameFacts {
  parent: unknown;
  url: unknown;
  origin: unknown;
  processId: unknown;
  routingId: unknown;
  detached: unknown;
  mainProcessId: unknown;
  mainRoutingId: unknown;
}

function readFrame(event: SenderEvent): FrameFacts | null {
  const frame = event.senderFrame;
  if (frame === null || frame === undefined) return null;
  // A WebFrameMain whose frame is gone throws from its getters; so may a
  // sender whose webContents was destroyed. Either way: refused, not failed.
  try {
    const main = event.sender.mainFrame;
    return {
      parent: frame.parent,
      url: frame.url,
      origin: frame.origin,
      processId: frame.processId,
      routingId: frame.routingId,
      detached: frame.detached,
      mainProcessId: main === null || main === undefined ? undefined : main.processId,
      mainRoutingId: main === null || main === undefined ? undefined : main.routingId,
    };
  } catch {
    throw forbidden('the sender frame can no longer be read (it navigated or was destroyed)');
  }
}

/**
 * Throws FORBIDDEN unless the event comes from the current top frame of a
 * page at exactly `origin`. Returns the frame's key ("processId:routingId"),
 * which with the window's document generation names the calling document.
 */
export function assertTrustedSender(event: SenderEvent, origin: ParsedOrigin): string {
  const frame = readFrame(event);
  if (frame === null) throw forbidden('no sender frame (it navigated or was destroyed)');
  if (frame.parent !== null) throw forbidden('only the top frame may call strongroom');
  if (frame.detached === true) throw forbidden('the sender frame is detached (its page was replaced)');
  if (typeof frame.url !== 'string') throw forbidden('the frame URL is not a string');
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    throw forbidden(`unparseable frame URL ${JSON.stringify(frame.url.slice(0, 80))}`);
  }
  // Compare scheme and host exactly; Node's URL gives custom schemes an
  // origin of "null", so URL.origin cannot be used here.
  if (url.protocol !== origin.protocol || url.host !== origin.host || url.username !== '' || url.password !== '') {
    throw forbidden(`frame at ${url.protocol}//${url.host} is not ${origin.serialized}`.slice(0, 160));
  }
  // Electron's own serialised origin must agree (about:blank children report
  // their parent's origin, but their URL is empty and failed above). A frame
  // that does not say its origin is refused, not waved through.
  if (typeof frame.origin !== 'string') throw forbidden('the frame has no origin');
  if (frame.origin !== origin.serialized) throw forbidden(`frame origin ${frame.origin.slice(0, 80)} is not ${origin.serialized}`);
  if (!isFrameId(frame.processId) || !isFrameId(frame.routingId)) throw forbidden('the frame has no process and routing id');
  // A frame its window has already replaced (the old page of a cross-process
  // navigation, still unloading) is a top frame at the right origin, but not
  // the window's page any more.
  if (frame.mainProcessId !== frame.processId || frame.mainRoutingId !== frame.routingId) {
    throw forbidden("the sender is not its window's current main frame");
  }
  return `${frame.processId}:${frame.routingId}`;
}
