// The block producer (tools layer): every interval, or as soon as the pool holds
// a full block, it orders pending transactions into a block, applies them to the
// committed contract state, signs the commit, writes block and state changes in
// one atomic store write, then publishes the newest light block (retained) and
// pushes every sender the inclusion proof of its transaction.

import {
  type Checkpoint, type ChainTopics, type Header, type CryptoProvider, type LedgerState, type ValidatorSet,
  buildHeader, decodeLightBlock, encodeCheckpoint, encodeLightBlock, headerHash, type InclusionProof, merkleTree,
  signCheckpoint, signCommit, validatorSetHash,
} from '../../src/index.js';
import type { Bus } from './bus.js';
import type { PoolEntry } from './ingest.js';
import type { LedgerStore } from './ledger-store.js';
import { pushProofs } from './push-messages.js';

export interface ProducerOptions {
  /** Milliseconds between blocks while transactions are pending. */
  readonly intervalMs: number;
  readonly maxBlockTxs: number;
  /** An empty block at least this often keeps devices' trust fresh. */
  readonly heartbeatMs: number;
  /** Publish an operator-signed checkpoint every this many blocks (when the gateway holds the operator key). */
  readonly checkpointEvery: number;
  /**
   * ... and whenever the newest block is this much newer than the checkpoint's header: a device
   * whose trust period ran out re-anchors only on a checkpoint younger than that period, and a
   * chain of heartbeat blocks may take days to reach `checkpointEvery`.
   */
  readonly checkpointIntervalMs: number;
}

export const DEFAULT_PRODUCER_OPTIONS: ProducerOptions = Object.freeze({ intervalMs: 1000, maxBlockTxs: 4096, heartbeatMs: 30_000, checkpointEvery: 600, checkpointIntervalMs: 600_000 });

export interface ProducerDeps {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly topics: ChainTopics;
  readonly store: LedgerStore;
  readonly bus: Bus;
  readonly validators: ValidatorSet;
  /** This gateway's validator keys with their index in the set (a private chain: one key, index 0). */
  readonly signers: readonly { readonly index: number; readonly privateKey: Uint8Array }[];
  readonly operatorPrivateKey?: Uint8Array;
  readonly now: () => number;
  readonly onBlock?: (height: number, txCount: number) => void;
  /** A block could not be written; its transactions stay pooled and the next tick tries again. */
  readonly onError?: (error: unknown) => void;
}

export class BlockProducer {
  private pool: PoolEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private producing = false;
  private fullScheduled = false;
  private lastBlockAt = 0;
  private checkpoint: Checkpoint | undefined;

  constructor(
    private readonly deps: ProducerDeps,
    private readonly options: ProducerOptions,
    private committed: LedgerState,
    private latest: { height: number; hash: Uint8Array; time: number },
    pending: readonly PoolEntry[],
  ) {
    this.pool = [...pending];
    this.lastBlockAt = deps.now();
  }

  get height(): number {
    return this.latest.height;
  }

  get pendingCount(): number {
    return this.pool.length;
  }

  committedState(): LedgerState {
    return this.committed;
  }

  /** Admitted transactions not yet in a block, in order. */
  poolEntries(): readonly PoolEntry[] {
    return this.pool;
  }

  add(entries: readonly PoolEntry[]): void {
    for (const entry of entries) this.pool.push(entry);
    this.scheduleFull();
  }

  /** A full block is cut at once; one scheduled cut at a time, or every add() past the limit would cut its own small block. */
  private scheduleFull(): void {
    if (this.fullScheduled || this.pool.length < this.options.maxBlockTxs) return;
    this.fullScheduled = true;
    setImmediate(() => {
      this.fullScheduled = false;
      this.produce();
      this.scheduleFull();
    });
  }

  start(): void {
    this.lastBlockAt = this.deps.now();
    // A restarted gateway holds a checkpoint at once (of its newest stored block), not only after its next block.
    const newest = this.latest.height > 0 ? this.deps.store.block(this.latest.height) : undefined;
    if (newest && this.checkpoint === undefined) this.publishCheckpoint(decodeLightBlock(newest.lightBlock).header);
    // A block is due intervalMs after the previous one (not on a fixed clock, which would cut a
    // small block right after a full one), checked four times per interval.
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.options.intervalMs / 4)));
  }

  /** Cuts a block if one is due at `now()`: the interval since the last with transactions pending, or the heartbeat. */
  tick(): number | undefined {
    const since = this.deps.now() - this.lastBlockAt;
    const due = (this.pool.length > 0 && since >= this.options.intervalMs) || since >= this.options.heartbeatMs;
    return due ? this.produce() : undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Cuts one block from the pool (possibly empty). Returns its height, or undefined if none was made. */
  produce(): number | undefined {
    if (this.producing) return undefined;
    this.producing = true;
    try {
      return this.cut();
    } catch (error) {
      this.deps.onError?.(error);
      return undefined;
    } finally {
      this.producing = false;
    }
  }

  private cut(): number {
    const { crypto, store } = this.deps;
    const entries = this.pool.slice(0, this.options.maxBlockTxs);
    const height = this.latest.height + 1;
    const next = this.committed.clone();
    const valHash = validatorSetHash(crypto, this.deps.validators);
    const tree = merkleTree(crypto, entries.map((e) => e.id));
    const header = buildHeader(
      crypto,
      { chainId: this.deps.chainId, height, time: Math.max(this.deps.now(), this.latest.time + 1), prevHash: this.latest.hash, validatorsHash: valHash, nextValidatorsHash: valHash },
      next,
      entries,
      tree.root,
    );
    const hash = headerHash(crypto, header);
    const commit = signCommit(crypto, height, hash, this.deps.signers);
    const lightBlock = encodeLightBlock({ header, commit });
    // The one durable step: block, its transactions and its state changes together.
    store.commitBlock({ height, hash, time: header.time, txCount: entries.length, lightBlock }, next.takeTouched());
    // A block boundary: a public chain's per-block quotas start empty on the committed state.
    next.resetBlockQuotas();
    this.committed = next;
    this.pool = this.pool.slice(entries.length);
    this.latest = { height, hash, time: header.time };
    this.lastBlockAt = this.deps.now();
    this.publish(height, lightBlock, entries, tree.proofs());
    const stale = this.checkpoint === undefined || header.time - this.checkpoint.header.time >= this.options.checkpointIntervalMs;
    if (stale || height % this.options.checkpointEvery === 0) this.publishCheckpoint(header);
    this.deps.onBlock?.(height, entries.length);
    return height;
  }

  /** Signs `header` with the operator key, when this gateway holds it, and publishes it retained. */
  private publishCheckpoint(header: Header): void {
    if (!this.deps.operatorPrivateKey) return;
    this.checkpoint = signCheckpoint(this.deps.crypto, header, this.deps.validators, this.deps.operatorPrivateKey);
    void this.send(this.deps.topics.checkpoint, encodeCheckpoint(this.checkpoint), true);
  }

  latestCheckpoint(): Checkpoint | undefined {
    return this.checkpoint;
  }

  private publish(height: number, lightBlock: Uint8Array, entries: readonly PoolEntry[], proofs: readonly InclusionProof[]): void {
    // Proofs go out once the header is out (published and delivered): a device needs the header to check them.
    this.send(this.deps.topics.header, lightBlock, true).then(() => {
      pushProofs(this.deps.bus, this.deps.topics, height, entries, proofs);
    });
  }

  private send(topic: string, payload: Uint8Array, retain: boolean): Promise<void> {
    // Devices also fetch proofs and headers on request, so a failed push loses nothing.
    return this.deps.bus.publish(topic, payload, { qos: 1, retain }).catch(() => {});
  }
}
