// Publishing to a JetStream stream and awaiting its PubAck (tools layer, gateway/consortium).
// Publishes are pipelined: many are in flight at once, up to a bound, beyond which callers wait
// (back-pressure instead of an unbounded buffer while the cluster is slow or electing a leader).
// A publish whose PubAck does not come (node killed, leader election) is retried, a bounded number
// of times within a bounded time, with the same Nats-Msg-Id, so the stream stores it once even if the first attempt
// did land (JetStream deduplicates ids within the stream's duplicate_window, 2 min by default).

import { randomUUID } from 'node:crypto';
import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';

export interface StreamPublisherOptions {
  /** Publishes awaiting their PubAck at once (default 256). */
  maxInFlight?: number;
  /** Attempts per publish, the first included (default 20). */
  attempts?: number;
  /** No retry starts later than this after the first attempt, ms (default 15 000: a leader election takes seconds). */
  retryForMs?: number;
  /** How long one attempt waits for its PubAck, ms (default 2000). */
  ackTimeoutMs?: number;
  /** First retry delay, doubled per retry, ms (default 100; capped at 1000). */
  retryDelayMs?: number;
}

export interface PublishOptions {
  /** Deduplication id (default: a fresh UUID per call, kept across its retries). */
  msgId?: string;
  /** Reject unless the subject belongs to this stream (JetStream's Nats-Expected-Stream). */
  expectStream?: string;
}

export interface StreamPublisher {
  /** Resolves with the stream sequence the message got (also for a deduplicated retry). */
  publish(subject: string, bytes: Uint8Array, options?: PublishOptions): Promise<number>;
  /** Publishes currently awaiting a PubAck. */
  readonly inFlight: number;
  /** Publishes waiting for a free slot. */
  readonly waiting: number;
  /** Retries done so far (for metrics and tests). */
  readonly retries: number;
}

export class StreamPublishError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StreamPublishError';
  }
}

// JetStream's "JetStream system temporarily unavailable": a leader election, worth a retry.
const TEMPORARILY_UNAVAILABLE = 10008;

/** API errors (message too large, wrong stream, ...) are final; timeouts, no responders, disconnects are not. */
function isRetryable(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === TEMPORARILY_UNAVAILABLE || error.status === 503;
  const name = error instanceof Error ? error.name : '';
  return name !== 'ClosedConnectionError' && name !== 'DrainingConnectionError' && name !== 'InvalidArgumentError';
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createStreamPublisher(js: JetStreamClient, options: StreamPublisherOptions = {}): StreamPublisher {
  const maxInFlight = options.maxInFlight ?? 256;
  const attempts = options.attempts ?? 20;
  const retryForMs = options.retryForMs ?? 15_000;
  const ackTimeoutMs = options.ackTimeoutMs ?? 2000;
  const firstDelay = options.retryDelayMs ?? 100;
  if (!(maxInFlight >= 1) || !(attempts >= 1)) throw new RangeError('maxInFlight and attempts must be at least 1');
  let inFlight = 0;
  let retries = 0;
  const waiters: Array<() => void> = [];

  const acquire = async () => {
    if (inFlight < maxInFlight) {
      inFlight++;
      return;
    }
    // release() hands its slot straight to the first waiter, so inFlight stays counted.
    await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else inFlight--;
  };

  const publishOnce = (subject: string, bytes: Uint8Array, msgID: string, expectStream: string | undefined): Promise<PubAck> =>
    js.publish(subject, bytes, {
      msgID,
      timeout: ackTimeoutMs,
      // The client's own retry covers only "no responders" at once; ours covers the rest.
      retries: 1,
      ...(expectStream !== undefined ? { expect: { streamName: expectStream } } : {}),
    });

  return {
    async publish(subject, bytes, publishOptions = {}) {
      const msgID = publishOptions.msgId ?? randomUUID();
      await acquire();
      try {
        let delay = firstDelay;
        const giveUpAt = Date.now() + retryForMs;
        for (let attempt = 1; ; attempt++) {
          try {
            const ack = await publishOnce(subject, bytes, msgID, publishOptions.expectStream);
            return ack.seq;
          } catch (error) {
            if (!isRetryable(error) || attempt >= attempts || Date.now() + delay > giveUpAt) {
              throw new StreamPublishError(`publish to ${subject} failed after ${attempt} attempt(s): ${(error as Error).message}`, attempt, { cause: error });
            }
            retries++;
            await pause(delay);
            delay = Math.min(delay * 2, 1000);
          }
        }
      } finally {
        release();
      }
    },
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return waiters.length;
    },
    get retries() {
      return retries;
    },
  };
}

// One shared publisher per JetStream client, so that publishToStream callers share one bound.
const shared = new WeakMap<JetStreamClient, StreamPublisher>();

/** Publishes `bytes` to `subject` through `js`'s shared pipelined publisher; resolves with the stream seq. */
export function publishToStream(js: JetStreamClient, subject: string, bytes: Uint8Array, options?: PublishOptions): Promise<number> {
  let publisher = shared.get(js);
  if (publisher === undefined) {
    publisher = createStreamPublisher(js);
    shared.set(js, publisher);
  }
  return publisher.publish(subject, bytes, options);
}
