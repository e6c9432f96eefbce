// Log port on Node (desktop host layer): one line per message, with time, level
// and an optional prefix (a fleet names the device), at or above a minimum level.

import { type Log, LogLevel } from '../../src/ports/index.js';

export interface NodeLogOptions {
  /** Messages below this level are dropped (default INFO). */
  readonly level?: LogLevel;
  /** Put before each message, e.g. the device id. */
  readonly prefix?: string;
  /** Where lines go (default stderr, so stdout stays for a command's own output). */
  readonly write?: (line: string) => void;
  /** Leave out the timestamp (e.g. when the writer adds its own). */
  readonly time?: boolean;
}

const NAMES: Readonly<Record<number, string>> = Object.freeze({
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
});

/** Parses a level name (debug, info, warn, error); undefined when it is none of them. */
export function parseLogLevel(name: string): LogLevel | undefined {
  const entry = Object.entries(NAMES).find(([, n]) => n === name.toLowerCase());
  return entry ? (Number(entry[0]) as LogLevel) : undefined;
}

export function createNodeLog(options: NodeLogOptions = {}): Log {
  const min = options.level ?? LogLevel.INFO;
  const write = options.write ?? ((line: string) => void process.stderr.write(line + '\n'));
  const prefix = options.prefix ? `${options.prefix} ` : '';
  const time = options.time ?? true;
  return (level, message) => {
    if (level < min) return;
    write(`${time ? new Date().toISOString() + ' ' : ''}${NAMES[level] ?? level} ${prefix}${message}`);
  };
}
