// A stand-in for Electron's ipcMain, webContents and frames, so the real
// handlers run in plain Node with the real vault and addon.
import { EventEmitter } from 'node:events';

import type { SenderEvent } from '../../../main/ipc/sender';

export const ORIGIN = 'app://strongroom';

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, payload: unknown) => unknown>();
  handle(channel: string, listener: (event: never, payload: unknown) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener as (event: unknown, payload: unknown) => unknown);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke would resolve to, including the structured clone both ways. */
  async invoke(event: SenderEvent, channel: string, payload: unknown): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler(event, payload === undefined ? undefined : structuredClone(payload)));
  }
  /** The handler called with `payload` exactly as given: no clone, so proxies and getters reach main's checks. */
  deliver(event: SenderEvent, channel: string, payload: unknown): unknown {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, payload);
  }
}

let nextId = 1;

export interface FakeFrame {
  url: string;
  origin?: string;
  parent: FakeFrame | null;
  processId?: number;
  routingId?: number;
  detached?: boolean;
}

export function topFrame(url = `${ORIGIN}/index.html`, origin?: string, processId = 1, routingId = 1): FakeFrame {
  return { url, origin: origin ?? (url.startsWith(ORIGIN) ? ORIGIN : 'null'), parent: null, processId, routingId };
}

/** A webContents: its id, its current main frame, and the events a page's life emits. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  mainFrame: FakeFrame = topFrame();
  /** The main frame commits a new document, in the same frame or in `frame` (a cross-process navigation). */
  commitNavigation(frame: FakeFrame = this.mainFrame): void {
    this.mainFrame = frame;
    this.emit('did-navigate', {}, frame.url, 200, 'OK');
  }
}

export function eventFrom(contents: FakeWebContents, frame: FakeFrame | null = contents.mainFrame): SenderEvent {
  return { sender: contents, senderFrame: frame } as unknown as SenderEvent;
}
