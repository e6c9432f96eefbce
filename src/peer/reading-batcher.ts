// Batching sensor readings into READINGS series (core layer). A series says
// "reading j was taken at time + j × interval", so it cannot hold a gap: when the
// set of sensors that answered changes from one round to the next, the batch so
// far is sealed and a new one starts. Value buffers are allocated once per
// sensor and reused, so a reading costs no allocation until a batch is sealed.

import { MAX_READING, MIN_READING, type ReadingSeries } from '../tx/bodies.js';
import type { Sensor } from '../ports/sensor.js';

export interface SealedBatch {
  readonly series: readonly ReadingSeries[];
  /** Seconds since the epoch of the first round (the transaction's time). */
  readonly time: number;
  /** Milliseconds of the first round: where finality latency is measured from. */
  readonly sampledAt: number;
  readonly readings: number;
}

export class ReadingBatcher {
  private readonly values: number[][];
  private readonly present: boolean[];
  private readonly round: (number | undefined)[];
  private rounds = 0;
  private firstAt = 0;

  constructor(
    private readonly sensors: readonly Sensor[],
    private readonly batchSize: number,
    /** Whole seconds between rounds (0 when every batch has one round). */
    private readonly intervalSeconds: number,
  ) {
    this.values = sensors.map(() => []);
    this.present = sensors.map(() => false);
    this.round = sensors.map(() => undefined);
  }

  /**
   * Reads every sensor once at `now` (ms). Returns the readings taken and calls `seal`
   * for each batch completed (at most two: the one a change of sensors interrupted and,
   * with batchSize 1, the new one).
   */
  sample(now: number, seal: (batch: SealedBatch) => void): number {
    let taken = 0;
    let changed = false;
    for (let i = 0; i < this.sensors.length; i++) {
      const value = readSensor(this.sensors[i]!);
      this.round[i] = value;
      if (value !== undefined) taken++;
      if (this.rounds > 0 && (value !== undefined) !== this.present[i]) changed = true;
    }
    if (changed) this.flush(seal);
    if (taken === 0) return 0;
    if (this.rounds === 0) {
      this.firstAt = now;
      for (let i = 0; i < this.sensors.length; i++) this.present[i] = this.round[i] !== undefined;
    }
    for (let i = 0; i < this.sensors.length; i++) {
      const value = this.round[i];
      if (value !== undefined) this.values[i]!.push(value);
    }
    this.rounds++;
    if (this.rounds >= this.batchSize) this.flush(seal);
    return taken;
  }

  /** Readings taken but not yet sealed (lost on a reboot: they were never signed). */
  get buffered(): number {
    let n = 0;
    for (const v of this.values) n += v.length;
    return n;
  }

  /** Seals what has been gathered so far, if anything. */
  flush(seal: (batch: SealedBatch) => void): void {
    if (this.rounds === 0) return;
    const series: ReadingSeries[] = [];
    let readings = 0;
    for (let i = 0; i < this.sensors.length; i++) {
      const values = this.values[i]!;
      if (values.length === 0) continue;
      const sensor = this.sensors[i]!;
      series.push({ quantity: sensor.quantity, scale: sensor.scale, interval: values.length > 1 ? this.intervalSeconds : 0, values: values.slice() });
      readings += values.length;
      values.length = 0;
    }
    const batch = { series, time: Math.floor(this.firstAt / 1000), sampledAt: this.firstAt, readings };
    this.rounds = 0;
    this.present.fill(false);
    seal(batch);
  }
}

/** A sensor that throws or gives a value outside the wire's range counts as not answering. */
function readSensor(sensor: Sensor): number | undefined {
  let value: number | undefined;
  try {
    value = sensor.sample();
  } catch {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_READING || value > MAX_READING) return undefined;
  return value;
}
