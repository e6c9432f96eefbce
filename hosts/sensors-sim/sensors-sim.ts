// Simulated sensors (host layer, shared: the desktop host's sensors and the firmware's
// fallback when a board has none attached; no Node APIs, so it also runs under XS). Three channels through the Sensor port,
// fixed-point integers at a declared scale:
//
//   temperature   °C   scale -2  a daily cycle (warmest mid-afternoon, device-local
//                                 time) around a per-device mean, plus smooth noise
//   humidity      %RH  scale -1  anti-correlated with temperature (warmer air, lower
//                                 relative humidity), plus a little noise, 5…100
//   battery       %    scale -1  starts a little below full and drains slowly, never rises
//
// Everything a device does differently (mean, amplitude, time zone, noise) comes from
// its seed, so a device (seeded by its id) produces the same series for the same
// sample times on every run. Values are a function of the sample times the clock
// gives and of how many samples came before, nothing else.

import type { Sensor } from '../../src/ports/index.js';
import { Quantity } from '../../src/tx/kinds.js';

export interface SimSensorOptions {
  /** Per-device seed: a number, or bytes (e.g. the device id) hashed to one. */
  readonly seed: number | Uint8Array;
  /** Milliseconds since the epoch; the daily cycle and the battery follow it. */
  readonly now: () => number;
}

export const SIM_SCALES = Object.freeze({ temperature: -2, humidity: -1, battery: -1 } as const);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * mulberry32: a 32-bit seeded generator, hand-written because it is six lines and
 * the simulation only needs reproducible, well-spread numbers (not crypto), in a
 * file that must also bundle for XS without dependencies.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over the seed bytes: any id becomes a 32-bit seed. */
function seedOf(seed: number | Uint8Array): number {
  if (typeof seed === 'number') return seed >>> 0;
  let h = 0x811c9dc5;
  for (const byte of seed) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

export function createSimSensors(options: SimSensorOptions): Sensor[] {
  const random = mulberry32(seedOf(options.seed));
  const uniform = (min: number, max: number) => min + (max - min) * random();
  // Box-Muller: a standard normal from two uniforms.
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

  // The device's character, drawn once from its seed.
  const meanC = uniform(14, 24);
  const amplitudeC = uniform(3, 7);
  const utcOffsetMs = Math.round(uniform(-3, 3)) * HOUR_MS;
  const humidityMean = uniform(45, 65);
  const humidityPerC = uniform(2, 3.5); // %RH lost per °C above the mean
  const batteryStart = uniform(85, 100);
  const batteryPerHour = uniform(0.2, 0.8);

  // The environment at the latest sample time; advanced once per distinct time, so the
  // three channels read at one sampling see one consistent state whatever their order.
  let at = Number.NaN;
  let startedAt = Number.NaN;
  let noiseC = 0;
  let temperatureC = meanC;
  let humidity = humidityMean;
  let battery = batteryStart;
  const advance = () => {
    const now = options.now();
    if (now === at) return;
    at = now;
    if (Number.isNaN(startedAt)) startedAt = now;
    // AR(1) noise: successive readings wander smoothly instead of jumping.
    noiseC = 0.9 * noiseC + 0.1 * gaussian();
    const hourOfDay = ((((now + utcOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
    // Coolest around 03:00, warmest around 15:00.
    temperatureC = meanC + amplitudeC * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24) + noiseC;
    humidity = Math.min(100, Math.max(5, humidityMean - humidityPerC * (temperatureC - meanC) + 0.3 * gaussian()));
    battery = Math.max(0, batteryStart - (batteryPerHour * (now - startedAt)) / HOUR_MS);
  };

  const channel = (quantity: Quantity, scale: number, read: () => number): Sensor =>
    Object.freeze({
      quantity,
      scale,
      sample: () => {
        advance();
        return Math.round(read() / 10 ** scale);
      },
    });

  return [
    channel(Quantity.TEMPERATURE_C, SIM_SCALES.temperature, () => temperatureC),
    channel(Quantity.RELATIVE_HUMIDITY_PCT, SIM_SCALES.humidity, () => humidity),
    // Floor, not round: a reading never goes up as the battery drains.
    Object.freeze({
      quantity: Quantity.BATTERY_PCT,
      scale: SIM_SCALES.battery,
      sample: () => {
        advance();
        return Math.floor(battery / 10 ** SIM_SCALES.battery);
      },
    }),
  ];
}
