// A simulated relay (desktop host layer): the Actuator port of a desktop device, for
// watch rules (docs/protocol.md §8.8). It records every switch (state and time), says so
// in the device's log, and writes its state to `<dir>/<name>` ("on"/"off") so another
// process (a dashboard, a test) can watch it. Not durable on purpose: a real relay
// forgets its state at power-up too.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actuator, Log } from '../../src/ports/index.js';
import { LogLevel } from '../../src/ports/index.js';

export interface SimRelay extends Actuator {
  /** The last state set; undefined before the first switch. */
  readonly on: boolean | undefined;
  /** Every switch, oldest first. */
  readonly history: readonly { readonly on: boolean; readonly at: number }[];
}

export interface SimRelayOptions {
  readonly name: string;
  readonly log?: Log;
  /** The device's folder: the state file goes there; none, no file. */
  readonly dir?: string;
  readonly now?: () => number;
}

export function createSimRelay(options: SimRelayOptions): SimRelay {
  const history: { on: boolean; at: number }[] = [];
  const now = options.now ?? Date.now;
  return {
    name: options.name,
    get on() {
      return history[history.length - 1]?.on;
    },
    history,
    set(on: boolean) {
      history.push({ on, at: now() });
      options.log?.(LogLevel.INFO, `simulated relay ${options.name} ${on ? 'ON' : 'off'}`);
      if (options.dir) writeFileSync(join(options.dir, options.name), on ? 'on\n' : 'off\n');
    },
  };
}
