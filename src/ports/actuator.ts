// The actuator port (core layer): one switch the host's board wiring provides (a relay,
// an LED, a GPIO line). The core decides when to switch it (src/peer/rule-watcher.ts, only
// on a proven reading); the host only moves the pin. `set` may be asynchronous (a relay
// behind a bus); a rejected promise or a throw is reported, never retried blindly.

export interface Actuator {
  /** Unique among a device's actuators; watch rules name it (1..15 ASCII characters). */
  readonly name: string;
  set(on: boolean): void | Promise<void>;
}
