// The consortium's chain stream on a NATS JetStream cluster (tools layer): the OrderingPort of
// ordering-port.ts over the helpers of ordering.ts. Transactions and cut markers share one
// replicated stream (so they are totally ordered), votes have their own; devices on a NATS
// MQTT listener publish into the same stream, and a queue group picks one member to answer each.
//
// Consumption is message by message in the client (consumeInOrder); the executor verifies in
// batches, so messages that arrive together are handed over together (a batch ends when the
// client has nothing more to give at once, or at BATCH).

import {
  type NatsConnection, connectNats, consumeInOrder, ensureChainStreams, jetstream, jetstreamManager,
  MEMBERS_QUEUE, publishToStream, subscribeQueue,
} from './ordering.js';
import type { ChainMessage, ListenerHandlers, OrderingPort, Stoppable } from './ordering-port.js';
import { MAX_FRAME_BYTES, encodeTxFrame } from './tx-frame.js';

const BATCH = 256;

export interface NatsOrderingOptions {
  readonly urls: readonly string[];
  readonly chainHex: string;
  /** Name of this member's connection (seen in the servers' monitoring). */
  readonly name: string;
  /** Stream replicas: 3 on a 3-node cluster (the default), 1 on a single server. */
  readonly replicas?: number;
}

/**
 * JetStream API calls time out while the cluster elects a leader or is very busy (a member
 * starting as a node restarts): a few more tries before a member gives up starting. (Creating a
 * stream retries on its own, chain-streams.ts; this covers the account info call before it.)
 */
async function retryTimeouts<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || (error as Error).name !== 'TimeoutError') throw error;
    }
  }
}

export async function connectNatsOrdering(options: NatsOrderingOptions): Promise<OrderingPort> {
  const nc: NatsConnection = await connectNats(options.urls, options.name);
  try {
    const js = jetstream(nc);
    const { subjects } = await retryTimeouts(async () => ensureChainStreams(await jetstreamManager(nc), options.chainHex, options.replicas ?? Math.min(3, options.urls.length)));
    const stoppers: Stoppable[] = [];
    const framer = new Framer((frame) => publishToStream(js, subjects.forwarded, frame, { expectStream: subjects.txStream }));
    const track = (s: Stoppable): Stoppable => {
      stoppers.push(s);
      return s;
    };
    return {
      publishTx: (wire) => framer.add(wire),
      publishCut: (cut) => publishToStream(js, subjects.cut, cut, { expectStream: subjects.txStream }),
      publishVote: async (vote) => void (await publishToStream(js, subjects.vote, vote, { expectStream: subjects.voteStream })),
      async consumeChain(fromSeq, onBatch) {
        let batch: ChainMessage[] = [];
        let scheduled: Promise<void> | undefined;
        const flush = () => {
          const taken = batch;
          batch = [];
          scheduled = undefined;
          return taken.length > 0 ? Promise.resolve(onBatch(taken)) : Promise.resolve();
        };
        const consumer = await consumeInOrder(js, subjects.txStream, fromSeq, (m) => {
          batch.push({ seq: m.seq, timestampMs: m.timestampMs, kind: m.subject === subjects.cut ? 'cut' : m.subject === subjects.forwarded ? 'txs' : 'tx', data: m.data, pending: m.pending });
          if (batch.length >= BATCH) return flush();
          // The rest of what the client holds arrives in this same turn; hand it over on the next.
          scheduled ??= new Promise<void>((resolve) => setImmediate(() => void flush().then(resolve, resolve)));
          return undefined;
        });
        return track({ stop: () => consumer.stop() });
      },
      async consumeVotes(onVote) {
        const consumer = await consumeInOrder(js, subjects.voteStream, 1, (m) => onVote(m.data));
        return track({ stop: () => consumer.stop() });
      },
      async serveListener(handlers: ListenerHandlers) {
        track(subscribeQueue(nc, subjects.up, MEMBERS_QUEUE, (m) => handlers.onUp(m.data)));
        track(subscribeQueue(nc, subjects.deviceRequests, MEMBERS_QUEUE, (m) => handlers.onRequest(m.subject.replaceAll('.', '/'), m.data)));
      },
      async close() {
        for (const s of stoppers) await s.stop().catch(() => {});
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close().catch(() => {});
    throw error;
  }
}

/**
 * Gathers the transactions handed in during one turn of the event loop into frames (tx-frame.ts)
 * of at most MAX_FRAME_BYTES, one stream message each; every transaction's promise settles with
 * its frame's.
 */
class Framer {
  private wires: Uint8Array[] = [];
  private waiters: { resolve: (seq: number) => void; reject: (error: unknown) => void }[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(private readonly publish: (frame: Uint8Array) => Promise<number>) {}

  add(wire: Uint8Array): Promise<number> {
    if (this.bytes + 2 + wire.length > MAX_FRAME_BYTES) this.flush();
    return new Promise<number>((resolve, reject) => {
      this.wires.push(wire);
      this.waiters.push({ resolve, reject });
      this.bytes += 2 + wire.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.wires.length === 0) return;
    const frame = encodeTxFrame(this.wires);
    const waiters = this.waiters;
    this.wires = [];
    this.waiters = [];
    this.bytes = 0;
    this.publish(frame).then(
      (seq) => waiters.forEach((w) => w.resolve(seq)),
      (error) => waiters.forEach((w) => w.reject(error)),
    );
  }
}
