// Log port on the serial console (device host layer): Moddable's trace() goes to the
// USB serial port on an ESP32 (and to xsbug when attached). Below `level` is dropped.

import { type Log, LogLevel } from '../../src/ports/index.js';

const NAMES = Object.freeze(['debug', 'info', 'warn', 'error'] as const);

export function createConsoleLog(write: (text: string) => void, level: LogLevel = LogLevel.INFO): Log {
  return (messageLevel: LogLevel, message: string) => {
    if (messageLevel < level) return;
    write(`${new Date().toISOString()} ${NAMES[messageLevel] ?? messageLevel} ${message}\n`);
  };
}
