// Temperature and humidity through an ECMA-419 sensor driver (device host layer,
// platform-neutral: main passes the drivers it has, e.g. Moddable's SHT3x, AHT10 or
// HTU21D on the board's default I2C bus). The first driver that constructs and gives a
// reading is used; with none attached the firmware falls back to the simulated sensors
// (hosts/sensors-sim/sensors-sim.ts, no Node APIs), and says so on the log, so a bare board
// still exercises the whole chain.
//
// One driver sample serves both channels of a sampling round: temperature samples the
// driver, humidity reuses that reading (I2C reads on these parts block for tens of ms).

import type { Log, Sensor } from '../../src/ports/index.js';
import { LogLevel } from '../../src/ports/index.js';
import { Quantity } from '../../src/tx/kinds.js';
import { createSimSensors } from '../sensors-sim/sensors-sim.js';

/** ECMA-419 Humidity-Temperature sensor class-pattern sample. */
export interface ClimateSample {
  readonly thermometer?: { readonly temperature?: number };
  readonly hygrometer?: { readonly humidity?: number };
}

export interface ClimateDriver {
  sample(): ClimateSample | undefined;
  close?(): void;
}

/** Constructs one driver; throws when the part does not answer. */
export type ClimateDriverFactory = readonly [name: string, open: () => ClimateDriver];

export const CLIMATE_SCALES = Object.freeze({ temperature: -2, humidity: -1 } as const);
const REUSE_MS = 1000;

function channels(driver: ClimateDriver, now: () => number): Sensor[] {
  let last: ClimateSample | undefined;
  let lastAt = -Infinity;
  const read = (fresh: boolean): ClimateSample | undefined => {
    if (fresh || now() - lastAt > REUSE_MS) {
      try {
        last = driver.sample();
      } catch {
        last = undefined; // a failed read is a missing reading, not a crash
      }
      lastAt = now();
    }
    return last;
  };
  const fixed = (value: number | undefined, scale: number) =>
    typeof value === 'number' && Number.isFinite(value) ? Math.round(value / 10 ** scale) : undefined;
  return [
    Object.freeze({
      quantity: Quantity.TEMPERATURE_C,
      scale: CLIMATE_SCALES.temperature,
      sample: () => fixed(read(true)?.thermometer?.temperature, CLIMATE_SCALES.temperature),
    }),
    Object.freeze({
      quantity: Quantity.RELATIVE_HUMIDITY_PCT,
      scale: CLIMATE_SCALES.humidity,
      sample: () => fixed(read(false)?.hygrometer?.humidity, CLIMATE_SCALES.humidity),
    }),
  ];
}

export interface ClimateSensors {
  readonly sensors: readonly Sensor[];
  /** The driver in use, or "simulated". */
  readonly source: string;
}

export function openClimateSensors(drivers: readonly ClimateDriverFactory[], seed: Uint8Array, now: () => number, log: Log): ClimateSensors {
  for (const [name, open] of drivers) {
    let driver: ClimateDriver | undefined;
    try {
      driver = open();
      const first = driver.sample();
      if (typeof first?.thermometer?.temperature === 'number') {
        log(LogLevel.INFO, `sensor: ${name}`);
        return Object.freeze({ sensors: Object.freeze(channels(driver, now)), source: name });
      }
    } catch {
      // not attached (no ACK on the bus) or not this part
    }
    try {
      driver?.close?.();
    } catch {
      // ignore
    }
  }
  log(LogLevel.WARN, 'sensor: none attached, sending simulated readings');
  return Object.freeze({ sensors: Object.freeze(createSimSensors({ seed, now })), source: 'simulated' });
}
