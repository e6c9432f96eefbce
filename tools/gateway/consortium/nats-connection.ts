// Connecting a consortium member to the NATS cluster (tools layer, gateway/consortium): one
// connection per member, told every node's URL so that it fails over to the others when its node
// dies, and never giving up on reconnecting (a member outlives cluster restarts).

import { connect, type NatsConnection } from '@nats-io/transport-node';

export type { NatsConnection };

export interface ConnectNatsOptions {
  /** How long to wait between rounds of reconnect attempts over all servers, ms (default 250). */
  reconnectTimeWaitMs?: number;
  /** Timeout of requests, including JetStream API calls and PubAcks, ms (default 5000). */
  timeoutMs?: number;
  /** Try `urls` in the given order instead of shuffled (default false: members spread over the nodes). */
  noRandomize?: boolean;
}

/** Connects to the first reachable of `urls` (nats://host:port), named `name` in the servers' monitoring. */
export function connectNats(urls: readonly string[], name: string, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  if (urls.length === 0) throw new RangeError('connectNats: no server URLs');
  return connect({
    servers: [...urls],
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
    reconnectJitter: 50,
    timeout: options.timeoutMs ?? 5000,
    // The members' own list is authoritative; gossiped URLs would add nodes we did not start.
    ignoreClusterUpdates: true,
    noRandomize: options.noRandomize ?? false,
  });
}
