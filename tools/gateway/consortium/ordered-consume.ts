// Reading a chain's stream strictly in stream order from a given sequence (tools layer,
// gateway/consortium): a JetStream ordered consumer (ephemeral, R1, no acks) that the client
// recreates at the next expected sequence whenever it notices a gap, a deleted consumer, missed
// heartbeats or a reconnect, so that a member keeps reading through a node failure. Every member
// sees the same seq, stored timestamp, subject and bytes; admission decisions use only these.

import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

export interface StreamMessage {
  /** The stream sequence (1-based, contiguous unless messages were removed). */
  readonly seq: number;
  /** The stream's stored timestamp in ms (identical on every replica and for every consumer). */
  readonly timestampMs: number;
  /** The same timestamp in ns as the server stored it. */
  readonly timestampNanos: bigint;
  /** The subject it was published to (bot.<chainhex>.up or botpeer.<chainhex>.cut). */
  readonly subject: string;
  readonly data: Uint8Array;
}

export interface ConsumeInOrderOptions {
  /**
   * Pull expiry, ms (default 5000, the client's minimum is 1000). The server's idle heartbeat is
   * half of it, and two missed heartbeats make the client recreate the consumer: this bounds how
   * long a member stalls when the node holding its consumer dies.
   */
  expiresMs?: number;
  /** Messages requested per pull (default 256). */
  batch?: number;
  /** Called with the consumer's notifications (recreated, heartbeats missed, ...), for logs and tests. */
  onStatus?: (status: { type: string } & Record<string, unknown>) => void;
}

export interface InOrderConsumer {
  /** Stops reading; resolves when no onMessage call is running any more. */
  stop(): Promise<void>;
  /** Settles when reading ends: resolves after stop(), rejects if onMessage threw or the consumer failed. */
  readonly done: Promise<void>;
  /** The seq of the last message handed to onMessage (fromSeq - 1 before the first). */
  readonly lastSeq: number;
  /** How many times the client recreated its consumer (after failures). */
  readonly recreated: number;
}

/**
 * Delivers the messages of `streamName` from stream sequence `fromSeq` on, one at a time: the next
 * onMessage call starts only after the previous one (and its promise) finished.
 */
export async function consumeInOrder(
  js: JetStreamClient,
  streamName: string,
  fromSeq: number,
  onMessage: (message: StreamMessage) => void | Promise<void>,
  options: ConsumeInOrderOptions = {},
): Promise<InOrderConsumer> {
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new RangeError(`fromSeq must be a positive integer, got ${fromSeq}`);
  const consumer = await js.consumers.get(streamName, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq });
  const messages = await consumer.consume({ max_messages: options.batch ?? 256, expires: options.expiresMs ?? 5000 });
  let lastSeq = fromSeq - 1;
  let recreated = 0;
  let stopping = false;

  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'ordered_consumer_recreated') recreated++;
      options.onStatus?.(status as { type: string } & Record<string, unknown>);
    }
  })().catch(() => {});

  const done = (async () => {
    try {
      for await (const m of messages) {
        if (stopping) break;
        const seq = m.info.streamSequence;
        // The ordered consumer already guarantees order; this guards the callers' invariant anyway.
        if (seq <= lastSeq) continue;
        // m.timestampNanos is exact (a bigint); m.info.timestampNanos is a float and loses the low digits.
        const timestampNanos = m.timestampNanos;
        await onMessage({ seq, timestampMs: Number(timestampNanos / 1_000_000n), timestampNanos, subject: m.subject, data: m.data });
        lastSeq = seq;
      }
    } finally {
      stopping = true;
      await messages.close().catch(() => {});
    }
  })();
  // Callers that never await `done` must not get an unhandled rejection from it.
  done.catch(() => {});

  return {
    async stop() {
      stopping = true;
      await messages.close().catch(() => {});
      await done.catch(() => {});
    },
    done,
    get lastSeq() {
      return lastSeq;
    },
    get recreated() {
      return recreated;
    },
  };
}
