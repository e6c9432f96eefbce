// The gateway's message bus port (tools layer): MQTT as the gateway sees it,
// whether the broker is embedded (bus-aedes.ts) or external (bus-mqtt.ts).

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain?: boolean;
}

/** `clientId` is the publishing MQTT client when the broker knows it (embedded only). */
export type MessageHandler = (topic: string, payload: Uint8Array, clientId: string | undefined) => void;

export interface Bus {
  /** Where devices connect (mqtt://host:port). */
  readonly url: string;
  /** Whether this bus can refuse a client's connection and publications (only an embedded broker can). */
  readonly enforcesBlocklist: boolean;
  /** Delivers every message published on `filter` (MQTT wildcards allowed) to `handler`. */
  onMessage(filter: string, handler: MessageHandler): Promise<void>;
  publish(topic: string, payload: Uint8Array, options: PublishOptions): Promise<void>;
  /** Clients connected now, when this bus is the broker (embedded only; for /metrics). */
  connections?(): number;
  /** Drops the client's connection if it has one (embedded broker only). */
  disconnect(clientId: string): void;
  close(): Promise<void>;
}
