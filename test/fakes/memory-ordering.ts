// An in-memory chain stream for consortium members in one process (test layer, Node): the
// OrderingPort contract (tools/gateway/consortium/ordering-port.ts) without NATS, so the
// member's replay, cut schedule and commit gathering are tested quickly and alone. The
// tests of the real cluster (NATS JetStream) use nats-ordering.ts.

import type { OrderingPort, ChainMessage, Stoppable } from '../../tools/gateway/consortium/ordering-port.js';

export class MemoryLog {
  readonly chain: ChainMessage[] = [];
  readonly votes: Uint8Array[] = [];
  private readonly chainWatchers = new Set<() => void>();
  private readonly voteWatchers = new Set<() => void>();
  /** When set, publishes fail (a cluster without quorum). */
  down = false;

  constructor(private readonly now: () => number = Date.now) {}

  append(kind: ChainMessage['kind'], data: Uint8Array): number {
    if (this.down) throw new Error('no quorum');
    const seq = this.chain.length + 1;
    this.chain.push({ seq, timestampMs: this.now(), kind, data: data.slice(), pending: 0 });
    for (const wake of this.chainWatchers) wake();
    return seq;
  }

  appendVote(data: Uint8Array): void {
    if (this.down) throw new Error('no quorum');
    this.votes.push(data.slice());
    for (const wake of this.voteWatchers) wake();
  }

  /** An OrderingPort over this log, as one member sees it. */
  port(): OrderingPort {
    const stoppers: Stoppable[] = [];
    const follow = <T>(source: () => readonly T[], from: number, watchers: Set<() => void>, deliver: (items: readonly T[]) => Promise<void> | void): Stoppable => {
      let next = from;
      let running = false;
      let stopped = false;
      const pump = async () => {
        if (running || stopped) return;
        running = true;
        while (!stopped && next < source().length) {
          const items = source().slice(next, next + 256);
          next += items.length;
          await deliver(items);
        }
        running = false;
      };
      const wake = () => void setImmediate(() => void pump());
      watchers.add(wake);
      wake();
      const stopper = { stop: async () => { stopped = true; watchers.delete(wake); } };
      stoppers.push(stopper);
      return stopper;
    };
    return {
      publishTx: async (wire) => this.append('tx', wire),
      publishCut: async (cut) => this.append('cut', cut),
      publishVote: async (vote) => this.appendVote(vote),
      consumeChain: async (fromSeq, onMessage) => follow(() => this.chain, fromSeq - 1, this.chainWatchers, (items) => onMessage(items.map((m) => ({ ...m, pending: this.chain.length - m.seq })))),
      consumeVotes: async (onVote) => follow(() => this.votes, 0, this.voteWatchers, async (votes) => {
        for (const vote of votes) await onVote(vote);
      }),
      close: async () => {
        for (const s of stoppers) await s.stop();
      },
    };
  }
}
