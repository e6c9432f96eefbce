// Clock port on Node (desktop host layer): Date.now and setTimeout/clearTimeout.
//
// `unref: true` makes the timers not keep the process alive on their own. A fleet
// of devices uses it so that a timer a stopped peer forgot (a reconnect backoff, a
// retry) can never hold the process open; whoever runs the fleet keeps the process
// alive itself while it runs (fleet.ts does, with one timer of its own).

import type { Clock } from '../../src/ports/index.js';

export interface NodeClockOptions {
  readonly unref?: boolean;
  /** Milliseconds since the epoch (default Date.now); tests may shift time. */
  readonly now?: () => number;
}

export function createNodeClock(options: NodeClockOptions = {}): Clock {
  const now = options.now ?? Date.now;
  return Object.freeze({
    now,
    setTimer(ms: number, callback: () => void): () => void {
      const timer = setTimeout(callback, Math.max(0, ms));
      if (options.unref) timer.unref();
      return () => clearTimeout(timer);
    },
  });
}
