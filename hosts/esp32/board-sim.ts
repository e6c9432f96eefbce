// What a Moddable desktop simulator offers the firmware (device host layer): no I2C
// sensors (the firmware falls back to simulated readings), no LED, the OS's
// cryptographic random generator, and no flash module: the outbox lives in RAM that
// behaves like NOR flash, so it does not survive a restart of the simulator (the
// x-cli-lin host keeps it in a file instead).

import { randomBytes } from '../../modules/random-hw/random-hw.js';
import type { FlashArea } from '../moddable/outbox-flash.js';
import type { ClimateDriverFactory } from '../moddable/sensors-climate.js';

export function boardDrivers(): readonly ClimateDriverFactory[] {
  return [];
}

export function boardLed(): ((on: boolean) => void) | undefined {
  return undefined;
}

export function boardOutput(_pin: number | undefined): ((on: boolean) => void) | undefined {
  return undefined;
}

export function boardRandom(length: number): Uint8Array {
  return randomBytes(length);
}

const SECTOR = 4096;

export function boardFlash(): FlashArea {
  const bytes = new Uint8Array(16 * SECTOR).fill(0xff);
  return Object.freeze({
    byteLength: bytes.length,
    blockSize: SECTOR,
    read: (offset: number, byteLength: number) => bytes.slice(offset, offset + byteLength).buffer,
    write(offset: number, byteLength: number, buffer: Uint8Array) {
      for (let i = 0; i < byteLength; i++) bytes[offset + i]! &= buffer[i]!;
    },
    erase(sector: number) {
      bytes.fill(0xff, sector * SECTOR, (sector + 1) * SECTOR);
    },
  });
}
