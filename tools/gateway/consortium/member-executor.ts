// The consortium member's deterministic core (tools layer): it replays the chain stream
// (ordering-port.ts) and turns it into admitted transactions and executed blocks. Every
// member runs the same replay over the same stream and reaches the same verdicts, headers
// and state roots; nothing here reads a member's own clock or configuration that another
// member could set differently:
//
// - a transaction is admitted against the state after everything before it in the stream,
//   its time bound checked against the stream's stored timestamp of its message;
// - a cut marker (the first valid one for the next height) ends a block with the oldest
//   min(pool, maxBlockTxs) admitted transactions (maxBlockTxs is a chain constant), and its
//   stored timestamp is the header's time.
//
// Signatures are checked on the verify workers, pipelined with consumption: each batch's
// keys are looked up when it arrives, which may be before an earlier batch's ENROLL or
// ROTATE_KEY is admitted. Admission therefore looks the key up again and checks the signature
// on this thread whenever that key differs from the one the worker used: a verdict must not
// depend on where a member's batches happened to split.

import {
  BotError, type CryptoProvider, ErrorCode, type Header, type HostEffects, type Result, type InclusionProof, type LedgerState, type SignedTx, type TouchedState,
  type ValidatorSet, admitTx, applyTx, buildHeader, bytesToHex, decodeTx, equalBytes, headerHash, merkleTree, restartBlockQuotas, signingKey,
  txId, verifyTxSignature,
} from '../../../src/index.js';
import { decodeCut, verifyCut } from '../../../src/chain/cut.js';
import { blockOfPoolPosition } from '../block-producer.js';
import { DeployedHost } from '../contract-sandbox/deployed-host.js';
import type { PoolEntry } from '../ingest.js';
import { readTxHeader } from '../tx-header.js';
import { type CheckResult, TX_ID_BYTES, type VerifyJob } from '../verify-pool.js';
import type { ChainMessage } from './ordering-port.js';
import { decodeTxFrame } from './tx-frame.js';

/** Verdict on one transaction of the stream. */
export interface Verdict {
  readonly streamSeq: number;
  /** The claimed sender and seq (undefined when not even the header read). */
  readonly sender: Uint8Array | undefined;
  readonly seq: number;
  readonly code: number;
  /** Whether the sender's signature verified: only then is the verdict the sender's own. */
  readonly verified: boolean;
  /** For an admitted transaction (code OK). */
  readonly entry?: PoolEntry;
}

/** A block every honest member computes identically, before its commit is gathered. */
export interface ExecutedBlock {
  readonly height: number;
  readonly header: Header;
  readonly hash: Uint8Array;
  /** The set that signs this header (whose hash is header.validatorsHash). */
  readonly validators: ValidatorSet;
  /** Whether this header's set differs from the previous one's (the light block then carries it, §6.5). */
  readonly newSet: boolean;
  readonly entries: readonly PoolEntry[];
  readonly proofs: readonly InclusionProof[];
  /** State after the block, and what it changed (for the store's atomic write). */
  readonly state: LedgerState;
  readonly changes: TouchedState;
  /** Stream seq of the cut that ended it: a restarted member replays from the next one. */
  readonly cutSeq: number;
}

export interface ExecutorDeps {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  /** Strict decode + signature + id on the verify workers (VerifyPool.check). */
  readonly check: (jobs: readonly VerifyJob[]) => Promise<CheckResult>;
  /** A chain constant: every member must use the same value. */
  readonly maxBlockTxs: number;
  readonly onVerdicts: (verdicts: readonly Verdict[]) => void;
  readonly onExecuted: (block: ExecutedBlock) => void;
  /**
   * Runs deployed contracts' transactions in the sandbox, in stream order, on the state they follow
   * (ctx.height: the block they will be in). Every member must run the same sandbox build and limits.
   * Without it they are refused (INTERNAL) — the same on every member.
   */
  readonly deployed?: DeployedHost;
  /**
   * The replay stopped: this member's sandbox failed on a transaction twice (HostAdmission.hostFailure).
   * Refusing it would give this member a pool, and so a state root, that the others do not have;
   * it stops instead (nothing more is admitted or executed) and says why. A restart replays from its last block.
   */
  readonly onHalt?: (error: BotError) => void;
}

export interface ExecutorStart {
  /** State after `latest` (committed). */
  readonly state: LedgerState;
  readonly latest: { readonly height: number; readonly hash: Uint8Array; readonly time: number };
  /** The set that signed `latest` (genesis: the genesis set), to tell when the light block must carry a new one. */
  readonly latestValidatorsHash: Uint8Array;
}

/** A key no signature verifies under (not a valid SEC1 point), for jobs whose sender is unknown when they arrive. */
const NO_KEY = new Uint8Array(33);
/** How many stream batches may be in verification at once (back-pressure on the consumer). */
const MAX_BATCHES_IN_FLIGHT = 8;

interface Prepared {
  readonly message: ChainMessage;
  /** The transaction's bytes: the message's, or one of a forwarded frame's (tx-frame.ts). */
  readonly wire: Uint8Array;
  readonly tx: SignedTx | undefined;
  /** The decode error's code when the header did not read and the wire does not decode. */
  readonly malformed: number;
  /** The key the worker checked against (NO_KEY when the sender was unknown on arrival). */
  readonly key: Uint8Array;
  /** Index of its job in the batch's check, or -1 (cuts, malformed). */
  readonly job: number;
}

export class MemberExecutor {
  private base: LedgerState;
  private working: LedgerState;
  private pool: PoolEntry[] = [];
  private latest: { height: number; hash: Uint8Array; time: number };
  private latestValidatorsHash: Uint8Array;
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private lastSeq = 0;
  /** Set once the sandbox failed twice on one transaction (ExecutorDeps.onHalt): the replay goes no further. */
  private halted: BotError | undefined;

  constructor(private readonly deps: ExecutorDeps, start: ExecutorStart) {
    this.base = start.state;
    this.working = start.state.clone();
    this.working.takeTouched();
    this.latest = { ...start.latest };
    this.latestValidatorsHash = start.latestValidatorsHash;
  }

  /** State after every admitted transaction: what the entry point checks senders against. */
  workingState(): LedgerState {
    return this.working;
  }

  get executedHeight(): number {
    return this.latest.height;
  }

  get executedTime(): number {
    return this.latest.time;
  }

  get poolSize(): number {
    return this.pool.length;
  }

  /** Stream seq of the last message processed. */
  get position(): number {
    return this.lastSeq;
  }

  /** The set that signs the next block (executedHeight + 1). */
  nextSigners(): ValidatorSet {
    return this.base.validators()!;
  }

  /**
   * Takes the next batch of the stream (in order). Verification starts at once; admission waits
   * for every earlier batch. Resolves when the consumer may deliver more (back-pressure).
   */
  handle(batch: readonly ChainMessage[]): Promise<void> {
    if (this.halted) return Promise.resolve();
    const prepared: Prepared[] = [];
    const jobs: VerifyJob[] = [];
    const prepare = (message: ChainMessage, wire: Uint8Array) => {
      let tx: SignedTx | undefined = readTxHeader(wire);
      let malformed = 0;
      if (!tx) {
        try {
          tx = decodeTx(wire);
        } catch (error) {
          malformed = error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR;
        }
      }
      if (!tx) {
        prepared.push({ message, wire, tx: undefined, malformed, key: NO_KEY, job: -1 });
        return;
      }
      const known = signingKey(this.working, tx);
      const key = known.ok ? known.value : NO_KEY;
      prepared.push({ message, wire, tx, malformed: 0, key, job: jobs.length });
      jobs.push({ wire, publicKey: key });
    };
    for (const message of batch) {
      if (message.kind === 'cut') prepared.push({ message, wire: message.data, tx: undefined, malformed: 0, key: NO_KEY, job: -1 });
      else if (message.kind === 'tx') prepare(message, message.data);
      // A frame that does not read holds nothing: no transaction, so no verdict to give anyone.
      else for (const wire of decodeTxFrame(message.data) ?? []) prepare(message, wire);
    }
    const checked = jobs.length > 0 ? this.deps.check(jobs).catch(() => this.deps.check(jobs)) : Promise.resolve(undefined);
    this.inFlight++;
    this.tail = this.tail.then(async () => {
      let results: CheckResult | undefined;
      try {
        results = await checked;
      } catch {
        results = undefined; // the pool failed twice: verify on this thread (slow, but the verdict is the same)
      }
      this.inFlight--;
      await this.apply(prepared, results);
    });
    return this.inFlight >= MAX_BATCHES_IN_FLIGHT ? this.tail : Promise.resolve();
  }

  /** Resolves once every batch handed in so far is applied. */
  drain(): Promise<void> {
    return this.tail;
  }

  private async apply(prepared: readonly Prepared[], results: CheckResult | undefined): Promise<void> {
    let verdicts: Verdict[] = [];
    for (const item of prepared) {
      if (this.halted) break;
      this.lastSeq = item.message.seq;
      if (item.message.kind === 'cut') {
        if (verdicts.length > 0) this.deps.onVerdicts(verdicts);
        verdicts = [];
        this.cut(item.message);
        continue;
      }
      const verdict = await this.admit(item, results);
      if (verdict) verdicts.push(verdict);
    }
    if (verdicts.length > 0) this.deps.onVerdicts(verdicts);
  }

  /** The verdict on one transaction; undefined when the replay halts on it (no verdict is given). */
  private async admit(item: Prepared, results: CheckResult | undefined): Promise<Verdict | undefined> {
    const { message, tx } = item;
    if (!tx) return { streamSeq: message.seq, sender: undefined, seq: 0, code: item.malformed, verified: false };
    const unverified = (code: number): Verdict => ({ streamSeq: message.seq, sender: tx.sender, seq: tx.seq, code, verified: false });
    const key = signingKey(this.working, tx);
    if (!key.ok && key.code === ErrorCode.UNKNOWN_SENDER) return unverified(ErrorCode.UNKNOWN_SENDER);
    // REVOKED and BLOCKED are verdicts only for a transaction the sender signed: check with its key.
    const account = this.working.account(tx.sender);
    const required = key.ok ? key.value : account!.key;
    let code: number;
    let id: Uint8Array | undefined;
    if (results && equalBytes(required, item.key)) {
      code = results.codes[item.job]!;
      if (code === ErrorCode.OK) id = results.ids.subarray(TX_ID_BYTES * item.job, TX_ID_BYTES * (item.job + 1));
    } else {
      ({ code, id } = this.verifyHere(item.wire, required));
    }
    if (code !== ErrorCode.OK) return unverified(code);
    const verdict = (c: number, entry?: PoolEntry): Verdict => ({ streamSeq: message.seq, sender: tx.sender, seq: tx.seq, code: c, verified: true, ...(entry ? { entry } : {}) });
    if (!key.ok) return verdict(key.code);
    const nowSeconds = Math.floor(message.timestampMs / 1000);
    let admitted: Result<undefined>;
    let effects: HostEffects | undefined;
    // Awaited here, inside the ordered replay: the next transaction is admitted on the state this one leaves.
    if (this.deps.deployed && DeployedHost.needs(tx)) {
      const run = () => this.deps.deployed!.admit(this.working, tx, nowSeconds, this.blockOfNext(), id!);
      let outcome = await run();
      // This host's failure, not the contract's verdict: once more (a crashed worker is restarted), then stop.
      if (outcome.hostFailure) outcome = await run();
      if (outcome.hostFailure) return this.halt(tx, outcome.verdict);
      ({ verdict: admitted, effects } = outcome);
    } else admitted = admitTx(this.deps.crypto, this.working, tx, nowSeconds);
    if (!admitted.ok) return verdict(admitted.code);
    applyTx(this.deps.crypto, this.working, tx, 0, effects);
    const entry: PoolEntry = { tx, wire: item.wire, id: id!.slice(), ...(effects ? { effects } : {}) };
    this.pool.push(entry);
    return verdict(ErrorCode.OK, entry);
  }

  /** Stops the replay at this transaction (ExecutorDeps.onHalt): it gets no verdict, nothing after it is read. */
  private halt(tx: SignedTx, outcome: Result<undefined>): undefined {
    const reason = outcome.ok ? 'no verdict' : outcome.reason;
    this.halted = new BotError(ErrorCode.INTERNAL, `the sandbox failed twice on ${bytesToHex(tx.sender)} seq ${tx.seq}: ${reason}`);
    this.deps.onHalt?.(this.halted);
    return undefined;
  }

  /** The height of the block the next admitted transaction will be in: a cut takes the pool's oldest maxBlockTxs. */
  private blockOfNext(): number {
    return blockOfPoolPosition(this.latest.height, this.pool.length, this.deps.maxBlockTxs);
  }

  /** The worker's check, on this thread: strict decode, signature under `key`, id. */
  private verifyHere(wire: Uint8Array, key: Uint8Array): { code: number; id?: Uint8Array } {
    const { crypto, chainId } = this.deps;
    let tx: SignedTx;
    try {
      tx = decodeTx(wire);
    } catch (error) {
      return { code: error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR };
    }
    let good = false;
    try {
      good = verifyTxSignature(crypto, chainId, tx, key).ok;
    } catch {
      good = false;
    }
    return good ? { code: ErrorCode.OK, id: txId(crypto, wire) } : { code: ErrorCode.BAD_SIGNATURE };
  }

  private cut(message: ChainMessage): void {
    const { crypto, chainId } = this.deps;
    const height = this.latest.height + 1;
    const signers = this.base.validators()!;
    let cut;
    try {
      cut = decodeCut(message.data);
    } catch {
      return; // not a cut marker: nothing to do (the stream is writable by devices on the MQTT listener)
    }
    if (cut.height !== height || !verifyCut(crypto, chainId, signers, cut).ok) return;
    const entries = this.pool.slice(0, this.deps.maxBlockTxs);
    const next = this.base.clone();
    const tree = merkleTree(crypto, entries.map((e) => e.id));
    const time = Math.max(message.timestampMs, this.latest.time + 1);
    // The header names the state's sets (this block's signers, and the next set after its GOVERN
    // transactions); building it also moves the state to the next block (its set, LedgerState.endBlock).
    const header = buildHeader(crypto, { chainId, height, time, prevHash: this.latest.hash }, next, entries, tree.root);
    const hash = headerHash(crypto, header);
    const changes = next.takeTouched();
    const newSet = !equalBytes(header.validatorsHash, this.latestValidatorsHash);
    next.resetBlockQuotas();
    this.base = next;
    this.pool = this.pool.slice(entries.length);
    // The working state's quotas count only what is left for the next block, and its GOVERN
    // approvals are counted in the set that signs that block.
    restartBlockQuotas(this.working, this.pool.map((e) => e.tx));
    this.working.setCurrentValidators(next.validators()!);
    this.latest = { height, hash, time };
    this.latestValidatorsHash = header.validatorsHash;
    this.deps.onExecuted({ height, header, hash, validators: signers, newSet, entries, proofs: tree.proofs(), state: next, changes, cutSeq: message.seq });
  }
}
