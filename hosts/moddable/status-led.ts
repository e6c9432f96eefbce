// The status LED (device host layer, platform-neutral): what the peer is doing, in
// blinks, over any "set the LED" function (ECMA-419 Digital on an ESP32, the log
// elsewhere). One repeating pattern per peer state, plus a short flash per
// transaction made final.
//
//   online       one short blink every 2 s        offline      fast blink (4 Hz)
//   unenrolled   two short blinks every 2 s       untrusted    three short blinks every 2 s
//   blocked, revoked, outbox-full: on

import type { Clock } from '../../src/ports/index.js';
import { PeerState, type PeerEvent } from '../../src/peer/peer-status.js';

export interface StatusLed {
  event(event: PeerEvent): void;
  stop(): void;
}

/** Alternating on/off durations in ms, starting with on; empty = steady on. */
const PATTERNS: Readonly<Record<string, readonly number[]>> = Object.freeze({
  [PeerState.ONLINE]: Object.freeze([60, 1940]),
  [PeerState.OFFLINE]: Object.freeze([125, 125]),
  [PeerState.UNENROLLED]: Object.freeze([60, 200, 60, 1680]),
  [PeerState.UNTRUSTED]: Object.freeze([60, 200, 60, 200, 60, 1420]),
  [PeerState.BLOCKED]: Object.freeze([]),
  [PeerState.REVOKED]: Object.freeze([]),
  [PeerState.OUTBOX_FULL]: Object.freeze([]),
});

export function createStatusLed(set: (on: boolean) => void, clock: Clock): StatusLed {
  let pattern: readonly number[] = PATTERNS[PeerState.OFFLINE]!;
  let step = 0;
  let cancel: (() => void) | undefined;
  const run = () => {
    cancel?.();
    cancel = undefined;
    if (pattern.length === 0) {
      set(true);
      return;
    }
    set(step % 2 === 0);
    const ms = pattern[step % pattern.length]!;
    step = (step + 1) % pattern.length;
    cancel = clock.setTimer(ms, run);
  };
  run();
  return {
    event(event: PeerEvent): void {
      if (event.type === 'state') {
        pattern = PATTERNS[event.state] ?? PATTERNS[PeerState.OFFLINE]!;
        step = 0;
        run();
      } else if (event.type === 'final' && pattern.length > 0) {
        // A brief extra flash; the pattern resumes from the start.
        cancel?.();
        set(true);
        step = 0;
        cancel = clock.setTimer(30, run);
      }
    },
    stop(): void {
      cancel?.();
      cancel = undefined;
      set(false);
    },
  };
}
