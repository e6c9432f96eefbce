// The device-democracy demo of a simulated fleet (desktop host layer): use case II.4 with
// no controller. Device 1 is a heater whose temperature climbs from 25 °C to 35 °C and back
// (a triangle, one period a minute, scale -1); device 2 has the watch rule "device 1 above
// 30 °C → relay on, else off" and a simulated relay. Every other device is as usual. The
// relay switches only on a reading device 2 proved itself (docs/protocol.md §8.8), and its
// log says so: "relay on: device …'s reading 30.4 °C at height 12 proven".

import type { PeerOptions } from '../../src/peer/index.js';
import type { Sensor } from '../../src/ports/index.js';
import { Quantity } from '../../src/tx/kinds.js';
import type { Device } from './device.js';

export interface DemocracyDemo {
  /** Threshold in °C (default "30"). */
  readonly threshold?: string;
  /** Period of the heater's triangle in ms (default 60 000). */
  readonly periodMs?: number;
}

/** 25.0 → 35.0 → 25.0 °C over one period, in tenths of a degree. */
export function heaterSensor(now: () => number, periodMs = 60_000, startMs = now()): Sensor {
  return Object.freeze({
    quantity: Quantity.TEMPERATURE_C,
    scale: -1,
    sample: () => {
      const phase = ((now() - startMs) % periodMs) / periodMs;
      return 250 + Math.round(100 * (phase < 0.5 ? 2 * phase : 2 - 2 * phase));
    },
  });
}

/** The fleet options (FleetOptions.peerOf and sensorsOf) that make devices 1 and 2 the demo. */
export function democracyFleet(demo: DemocracyDemo = {}): {
  peerOf: (index: number, opened: readonly Device[]) => PeerOptions | undefined;
  sensorsOf: (index: number, now: () => number) => readonly Sensor[] | undefined;
} {
  return {
    sensorsOf: (index, now) => (index === 0 ? [heaterSensor(now, demo.periodMs)] : undefined),
    peerOf: (index, opened) => index === 1 ? {
      rules: [{
        source: opened[0]!.id, quantity: 'TEMPERATURE_C', comparison: 'above', threshold: demo.threshold ?? '30',
        actuator: 'relay', then: true, otherwise: false, maxAgeSeconds: 120,
      }],
    } : undefined,
  };
}
