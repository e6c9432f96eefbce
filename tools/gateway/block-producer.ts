// The block producer (tools layer): every interval, or as soon as the pool holds
// a full block, it orders pending transactions into a block, applies them to the
// committed contract state, signs the commit, writes block and state changes in
// one atomic store write, then publishes the newest light block (retained) and
// pushes every sender the inclusion proof of its transaction.
//
// Each block is signed by the state's current validator set, named in the header's
// validatorsHash; nextValidatorsHash names the set after the block's GOVERN transactions, and
// the first block under a new set carries it in its light block (§6.5). A gateway whose keys
// no longer reach the threshold of the current set cannot sign: it says so and stops producing.

import {
  type Checkpoint, type ChainTopics, type Header, type CryptoProvider, type KeyPair, type LedgerState, type ValidatorSet,
  buildHeader, bytesToHex, decodeLightBlock, encodeCheckpoint, encodeLightBlock, equalBytes, headerHash, type InclusionProof,
  merkleTree, signCheckpoint, signCommit, validatorSetHash,
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

/**
 * The height of the block that will hold the pool entry at `position` (0: the oldest) after block
 * `latestHeight`: every block takes the pool's oldest min(pool, maxBlockTxs) entries. A deployed
 * call's ctx.height (ingest, a restart's re-run, a consortium member's replay): all must agree.
 */
export function blockOfPoolPosition(latestHeight: number, position: number, maxBlockTxs: number): number {
  return latestHeight + 1 + Math.floor(position / maxBlockTxs);
}

export interface ProducerDeps {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly topics: ChainTopics;
  readonly store: LedgerStore;
  readonly bus: Bus;
  /** The genesis validator set: what signed nothing yet stands for (height 0, §8.2). Blocks use the state's sets. */
  readonly validators: ValidatorSet;
  /** This gateway's validator keys (a private chain: one); each block is signed by those in its set. */
  readonly keys: readonly KeyPair[];
  readonly operatorPrivateKey?: Uint8Array;
  readonly now: () => number;
  readonly onBlock?: (height: number, txCount: number) => void;
  /** A block could not be written; its transactions stay pooled and the next tick tries again. */
  readonly onError?: (error: unknown) => void;
  /** This gateway's keys no longer reach the threshold of the current set: it has stopped producing. */
  readonly onHalt?: (reason: string) => void;
  /** While true no block is cut (ingest is admitting deployed calls whose ctx.height is the next block's); the next tick tries again. */
  readonly hold?: () => boolean;
}

export class BlockProducer {
  private pool: PoolEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private producing = false;
  private fullScheduled = false;
  private lastBlockAt = 0;
  private checkpoint: Checkpoint | undefined;
  /** The previous block's validatorsHash: a block under another set carries its set (§6.5). */
  private previousValidatorsHash: Uint8Array | undefined;
  private haltReason: string | undefined;

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

  /** Why this gateway stopped producing (it cannot sign for the current set), or undefined while it produces. */
  get halted(): string | undefined {
    return this.haltReason;
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
      if (this.deps.hold?.()) return; // the tick cuts it once ingest lets go
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
    if (this.producing || this.haltReason !== undefined || this.deps.hold?.()) return undefined;
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

  /** This gateway's keys in `set` with their indices, when they reach its threshold; else it halts and says why. */
  private signersFor(set: ValidatorSet): { index: number; privateKey: Uint8Array }[] | undefined {
    const signers = this.deps.keys.flatMap((k) => {
      const index = set.keys.findIndex((key) => equalBytes(key, k.publicKey));
      return index < 0 ? [] : [{ index, privateKey: k.privateKey }];
    });
    if (signers.length >= set.threshold) return signers;
    this.haltReason = signers.length === 0
      ? `this gateway's key ${this.deps.keys.map((k) => bytesToHex(k.publicKey)).join(', ')} is no longer in the validator set: it is not a validator any more and stops producing blocks`
      : `this gateway holds ${signers.length} of the ${set.threshold} signatures the validator set needs: it stops producing blocks`;
    this.stop();
    this.deps.onHalt?.(this.haltReason);
    return undefined;
  }

  private cut(): number | undefined {
    const { crypto, store } = this.deps;
    const set = this.committed.validators() ?? this.deps.validators;
    const signers = this.signersFor(set);
    if (!signers) return undefined;
    const entries = this.pool.slice(0, this.options.maxBlockTxs);
    const height = this.latest.height + 1;
    const next = this.committed.clone();
    const tree = merkleTree(crypto, entries.map((e) => e.id));
    const header = buildHeader(
      crypto,
      { chainId: this.deps.chainId, height, time: Math.max(this.deps.now(), this.latest.time + 1), prevHash: this.latest.hash },
      next,
      entries,
      tree.root,
    );
    const hash = headerHash(crypto, header);
    const commit = signCommit(crypto, height, hash, signers);
    const changed = !equalBytes(header.validatorsHash, this.previousSetHash());
    const lightBlock = encodeLightBlock(changed ? { header, commit, validators: set } : { header, commit });
    // The one durable step: block, its transactions and its state changes together.
    store.commitBlock({ height, hash, time: header.time, txCount: entries.length, lightBlock }, next.takeTouched());
    // A block boundary: a public chain's per-block quotas start empty on the committed state.
    next.resetBlockQuotas();
    this.committed = next;
    this.pool = this.pool.slice(entries.length);
    this.latest = { height, hash, time: header.time };
    this.previousValidatorsHash = header.validatorsHash;
    this.lastBlockAt = this.deps.now();
    this.publish(height, lightBlock, entries, tree.proofs());
    const stale = this.checkpoint === undefined || header.time - this.checkpoint.header.time >= this.options.checkpointIntervalMs;
    if (stale || height % this.options.checkpointEvery === 0) this.publishCheckpoint(header, set);
    this.deps.onBlock?.(height, entries.length);
    return height;
  }

  /** The validatorsHash of the newest block (of the genesis set at height 0). */
  private previousSetHash(): Uint8Array {
    if (this.previousValidatorsHash) return this.previousValidatorsHash;
    const newest = this.latest.height > 0 ? this.deps.store.block(this.latest.height) : undefined;
    this.previousValidatorsHash = newest
      ? decodeLightBlock(newest.lightBlock).header.validatorsHash
      : validatorSetHash(this.deps.crypto, this.deps.validators);
    return this.previousValidatorsHash;
  }

  /**
   * The set that signed a stored `header`: the state's current one, or the genesis set, or the
   * one the newest light block at or below it carries that hashes to its validatorsHash.
   */
  private setOf(header: Header): ValidatorSet | undefined {
    const { crypto } = this.deps;
    const matches = (set: ValidatorSet | undefined) => set !== undefined && equalBytes(validatorSetHash(crypto, set), header.validatorsHash);
    const current = this.committed.validators();
    if (matches(current)) return current;
    for (let h = header.height; h >= 1; h--) {
      const carried = decodeLightBlock(this.deps.store.block(h)!.lightBlock).validators;
      if (carried && matches(carried)) return carried;
    }
    return matches(this.deps.validators) ? this.deps.validators : undefined;
  }

  /** Signs `header` with the operator key, when this gateway holds it, and publishes it retained. */
  private publishCheckpoint(header: Header, set: ValidatorSet | undefined = this.setOf(header)): void {
    if (!this.deps.operatorPrivateKey || !set) return;
    this.checkpoint = signCheckpoint(this.deps.crypto, header, set, this.deps.operatorPrivateKey);
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
