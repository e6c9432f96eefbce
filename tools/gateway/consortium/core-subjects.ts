// NATS core (not JetStream) messaging for consortium members (tools layer, gateway/consortium):
// a queue-group subscription, so that exactly one live member handles each device publish or
// request arriving over the NATS MQTT listener (group botpeer-members), and plain publishes.

import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

export interface CoreMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Reply subject, when the publisher asked for one. */
  readonly reply: string | undefined;
}

export interface QueueSubscription {
  /** Stops receiving; messages already delivered to this member are still handled (drain). */
  stop(): Promise<void>;
  /** Messages handled so far. */
  readonly received: number;
}

/**
 * Subscribes `handler` to `subject` (wildcards allowed) in queue group `queue`: of all members
 * subscribed in the same group, NATS delivers each message to one. The handler runs per message;
 * a rejected promise is passed to onError (default: ignored), it never ends the subscription.
 */
export function subscribeQueue(
  nc: NatsConnection,
  subject: string,
  queue: string,
  handler: (message: CoreMessage) => void | Promise<void>,
  onError: (error: unknown, message: CoreMessage) => void = () => {},
): QueueSubscription {
  let received = 0;
  const sub: Subscription = nc.subscribe(subject, {
    queue,
    callback: (error, msg: Msg) => {
      if (error) return;
      received++;
      const message: CoreMessage = { subject: msg.subject, data: msg.data, reply: msg.reply || undefined };
      try {
        const result = handler(message);
        if (result instanceof Promise) result.catch((e: unknown) => onError(e, message));
      } catch (e) {
        onError(e, message);
      }
    },
  });
  return {
    async stop() {
      if (!sub.isClosed()) await sub.drain();
    },
    get received() {
      return received;
    },
  };
}

/** Publishes `bytes` to a NATS core subject (fire and forget: no stream, no ack). */
export function publishCore(nc: NatsConnection, subject: string, bytes: Uint8Array): void {
  nc.publish(subject, bytes);
}
