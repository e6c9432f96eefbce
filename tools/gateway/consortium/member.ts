// A consortium member's gateway (tools layer): the composition root that wires the chain
// stream (ordering-port.ts, NATS JetStream), the deterministic replay (member-executor.ts),
// commit gathering (vote-book.ts), the cut schedule, the member's own embedded broker
// (member-entry.ts) and, optionally, the devices on a NATS MQTT listener.
//
// Durable record: the replicated stream holds every transaction; the member's SQLite store
// holds the blocks it committed (each with `threshold` members' signatures) and their state.
// On restart it drops its pending pool and replays the stream from the cut of its newest
// stored block (stream-position in the data dir; an older position only replays more, and
// what a block already holds then gets REPLAY and is skipped).

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BlockReason, type CryptoProvider, ErrorCode, LedgerState, TxKind, blockReportBody, bytesToHex, chainTopics,
  decodeLightBlock, isFrostSet, encodeLightBlock, encodeTx, equalBytes, genesisHash, hexToBytes, keyId, signTx, validatorSetHash,
} from '../../../src/index.js';
import { encodeCut, signCut } from '../../../src/chain/cut.js';
import { type Vote, decodeVote, encodeVote, signVote } from '../../../src/chain/vote.js';
import { createNativeCrypto } from '../../../hosts/node/crypto-secp256k1-node.js';
import type { Bus } from '../bus.js';
import { startAedesBus } from '../bus-aedes.js';
import { startMqttBus } from '../bus-mqtt.js';
import { ConnectGuard } from '../connect-guard.js';
import { restoreCommittedState } from '../restore-state.js';
import { ContractSandbox, type ContractSandboxOptions } from '../contract-sandbox/contract-sandbox.js';
import { DeployedHost } from '../contract-sandbox/deployed-host.js';
import { type ChainFiles, loadChain } from '../data-dir.js';
import { type HttpApi, startHttpApi } from '../http-api.js';
import type { LedgerStore } from '../ledger-store.js';
import { createGatewayMetrics } from '../metrics.js';
import { pushAck, pushProofs } from '../push-messages.js';
import { Queries } from '../queries.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from '../rate-limiter.js';
import { openInOrder } from '../open-in-order.js';
import { openSqliteStore } from '../store-sqlite.js';
import { readTxHeader } from '../tx-header.js';
import { createVerifyPool } from '../verify-pool.js';
import { MemberEntry } from './member-entry.js';
import { type ExecutedBlock, MemberExecutor, type Verdict } from './member-executor.js';
import type { OrderingPort, Stoppable } from './ordering-port.js';
import { MAX_HEIGHTS_AHEAD, VoteBook } from './vote-book.js';
import { readFrostKeys } from './frost-keys.js';
import { type SignedFrostMessage, decodeFrostMessage, isFrostMessage } from './frost-messages.js';
import { NonceJournal } from './frost-nonce-journal.js';
import { type ParticipationStore, openParticipationStore } from './frost-participation.js';
import { FrostSigning } from './frost-signing.js';

export interface MemberTiming {
  /** Milliseconds between blocks while transactions are pending. */
  readonly intervalMs: number;
  /** An empty block at least this often. */
  readonly heartbeatMs: number;
  /** How long the next member in rotation waits for a proposer that says nothing. */
  readonly takeoverMs: number;
  /** A chain constant: every member must use the same value (docs/protocol.md §6.8). */
  readonly maxBlockTxs: number;
}

export const DEFAULT_MEMBER_TIMING: MemberTiming = Object.freeze({ intervalMs: 1000, heartbeatMs: 30_000, takeoverMs: 2000, maxBlockTxs: 4096 });

export interface MemberOptions {
  readonly dataDir: string;
  /** The chain stream (NATS JetStream in production, nats-ordering.ts). */
  readonly ordering: (chainHex: string, memberName: string) => Promise<OrderingPort>;
  /** Embedded broker for this member's devices; port 0 picks a free one. */
  readonly mqttHost?: string;
  readonly mqttPort?: number;
  /** A NATS MQTT listener (mqtt://host:port) whose devices this member helps answer, with `serveListener`. */
  readonly listenerUrl?: string;
  readonly httpHost?: string;
  /** Port 0 picks a free one; undefined or -1 turns HTTP off. */
  readonly httpPort?: number;
  readonly timing?: Partial<MemberTiming>;
  readonly rateLimits?: Partial<RateLimits>;
  readonly verifyWorkers?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** The member cannot go on (its store failed, or its sandbox failed on a transaction twice: MemberExecutor onHalt): the process should restart it. */
  readonly onFatal?: (error: unknown) => void;
  /** Tests only: this member sends bad FROST partial signatures. */
  readonly badFrostPartials?: boolean;
  /** Limits of the deployed contracts' sandbox: every member must use the same. */
  readonly sandbox?: ContractSandboxOptions;
}

export interface MemberBlock {
  readonly height: number;
  readonly txCount: number;
}

export interface Member {
  readonly chain: ChainFiles;
  readonly name: string;
  readonly mqttUrl: string;
  readonly httpUrl: string | undefined;
  readonly store: LedgerStore;
  readonly votes: VoteBook;
  /** FROST signing (when a set it signs for is a FROST set): participation records, stats. */
  readonly frost: FrostSigning;
  /** Time from executing a block to holding its commit (ECDSA votes or FROST signature), over the blocks this run committed. */
  readonly commitLatency: { readonly blocks: number; readonly totalMs: number; readonly maxMs: number };
  /** Newest block with a commit, stored. */
  readonly height: number;
  /** Newest block executed (its commit may still be gathering). */
  readonly executedHeight: number;
  /** Transactions admitted and not in an executed block yet. */
  readonly pending: number;
  /**
   * forwarded and refused: this member's broker's front door (member-entry.ts); admitted and
   * replayRefused: its replay of the whole stream, by code (the same at every member).
   */
  readonly stats: {
    readonly forwarded: number;
    readonly admitted: number;
    readonly refused: Readonly<Record<string, number>>;
    readonly replayRefused: Readonly<Record<string, number>>;
  };
  working(): LedgerState;
  /** Committed state (after `height`). */
  committed(): LedgerState;
  /** Runs deployed contracts (the replay's admission, queries). */
  readonly deployed: DeployedHost;
  onBlock(listener: (block: MemberBlock) => void): () => void;
  close(): Promise<void>;
}

/** Blocks executed but not yet committed before the proposer stops cutting more. */
const MAX_UNCOMMITTED = 4;
/** Transactions this member answers for (its devices' and the listener's it picked up), bounded. */
const MAX_OWNED = 200_000;

type Owner = 'local' | 'listener';

export function startMember(options: MemberOptions): Promise<Member> {
  return openInOrder((opened) => assemble(options, opened));
}

async function assemble(options: MemberOptions, opened: (() => unknown)[]): Promise<Member> {
  const crypto: CryptoProvider = createNativeCrypto();
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const timing: MemberTiming = { ...DEFAULT_MEMBER_TIMING, ...options.timing };
  const chain = loadChain(crypto, options.dataDir);
  const { genesis, chainId } = chain;
  const chainHex = bytesToHex(chainId);
  const topics = chainTopics(chainId);
  const memberKey = chain.gatewayKey;
  const memberId = keyId(crypto, memberKey.publicKey);
  const name = `member-${bytesToHex(memberId).slice(0, 8)}`;

  const store = openSqliteStore(chain.ledgerPath);
  opened.push(() => store.close());
  store.dropPending();
  // Who signed each group commit (a table beside the ledger's, frost-participation.ts).
  const participation: ParticipationStore = openParticipationStore(chain.ledgerPath);
  opened.push(() => participation.close());
  const latestBlock = store.latestBlock();
  // Every leaf as stored, checked against the newest header's stateRoot.
  let committed = restoreCommittedState(crypto, genesis, store);
  const latestHeader = latestBlock ? decodeLightBlock(latestBlock.lightBlock).header : undefined;
  const latest = latestBlock
    ? { height: latestBlock.height, hash: latestBlock.hash, time: latestBlock.time }
    : { height: 0, hash: genesisHash(crypto, genesis), time: genesis.time };
  const positionPath = join(options.dataDir, 'stream-position.json');
  const position = readPosition(positionPath, latest.height);
  log(`${name}: chain ${chainHex}, height ${latest.height}, replaying the stream from ${position + 1}`);

  const ordering = await options.ordering(chainHex, name);
  opened.push(() => ordering.close());
  const pool = createVerifyPool({ chainId, ...(options.verifyWorkers ? { workers: options.verifyWorkers } : {}) });
  opened.push(() => pool.close());

  const owners = new Map<string, Owner>();
  const own = (sender: Uint8Array, seq: number, owner: Owner) => {
    if (owners.size >= MAX_OWNED) owners.delete(owners.keys().next().value!);
    owners.set(`${bytesToHex(sender)}:${seq}`, owner);
  };
  const stats = { forwarded: 0, admitted: 0, replayRefused: {} as Record<string, number> };
  const queue: ExecutedBlock[] = [];
  /** Admitted transactions not yet in a stored block (sender hex:seq), for PROOF requests (§9.4). */
  const pending = new Set<string>();
  const votes = new VoteBook(crypto, latest.height);
  // FROST: this member's share for the group key of the set that signs each height (one file pair
  // per group key, frost-keys.ts), and its nonce journal (a file from the first nonce on).
  const journal = new NonceJournal(options.dataDir);
  opened.push(() => journal.close());
  const frost = new FrostSigning({
    crypto, chainId, memberKey: memberKey.publicKey, memberPrivateKey: memberKey.privateKey, shares: (groupKey) => readFrostKeys(options.dataDir, groupKey), journal, now, takeoverMs: timing.takeoverMs, evidence: votes, log: (line) => log(`${name}: ${line}`),
    publish: (message) => void ordering.publishVote(message).catch((error) => log(`${name}: FROST message not published: ${String(error)}`)),
    ...(options.badFrostPartials ? { sendBadPartials: true } : {}),
  }, latest.height);
  const executedAt = new Map<number, number>();
  const commitLatency = { blocks: 0, totalMs: 0, maxMs: 0 };
  const blockListeners = new Set<(block: MemberBlock) => void>();
  let height = latest.height;
  let lastCutSeenAt = now();
  let closed = false;
  /** Whether the replay has read the whole chain stream (as of its last batch). */
  let chainCaughtUp = false;
  /** Wakes a vote that waits for the commits to catch up (below). */
  const commitWaiters: (() => void)[] = [];
  let buses: { local: Bus; listener: Bus | undefined };

  const fatal = (why: string, error: unknown) => {
    log(`${name}: stopping, ${why}: ${String(error)}`);
    options.onFatal?.(error);
  };

  const deployed = new DeployedHost(crypto, new ContractSandbox(options.sandbox));
  opened.push(() => deployed.close());
  const executor = new MemberExecutor(
    {
      crypto, chainId, maxBlockTxs: timing.maxBlockTxs, deployed,
      check: (jobs) => pool.check(jobs),
      onVerdicts: (verdicts) => onVerdicts(verdicts),
      onExecuted: (block) => onExecuted(block),
      onHalt: (error) => fatal('the replay halted', error),
    },
    { state: committed, latest, latestValidatorsHash: latestHeader?.validatorsHash ?? validatorSetHash(crypto, genesis.validators) },
  );

  function onVerdicts(verdicts: readonly Verdict[]): void {
    for (const v of verdicts) {
      if (v.entry) {
        stats.admitted++;
        pending.add(`${bytesToHex(v.entry.tx.sender)}:${v.entry.tx.seq}`);
      }
      if (v.code !== ErrorCode.OK) stats.replayRefused[v.code] = (stats.replayRefused[v.code] ?? 0) + 1;
      if (v.sender === undefined) continue;
      const key = `${bytesToHex(v.sender)}:${v.seq}`;
      const owner = owners.get(key);
      if (v.code !== ErrorCode.OK) owners.delete(key);
      // A transaction that did not verify has no sender to trust: only a connection bound to that device hears of it.
      if (owner === 'local' || (owner === 'listener' && v.verified)) pushAck(busOf(owner), topics, v.sender, v.seq, v.code);
      if (v.verified && equalBytes(v.sender, memberId)) reportDecided(v.seq);
      // Admitted, a report holds at every member from here on: this member's broker drops the device now.
      const tx = v.entry?.tx;
      if (tx?.kind === TxKind.BLOCK_REPORT) buses.local.disconnect(bytesToHex((tx.body as Uint8Array[])[0]!));
    }
  }

  function busOf(owner: Owner): Bus {
    return owner === 'listener' && buses.listener ? buses.listener : buses.local;
  }

  function onExecuted(block: ExecutedBlock): void {
    lastCutSeenAt = now();
    queue.push(block);
    executedAt.set(block.height, now());
    if (isFrostSet(block.validators)) {
      frost.onExecuted(block.height, block.hash, block.validators);
      return tryCommit();
    }
    const index = block.validators.keys.findIndex((k) => equalBytes(k, memberKey.publicKey));
    if (index >= 0) {
      const vote = signVote(crypto, block.height, block.hash, index, memberKey.privateKey);
      votes.add(vote);
      ordering.publishVote(encodeVote(vote)).catch((error) => log(`${name}: vote for ${block.height} not published: ${String(error)}`));
    }
    tryCommit();
  }

  function tryCommit(): void {
    while (queue.length > 0 && !closed) {
      const block = queue[0]!;
      const commit = isFrostSet(block.validators) ? frost.commitOf(block.height, block.hash) : votes.commitOf(block);
      if (!commit) return;
      const lightBlock = encodeLightBlock({ header: block.header, commit, ...(block.newSet ? { validators: block.validators } : {}) });
      try {
        // The stream holds every admitted transaction durably: the store takes a block's at once
        // (a crash between the two writes leaves pending rows that the next start drops).
        const receivedAt = now();
        if (commit.groupSignature) recordParticipation(block);
        store.appendPending(block.entries.map(({ tx, wire, id }) => ({ wire, txId: id, sender: tx.sender, seq: tx.seq, kind: tx.kind, time: tx.time, receivedAt })));
        store.commitBlock({ height: block.height, hash: block.hash, time: block.header.time, txCount: block.entries.length, lightBlock }, block.changes);
      } catch (error) {
        return fatal('the store failed', error);
      }
      writePosition(positionPath, block.height, block.cutSeq);
      queue.shift();
      for (const { tx } of block.entries) pending.delete(`${bytesToHex(tx.sender)}:${tx.seq}`);
      committed = block.state;
      height = block.height;
      votes.committed(block.height);
      frost.committed(block.height);
      const started = executedAt.get(block.height);
      executedAt.delete(block.height);
      if (started !== undefined) {
        const ms = now() - started;
        commitLatency.blocks++;
        commitLatency.totalMs += ms;
        commitLatency.maxMs = Math.max(commitLatency.maxMs, ms);
      }
      publishBlock(block, lightBlock);
      for (const wake of commitWaiters.splice(0)) wake();
    }
  }

  /** Before the block is stored: coordinator, signers and group signature of its FROST commit, when known. */
  function recordParticipation(block: ExecutedBlock): void {
    const signed = frost.signedBy(block.height, block.hash);
    if (!signed) return log(`${name}: who signed block ${block.height} is not known here (not recorded)`);
    try {
      participation.record({
        height: block.height, headerHash: block.hash, coordinator: signed.coordinator, groupSignature: signed.groupSignature,
        signers: signed.signers.map((index) => ({ index, key: block.validators.keys[index]! })),
      });
    } catch (error) {
      log(`${name}: who signed block ${block.height} not recorded: ${String(error)}`);
    }
  }

  function publishBlock(block: ExecutedBlock, lightBlock: Uint8Array): void {
    const mine = { local: [] as number[], listener: [] as number[] };
    block.entries.forEach((entry, i) => {
      const key = `${bytesToHex(entry.tx.sender)}:${entry.tx.seq}`;
      const owner = owners.get(key);
      if (!owner) return;
      owners.delete(key);
      mine[owner].push(i);
    });
    for (const [owner, bus] of [['local', buses.local], ['listener', buses.listener]] as const) {
      if (!bus) continue;
      // Proofs go out once the header is delivered: a device needs it to check them.
      bus.publish(topics.header, lightBlock, { qos: 1, retain: true }).catch(() => {}).then(() => {
        const picked = mine[owner];
        pushProofs(bus, topics, block.height, picked.map((i) => block.entries[i]!), picked.map((i) => block.proofs[i]!));
      });
    }
    log(`${name}: block ${block.height}: ${block.entries.length} transactions`);
    for (const listener of blockListeners) {
      try {
        listener({ height: block.height, txCount: block.entries.length });
      } catch {
        // a listener failing must not stop the member
      }
    }
  }

  // This member's own transactions (BLOCK_REPORT): their seq follows the newest of its account
  // in the working state and of its own reports. Right after a restart the replay may not have
  // reached this member's last report yet, and the member key may also sign elsewhere (its
  // operator's enrolments): a report whose seq was taken comes back REPLAY, is forgotten, and the
  // device's next flood signal reports it again with a seq above both.
  let ownSeq = 0;
  // Reports in the stream whose verdict this member has not replayed yet: device hex by seq.
  const reporting = new Map<number, string>();
  const reportDecided = (seq: number) => void reporting.delete(seq);
  const report = (sender: Uint8Array) => {
    const hex = bytesToHex(sender);
    const working = executor.workingState();
    // Once admitted, the block entry says it (until a BLOCK_LIFT: then a new flood is reported again).
    if (working.blockEntry(sender) || [...reporting.values()].includes(hex)) return;
    const seq = ownSeq = Math.max(ownSeq, working.account(memberId)?.lastSeq ?? 0) + 1;
    reporting.set(seq, hex);
    const tx = signTx(crypto, chainId, { kind: TxKind.BLOCK_REPORT, sender: memberId, seq, time: Math.floor(now() / 1000), body: blockReportBody(sender, BlockReason.FLOOD) }, memberKey.privateKey);
    log(`${name}: reporting ${hex} for flooding`);
    ordering.publishTx(encodeTx(tx)).catch((error) => {
      reporting.delete(seq);
      log(`${name}: report of ${hex} not published: ${String(error)}`);
    });
  };

  const rate = new RateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits });
  const entry = new MemberEntry({
    crypto, chainId, rate, now,
    working: () => executor.workingState(),
    forward: (wire) => ordering.publishTx(wire),
    own: (sender, seq) => own(sender, seq, 'local'),
    answer: (conn, seq, code) => pushAck(buses.local, topics, hexToBytes(conn), seq, code),
    onFlood: report,
  });
  const guard = new ConnectGuard({ crypto, chainId, working: () => executor.workingState(), now });
  const isBlocked = (clientId: string) => /^[0-9a-f]{16}$/.test(clientId) && executor.workingState().blockEntry(hexToBytes(clientId)) !== undefined;
  const local = await startAedesBus({
    host: options.mqttHost ?? '127.0.0.1', port: options.mqttPort ?? 1883, chainHex, isBlocked,
    authenticate: (clientId, username, password) => guard.check(clientId, username, password), log,
  });
  opened.push(() => local.close());
  const listener = options.listenerUrl ? await startMqttBus({ url: options.listenerUrl, clientId: `botpeer-${name}` }) : undefined;
  if (listener) opened.push(() => listener.close());
  buses = { local, listener };

  const queriesFor = (bus: Bus) => new Queries({
    crypto, chainId, topics, store, bus,
    isPending: (sender, seq) => pending.has(`${bytesToHex(sender)}:${seq}`),
    genesisValidators: genesis.validators,
    committed: () => committed,
    checkpoint: () => undefined,
  });
  const localQueries = queriesFor(local);
  await local.onMessage(topics.up, (_topic, payload, clientId) => entry.handle(payload, clientId));
  await local.onMessage(topics.allRequests, (topic, payload) => localQueries.handle(topic, payload));
  if (listener && ordering.serveListener) {
    const listenerQueries = queriesFor(listener);
    // One live member (a NATS queue group) picks up each listener device's publish: it answers that transaction.
    await ordering.serveListener({
      onUp: (wire) => {
        const tx = wire.length <= 4096 ? readSenderSeq(wire) : undefined;
        if (tx) own(tx.sender, tx.seq, 'listener');
      },
      onRequest: (topic, payload) => listenerQueries.handle(topic, payload),
    });
  }

  const stoppers: Stoppable[] = [];
  stoppers.push(await ordering.consumeVotes(async (bytes) => {
    let vote: Vote | undefined;
    let frostMessage: SignedFrostMessage | undefined;
    try {
      if (isFrostMessage(bytes)) frostMessage = decodeFrostMessage(bytes);
      else vote = decodeVote(bytes);
    } catch {
      return; // not a vote: the vote stream is written by members only, but bytes are checked anyway
    }
    const voteHeight = (vote ?? frostMessage)!.height;
    // A member catching up reads votes faster than it replays blocks: it waits for its commits (the
    // vote stream waits with it) instead of dropping votes it will need. Once the replay has caught
    // up, a vote still that far ahead is for no block that exists, and the book drops it.
    while (!closed && voteHeight > height + MAX_HEIGHTS_AHEAD && !(chainCaughtUp && voteHeight > executor.executedHeight + MAX_HEIGHTS_AHEAD)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        commitWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (vote) votes.add(vote);
    else frost.onMessage(frostMessage!);
    tryCommit();
  }));
  stoppers.push(await ordering.consumeChain(position + 1, (batch) => {
    chainCaughtUp = batch[batch.length - 1]!.pending === 0;
    return executor.handle(batch);
  }));

  // The cut schedule: the member whose turn it is (height mod n) cuts when a block is due; the
  // next ones in rotation step in, each `takeoverMs` later, if it says nothing.
  let cutSentFor = 0;
  let cutSentAt = 0;
  const tick = () => {
    if (closed) return;
    // FROST coordinators: takeovers, timeouts and retries.
    frost.tick();
    tryCommit();
    if (queue.length >= MAX_UNCOMMITTED) return;
    const next = executor.executedHeight + 1;
    const set = executor.nextSigners();
    const index = set.keys.findIndex((k) => equalBytes(k, memberKey.publicKey));
    if (index < 0) return;
    const n = set.keys.length;
    const turn = (index - (next % n) + n) % n;
    const pending = executor.poolSize;
    const due = pending >= timing.maxBlockTxs ? 0 : pending > 0 ? timing.intervalMs : timing.heartbeatMs;
    const at = now();
    if (at - lastCutSeenAt < due + turn * timing.takeoverMs) return;
    // One cut per height, sent again only if it has not been seen after a whole rotation.
    if (cutSentFor === next && at - cutSentAt < n * timing.takeoverMs) return;
    cutSentFor = next;
    cutSentAt = at;
    ordering.publishCut(encodeCut(signCut(crypto, chainId, next, index, memberKey.privateKey))).catch((error) => log(`${name}: cut ${next} not published: ${String(error)}`));
  };
  const timer = setInterval(tick, Math.max(1, Math.floor(Math.min(timing.intervalMs, timing.takeoverMs) / 4)));
  opened.push(() => clearInterval(timer));

  let http: HttpApi | undefined;
  const metrics = createGatewayMetrics({
    ingest: () => ({ received: entry.stats.forwarded, accepted: stats.admitted, rejected: entry.stats.refused }),
    pending: () => executor.poolSize,
    height: () => height,
    verifyQueue: () => pool.queuedJobs(),
    brokerConnections: () => local.connections?.(),
    transactions: () => store.txCount(),
    httpQueued: () => http?.queuedReads() ?? 0,
    stateNodes: () => committed.stateTreeStats()?.nodes,
  });
  const onBlock = (listener: (block: MemberBlock) => void) => {
    blockListeners.add(listener);
    return () => void blockListeners.delete(listener);
  };
  if (options.httpPort !== undefined && options.httpPort >= 0) {
    http = await startHttpApi({
      crypto, chain, store, mqttUrl: local.url, host: options.httpHost ?? '127.0.0.1', port: options.httpPort,
      status: () => ({ height, pending: executor.poolSize, ingest: { received: entry.stats.forwarded, accepted: stats.admitted, rejected: entry.stats.refused } }),
      working: () => executor.workingState(), committed: () => committed, checkpoint: () => undefined, metrics,
      onBlock: (l) => onBlock((b) => l(b)),
      participation: (h) => participation.get(h),
      deployed, height: () => height,
    });
    opened.push(() => http!.close());
  }

  return {
    chain, name, store, votes, frost,
    get commitLatency() { return { ...commitLatency }; },
    mqttUrl: local.url,
    httpUrl: http?.url,
    get height() { return height; },
    get executedHeight() { return executor.executedHeight; },
    get pending() { return executor.poolSize; },
    get stats() { return { forwarded: entry.stats.forwarded, admitted: stats.admitted, refused: entry.stats.refused, replayRefused: stats.replayRefused }; },
    working: () => executor.workingState(),
    committed: () => committed,
    deployed,
    onBlock,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const s of stoppers) await s.stop().catch(() => {});
      await executor.drain().catch(() => {});
      await http?.close();
      await listener?.close();
      await local.close();
      await ordering.close();
      await pool.close();
      await deployed.close();
      store.close();
      participation.close();
      journal?.close();
    },
  };
}

/** Sender and seq of a wire, when its header reads (the listener's publishes are not trusted beyond that). */
function readSenderSeq(wire: Uint8Array): { sender: Uint8Array; seq: number } | undefined {
  const tx = readTxHeader(wire);
  return tx ? { sender: tx.sender.slice(), seq: tx.seq } : undefined;
}

function readPosition(path: string, height: number): number {
  if (!existsSync(path)) return 0;
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { height: number; seq: number };
    // Written after the block's commit: a position for a block the store does not hold is from another ledger.
    return saved.height <= height && Number.isSafeInteger(saved.seq) && saved.seq >= 0 ? saved.seq : 0;
  } catch {
    return 0;
  }
}

function writePosition(path: string, height: number, seq: number): void {
  // Not fsynced: a position that is lost or older only makes the next start replay more.
  writeFileSync(`${path}.tmp`, JSON.stringify({ height, seq }));
  renameSync(`${path}.tmp`, path);
}
