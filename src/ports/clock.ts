// The clock port (core layer): wall time and timers, passed in by the host's `main`.
// Every method is synchronous so the same code runs on Node and on an ESP32.

/** Wall clock and timers. Time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
  /** Calls `callback` once after `ms`; returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
}
