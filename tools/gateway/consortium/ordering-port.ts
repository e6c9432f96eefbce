// What a consortium member needs from the replicated log that orders the chain (tools layer).
// nats-ordering.ts implements it on a NATS JetStream cluster; the tests' in-memory log
// (test/fakes/memory-ordering.ts) implements the same contract for the executor's own tests.
//
// The contract: every member sees the same messages of the chain stream in the same order,
// each with the same stream sequence and the same stored timestamp. Deterministic decisions
// (admission time, header time) read that timestamp, never a member's clock.

export interface ChainMessage {
  /** Position in the chain stream (1, 2, …), the same for every member. */
  readonly seq: number;
  /** The stream's stored time of the message, in ms: the same for every member. */
  readonly timestampMs: number;
  /** One transaction (a device's publish on the listener), a member's frame of several (tx-frame.ts), or a cut marker. */
  readonly kind: 'tx' | 'txs' | 'cut';
  readonly data: Uint8Array;
  /** Messages of the stream after this one when it was delivered (0: the member has caught up). */
  readonly pending: number;
}

export interface Stoppable {
  stop(): Promise<void>;
}

export interface OrderingPort {
  /**
   * Appends a transaction's wire to the chain stream; resolves once it is durable (replicated), with
   * the seq of the message that holds it (several may share one: a frame, tx-frame.ts).
   */
  publishTx(wire: Uint8Array): Promise<number>;
  /** Appends a cut marker (docs/protocol.md §6.8) to the chain stream. */
  publishCut(cut: Uint8Array): Promise<number>;
  /** Appends a vote (§6.9) to the vote stream. */
  publishVote(vote: Uint8Array): Promise<void>;
  /** Delivers the chain stream in order from `fromSeq` on, one call at a time (the next waits for the promise). */
  consumeChain(fromSeq: number, onMessage: (batch: readonly ChainMessage[]) => Promise<void> | void): Promise<Stoppable>;
  /** Delivers every vote of the vote stream (old ones first), in order, the next after `onVote`'s promise. */
  consumeVotes(onVote: (vote: Uint8Array) => Promise<void> | void): Promise<Stoppable>;
  /**
   * Devices on a NATS MQTT listener: each of their publishes on bot/<chain>/up and each request
   * reaches exactly one live member (a queue group), which answers that device. Absent where the
   * log has no such listener.
   */
  serveListener?(handlers: ListenerHandlers): Promise<void>;
  close(): Promise<void>;
}

export interface ListenerHandlers {
  readonly onUp: (wire: Uint8Array) => void;
  /** `topic` in MQTT form (bot/<chain>/d/<id>/req). */
  readonly onRequest: (topic: string, payload: Uint8Array) => void;
}
