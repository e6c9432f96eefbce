// Placeholder of the state benchmark's XS input (tools layer): state-bench.ts replaces this
// module's contents, when it bundles state-xs-entry.ts, with the proofs it made on Node.

import type { StateBenchInput } from './state-workload.js';

export const input: StateBenchInput = { sizes: [] };
