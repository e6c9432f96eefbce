// The light peer's entry point (peer layer, the top of the core): what a host's `main`
// needs to build and run a light peer. The rest of the core (src/index.ts) does not
// include the peer, and nothing below src/peer imports it; the ports the peer is
// built from are the core's (src/ports/).

export * from './peer-config.js';
export * from './peer-status.js';
export * from './identity-store.js';
export * from './light-peer.js';
// assemble-peer.ts is imported by its path: it brings the MQTT client (and mqtt-packet), which a
// bundle that drives the peer through its own session (tests, benchmarks) must not carry.
