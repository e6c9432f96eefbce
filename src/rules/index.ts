// Watch rules (core layer, rules: above mqtt, below the peer): devices acting on each
// other's proven readings (docs/protocol.md §8.8). The rule values and the pure verifier;
// the light peer's rule watcher (src/peer/rule-watcher.ts) asks, waits for headers and acts.

export * from './watch-rule.js';
export * from './verify-reading.js';
