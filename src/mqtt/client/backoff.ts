// Reconnect delays of the MQTT client (core layer): exponential growth with full
// jitter (a delay drawn uniformly from [0, cap], cap = min(maxMs, minMs · 2^attempt)),
// so a fleet that lost its broker at the same moment does not come back in step.
// Randomness comes from the host's RandomSource port.

import type { RandomSource } from '../../ports/random.js';

export interface BackoffOptions {
  /** Cap of the first retry's delay, in ms (default 500). */
  readonly minMs?: number;
  /** Largest delay, in ms (default 30 000); a refused connection always waits this long. */
  readonly maxMs?: number;
}

export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
  /** The delay before retry number `attempt` (0 for the first retry after a loss). */
  delay(attempt: number): number;
}

export function createBackoff(random: RandomSource, options: BackoffOptions = {}): Backoff {
  const minMs = options.minMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  if (!(Number.isFinite(minMs) && minMs > 0 && Number.isFinite(maxMs) && maxMs >= minMs)) {
    throw new RangeError(`backoff: need 0 < minMs <= maxMs (got ${minMs}, ${maxMs})`);
  }
  return Object.freeze({
    minMs,
    maxMs,
    delay(attempt: number): number {
      // 2^attempt overflows nothing: past ~60 doublings the cap is maxMs anyway.
      const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 60));
      return Math.floor(uniform(random) * cap);
    },
  });
}

/** A number in [0, 1] from four random bytes (1 included: the cap itself is a valid delay). */
function uniform(random: RandomSource): number {
  const b = random(4);
  return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) / 0xffffffff;
}
