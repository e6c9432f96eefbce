// What an ESP32 board offers the firmware (device host layer, ESP32 only): the
// board's ECMA-419 `device` (Moddable's host provider: default I2C pins, the LED
// pin), the hardware RNG and the "storage" flash partition (64 KB, which mcconfig
// carves out of the app partition because the manifest defines file.partition). Drivers are Moddable's ECMA-419 sensor drivers; each is
// tried at its default address and the first that answers is used.

import Flash from 'flash';
import AHT10 from 'embedded:sensor/Humidity-Temperature/AHT10';
import HTU21D from 'embedded:sensor/Humidity-Temperature/HTU21D';
import SHT3x from 'embedded:sensor/Humidity-Temperature/SHT3x';
import { randomBytes } from '../../modules/random-hw/random-hw.js';
import type { FlashArea } from '../moddable/outbox-flash.js';
import type { ClimateDriver, ClimateDriverFactory } from '../moddable/sensors-climate.js';

interface Board {
  readonly I2C?: { readonly default?: Record<string, unknown> };
  readonly pin?: { readonly led?: number };
  readonly io?: { readonly Digital?: new (options: { pin: number; mode: number }) => { write(value: number): void } & object };
}

const board = (): Board | undefined => (globalThis as { device?: Board }).device;

export function boardDrivers(): readonly ClimateDriverFactory[] {
  const i2c = board()?.I2C?.default;
  if (i2c === undefined) return [];
  const open = (Driver: new (options: object) => ClimateDriver) => () => new Driver({ sensor: { ...i2c } });
  return [
    ['SHT3x', open(SHT3x as never)],
    ['AHT10/AHT20', open(AHT10 as never)],
    ['HTU21D', open(HTU21D as never)],
  ];
}

export function boardLed(): ((on: boolean) => void) | undefined {
  return boardOutput(undefined);
}

/** ECMA-419 Digital output on `pin`, or on the board's LED pin (a relay module on a GPIO, or the LED). */
export function boardOutput(pinNumber: number | undefined): ((on: boolean) => void) | undefined {
  const b = board();
  const pin = pinNumber ?? b?.pin?.led;
  const Digital = b?.io?.Digital as (new (options: { pin: number; mode: number }) => { write(value: number): void }) & { Output?: number } | undefined;
  if (pin === undefined || Digital === undefined) return undefined;
  const led = new Digital({ pin, mode: Digital.Output ?? 8 });
  return (on: boolean) => led.write(on ? 1 : 0);
}

export function boardRandom(length: number): Uint8Array {
  return randomBytes(length);
}

export function boardFlash(): FlashArea {
  return new Flash('storage') as unknown as FlashArea;
}
