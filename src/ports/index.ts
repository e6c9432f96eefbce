// The core's ports (core layer): everything the core needs from its host, as small
// interfaces the host's `main` passes in. Verification never does I/O and I/O code
// never decides validity; every method is synchronous so the same code runs on Node
// and on an ESP32 (Preference/NVS, ECMA-419 sockets). Inside src/ each module
// imports the one port file it needs; hosts, tools and tests may import them here.

export * from './actuator.js';
export * from './clock.js';
export * from './log.js';
export * from './random.js';
export * from './sensor.js';
export * from './storage.js';
export * from './transport.js';
