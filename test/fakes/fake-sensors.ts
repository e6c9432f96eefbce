// Sensors for tests (test layer, platform-neutral): deterministic values, and a
// switch to make a sensor stop answering.

import type { Quantity } from '../../src/tx/kinds.js';
import type { Sensor } from '../../src/ports/index.js';

export interface FakeSensor extends Sensor {
  /** Readings given so far. */
  readonly count: number;
  /** While false the sensor answers undefined. */
  on: boolean;
  /** Stops answering after this many readings (Infinity: never). */
  limit: number;
}

/** Gives base, base + step, base + 2·step, … at `scale`. */
export function rampSensor(quantity: Quantity, scale: number, base: number, step = 1, limit = Infinity): FakeSensor {
  let count = 0;
  const sensor: FakeSensor = {
    quantity,
    scale,
    on: true,
    limit,
    get count() {
      return count;
    },
    sample() {
      if (!sensor.on || count >= sensor.limit) return undefined;
      return base + step * count++;
    },
  };
  return sensor;
}
