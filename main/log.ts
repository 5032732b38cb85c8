import { SecureMemoryError } from './errors';
import { native } from './native';

export type LogLevel = 'trace' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
}

export type LogListener = (entry: LogEntry) => void;

const listeners = new Set<LogListener>();

function dispatch(level: string, message: string): void {
  const entry: LogEntry = { level: level as LogLevel, message };
  if (listeners.size === 0) {
    // Nobody subscribed: degraded security must still be visible.
    if (level !== 'trace') process.emitWarning(message, 'StrongroomWarning');
    return;
  }
  for (const listener of listeners) {
    try {
      listener(entry);
    } catch {
      // A failing listener must not break the others or the native caller.
    }
  }
}

native.setLogListener(dispatch);

/**
 * Subscribes to the native core's log: warnings when the OS refuses a lock,
 * a page-size anomaly, large pages unavailable. Entries arrive asynchronously
 * on the JS thread. Returns a function that unsubscribes.
 * Without any listener, warnings and errors go to process.emitWarning.
 */
export function onLog(listener: LogListener): () => void {
  if (typeof listener !== 'function') {
    throw new SecureMemoryError('INVALID_ARGUMENT', 'onLog(listener): listener must be a function');
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
