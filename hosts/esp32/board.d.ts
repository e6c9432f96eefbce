// The "botpeer/hosts/esp32/board" module (device host layer): what the board offers,
// one per platform, chosen in the manifest: board-esp32.ts (ECMA-419 `device`, I2C
// sensors, LED, hardware RNG, the flash partition for the outbox), board-sim.ts on
// Moddable's desktop simulators.

import type { FlashArea } from '../moddable/outbox-flash.js';
import type { ClimateDriverFactory } from '../moddable/sensors-climate.js';

/** Temperature/humidity drivers to try, in order, on the board's default I2C bus. */
export function boardDrivers(): readonly ClimateDriverFactory[];
/** Sets the status LED, or undefined when the board has none. */
export function boardLed(): ((on: boolean) => void) | undefined;
/** A digital output on `pin` (the LED's pin when undefined), or undefined when there is none. */
export function boardOutput(pin: number | undefined): ((on: boolean) => void) | undefined;
/** Bytes from the board's cryptographic random generator. */
export function boardRandom(length: number): Uint8Array;
/** The flash area that holds the outbox (the "storage" data partition on an ESP32). */
export function boardFlash(): FlashArea;
