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
 * starting as a node restarts): a few more tries before a member gives up starting.
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
    const track = (s: Stoppable): Stoppable => {
      stoppers.push(s);
      return s;
    };
    return {
      publishTx: (wire) => publishToStream(js, subjects.forwarded, wire, { expectStream: subjects.txStream }),
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
          batch.push({ seq: m.seq, timestampMs: m.timestampMs, kind: m.subject === subjects.cut ? 'cut' : 'tx', data: m.data, pending: m.pending });
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

