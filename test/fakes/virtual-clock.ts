// A clock with virtual time and timers (test layer, platform-neutral: runs under
// XS too). Nothing happens until the test advances time; timers then fire in due
// order (ties in the order they were set), so every run is the same.

import type { Clock } from '../../src/ports/index.js';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

export class VirtualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private nextId = 1;
  /** Timer callbacks run so far. */
  fired = 0;

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { id: this.nextId++, due: this.time + Math.max(0, ms), callback };
    // Keep the list sorted by (due, id): insertion after every timer due no later.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.due > timer.due) i--;
    this.timers.splice(i, 0, timer);
    return () => {
      const at = this.timers.indexOf(timer);
      if (at >= 0) this.timers.splice(at, 1);
    };
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Runs every timer due within `ms`, in order, then sets the time to now + ms. */
  advance(ms: number): void {
    const end = this.time + ms;
    let guard = 0;
    while (this.timers.length > 0 && this.timers[0]!.due <= end) {
      if (++guard > 5_000_000) throw new Error('VirtualClock: runaway timers');
      const timer = this.timers.shift()!;
      this.time = Math.max(this.time, timer.due);
      this.fired++;
      timer.callback();
    }
    this.time = end;
  }

  /**
   * Moves the time on by `ms` without running any timer, as a busy event loop or a blocked
   * task would: timers that fell due meanwhile fire late, at the next advance.
   */
  stall(ms: number): void {
    this.time += ms;
  }

  /** Advances in steps of `stepMs` until `done()` or `maxMs` have passed; returns whether `done()` held. */
  runUntil(done: () => boolean, maxMs: number, stepMs = 100): boolean {
    for (let spent = 0; spent < maxMs; spent += stepMs) {
      if (done()) return true;
      this.advance(stepMs);
    }
    return done();
  }
}

/**
 * A view of a clock whose timers die with it: a crashed peer's pending timers never fire
 * after `kill()`, as if the device lost power.
 */
export function mortalClock(clock: Clock): { clock: Clock; kill(): void } {
  let alive = true;
  return {
    clock: {
      now: () => clock.now(),
      setTimer: (ms, callback) => clock.setTimer(ms, () => {
        if (alive) callback();
      }),
    },
    kill() {
      alive = false;
    },
  };
}
