// A stand-in for Electron's ipcMain, webContents and frames, so the real
// handlers run in plain Node with the real vault and addon.
import { EventEmitter } from 'node:events';

import type { SenderEvent } from '../../main/ipc/sender';

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
}

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
}

export interface FakeFrame {
  url: string;
  origin?: string;
  parent: FakeFrame | null;
}

export function topFrame(url = `${ORIGIN}/index.html`, origin?: string): FakeFrame {
  return { url, origin: origin ?? (url.startsWith(ORIGIN) ? ORIGIN : 'null'), parent: null };
}

export function eventFrom(contents: FakeWebContents, frame: FakeFrame | null = topFrame()): SenderEvent {
  return { sender: contents, senderFrame: frame } as unknown as SenderEvent;
}
