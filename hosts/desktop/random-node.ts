// RandomSource port on Node (desktop host layer): the OS CSPRNG through
// node:crypto, as the device's hardware RNG is on an ESP32.

import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../../src/ports/index.js';

/** Fresh bytes each call (copied out of Node's shared pool, so callers may keep them). */
export const nodeRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));
