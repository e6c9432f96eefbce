// Reading a chain's stream strictly in stream order from a given sequence (tools layer,
// gateway/consortium): a JetStream ordered consumer (ephemeral, R1, no acks) that the client
// recreates at the next expected sequence whenever it notices a gap, a deleted consumer, missed
// heartbeats or a reconnect, so that a member keeps reading through a node failure. Every member
// sees the same seq, stored timestamp, subject and bytes; admission decisions use only these.

import { type ConsumerMessages, DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

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
  /** Messages of the stream after this one when it was delivered (0: the reader has caught up). */
  readonly pending: number;
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

/** Marks an error thrown by the caller's onMessage (it ends reading), unlike the consumer's own. */
class HandlerError extends Error {
  constructor(readonly handlerError: unknown) {
    super('onMessage failed');
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers the messages of `streamName` from stream sequence `fromSeq` on, one at a time: the next
 * onMessage call starts only after the previous one (and its promise) finished.
 *
 * The client recreates its ordered consumer by itself on gaps and on "consumer not found", but
 * on nats-server 2.9 a consumer whose node was killed is neither found nor gone (its info request
 * just times out), and the client waits on it forever. So a watchdog here also counts heartbeats:
 * when neither a message nor a heartbeat came for `expiresMs` + 1 s, it drops the consumer and
 * opens a new one at lastSeq + 1.
 */
export async function consumeInOrder(
  js: JetStreamClient,
  streamName: string,
  fromSeq: number,
  onMessage: (message: StreamMessage) => void | Promise<void>,
  options: ConsumeInOrderOptions = {},
): Promise<InOrderConsumer> {
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new RangeError(`fromSeq must be a positive integer, got ${fromSeq}`);
  const expires = options.expiresMs ?? 5000;
  const stallMs = expires + 1000;
  let lastSeq = fromSeq - 1;
  let recreated = 0;
  let stopping = false;
  let current: ConsumerMessages | undefined;
  let wakeStop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (wakeStop = resolve));

  const open = async (): Promise<ConsumerMessages> => {
    const consumer = await js.consumers.get(streamName, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 });
    return consumer.consume({ max_messages: options.batch ?? 256, expires });
  };

  // The first open fails loudly (no such stream, no JetStream); later ones are retried. A stream
  // created a moment ago may still be unknown to the node this client talks to (its leader is
  // being elected): that, and a timeout, get a few seconds before the first open gives up.
  let first: ConsumerMessages | undefined;
  for (let attempt = 1, delay = 100; first === undefined; attempt++, delay = Math.min(2 * delay, 1000)) {
    try {
      first = await open();
    } catch (error) {
      const name = (error as Error).name;
      if (attempt >= 10 || (name !== 'StreamNotFoundError' && name !== 'TimeoutError')) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  const read = async (messages: ConsumerMessages): Promise<void> => {
    let watchdog: NodeJS.Timeout | undefined;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        options.onStatus?.({ type: 'stalled', lastSeq });
        void messages.close().catch(() => {});
      }, stallMs);
    };
    alive();
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'heartbeat' || status.type === 'ordered_consumer_recreated') alive();
        if (status.type === 'ordered_consumer_recreated') recreated++;
        options.onStatus?.(status as { type: string } & Record<string, unknown>);
      }
    })().catch(() => {});
    try {
      for await (const m of messages) {
        if (stopping) break;
        alive();
        const seq = m.info.streamSequence;
        // The ordered consumer already guarantees order; this guards the callers' invariant anyway.
        if (seq <= lastSeq) continue;
        // m.timestampNanos is exact (a bigint); m.info.timestampNanos is a float and loses the low digits.
        const timestampNanos = m.timestampNanos;
        try {
          await onMessage({ seq, timestampMs: Number(timestampNanos / 1_000_000n), timestampNanos, subject: m.subject, data: m.data, pending: m.info.pending });
        } catch (error) {
          stopping = true;
          throw new HandlerError(error);
        }
        lastSeq = seq;
      }
    } catch (error) {
      // A failing onMessage ends reading; a failing consumer is replaced (below).
      if (error instanceof HandlerError) throw error.handlerError;
    } finally {
      clearTimeout(watchdog);
      await messages.close().catch(() => {});
    }
  };

  const done = (async () => {
    let delay = 100;
    while (!stopping) {
      let messages = first;
      first = undefined;
      if (messages === undefined) {
        try {
          messages = await open();
          recreated++;
          options.onStatus?.({ type: 'reopened', fromSeq: lastSeq + 1 });
          delay = 100;
        } catch (error) {
          options.onStatus?.({ type: 'reopen_failed', error: String(error) });
          await Promise.race([pause(delay), stopped]);
          delay = Math.min(delay * 2, 2000);
          continue;
        }
      }
      current = messages;
      await read(messages);
    }
  })();
  // Callers that never await `done` must not get an unhandled rejection from it.
  done.catch(() => {});

  return {
    async stop() {
      stopping = true;
      wakeStop();
      await current?.close().catch(() => {});
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
