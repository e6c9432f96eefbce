// The transport port (core layer): one byte-stream connection to the gateway's broker,
// opened by a factory the host passes in. I/O code never decides validity; the MQTT
// client above it is the same on Node (TCP sockets) and on an ESP32 (ECMA-419 sockets).

/** Callbacks a transport delivers to; called asynchronously, never from inside write/close. */
export interface TransportHandlers {
  onOpen(): void;
  onData(bytes: Uint8Array): void;
  /** Once per connection, after which the transport is dead; `reason` says why when known. */
  onClose(reason?: string): void;
}

/** One byte-stream connection (TCP on both hosts). `write` may buffer. */
export interface Transport {
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Opens a new connection to the gateway's broker each time it is called. */
export type TransportFactory = (handlers: TransportHandlers) => Transport;
