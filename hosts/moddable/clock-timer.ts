// Clock port over Moddable's timer module (device host layer; ESP32 and x-cli-lin).
// `now` is the system clock: on an ESP32 it is only meaningful once SNTP has set it
// (time-sntp.ts), which is why main starts the peer after that.

import Timer from 'timer';
import type { Clock } from '../../src/ports/index.js';

export function createTimerClock(): Clock {
  return Object.freeze({
    now: () => Date.now(),
    setTimer(ms: number, callback: () => void): () => void {
      let timer: Timer | undefined = Timer.set(() => {
        timer = undefined;
        callback();
      }, Math.max(0, ms));
      return () => {
        if (timer !== undefined) Timer.clear(timer);
        timer = undefined;
      };
    },
  });
}
