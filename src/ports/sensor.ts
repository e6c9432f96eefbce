// The sensor port (core layer): one channel the host's board wiring provides.

import type { Quantity } from '../tx/kinds.js';

/** One sensor channel. `sample` returns the mantissa at `scale` (value = mantissa × 10^scale), or undefined when it cannot read. */
export interface Sensor {
  readonly quantity: Quantity;
  readonly scale: number;
  sample(): number | undefined;
}
