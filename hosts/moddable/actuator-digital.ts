// The actuator of a Moddable device (device host layer, platform-neutral): the Actuator
// port over any "set the pin" function (ECMA-419 Digital on an ESP32: an LED, or a GPIO
// driving a relay), or, on a board with none, the log. The firmware's watch rule
// (firmware-settings.ts: watch, watchThreshold, watchPin…) switches it only on a reading
// the device proved itself (docs/protocol.md §8.8). No module-level state: each call makes
// its own closure, so the module preloads into flash.

import type { Actuator, Log } from '../../src/ports/index.js';
import { LogLevel } from '../../src/ports/index.js';

/** An actuator over `write` (true: on). */
export function createDigitalActuator(name: string, write: (on: boolean) => void, log?: Log): Actuator {
  return Object.freeze({
    name,
    set(on: boolean): void {
      write(on);
      log?.(LogLevel.INFO, `${name} ${on ? 'ON' : 'off'}`);
    },
  });
}

/** A board without an output: the switch is only logged. */
export function createLoggedActuator(name: string, log: Log): Actuator {
  return Object.freeze({
    name,
    set(on: boolean): void {
      log(LogLevel.INFO, `${name} (no output pin) ${on ? 'ON' : 'off'}`);
    },
  });
}
