// An in-memory gateway and broker for light-peer tests (test layer,
// platform-neutral: the XS scenario uses it too). It is honest by default and
// uses the core's own functions throughout: strict decoding, the registry and
// blocklist contracts (signingKey, admitTx, applyTx), real blocks, commits
// signed by validator keys, Merkle proofs and operator checkpoints. Its
// sessions implement MqttSession with the semantics the peer relies on (QoS 1
// kept until PUBACK and re-sent after a reconnect, retained messages on
// subscribe, messages to an offline device lost). Everything runs on the
// virtual clock with a fixed latency, so a run is deterministic. Hooks let a
// test lose acks, force ack codes, answer requests its own way, tamper with or
// inject messages, cut the network, and change the validator set.

import {
  type Checkpoint, type CryptoProvider, DeviceTopic, ErrorCode, type Genesis, type KeyPair, LedgerState, type LightBlock,
  MAX_HEADER_RANGE, Method, Permission, type Request, type Response, type SignedTx, TxKind, type ValidatorSet,
  admitTx, applyTx, ascii, blockReportBody, BlockReason, buildHeader, bytesToHex, chainIdOf, chainTopics, decodeRequest, decodeTx,
  deviceBody, encodeCbor, encodeCheckpoint, encodeLightBlock, encodeProofMessage, encodeResponse, encodeTx, enrollBody, equalBytes,
  genesisHash, headerHash, hexToBytes, encodeReadingsAnswer, inclusionProofs, keyId, makeValidatorSet, parseDeviceTopic, signCheckpoint, signCommit, signTx,
  signingKey, txId, validatorSetHash, verifyTxSignature, type TxProof, packProofMessages, type InclusionProof, decodeProofMessage,
  type StateProofAnswer, encodeStateAnswer, stateProofParams,
} from '../../src/index.js';
import type { ChainTopics } from '../../src/mqtt/topics.js';
import type { MqttSession, QoS, SessionHandlers } from '../../src/mqtt/session.js';
import type { Clock } from '../../src/ports/index.js';
import { orderedSigners, testKey } from '../support/chain-fixture.js';

export interface FakeGatewayOptions {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  /** Validators in the genesis set (default 3) and its threshold (default 2). */
  readonly validators?: number;
  readonly threshold?: number;
  /** Genesis time (ms); default one second before now. */
  readonly genesisTime?: number;
  /** One-way delay between broker and device (default 5 ms). */
  readonly latencyMs?: number;
  /** A block this often while transactions are pending; 0: only produceBlock() (default 1000). */
  readonly blockIntervalMs?: number;
  /** An empty block at least this often (default 30 000). */
  readonly heartbeatMs?: number;
  /** Checkpoint on the first block and every this many (default 10; 0: never). */
  readonly checkpointEvery?: number;
  /** Delay before a session connects again (default 1000). */
  readonly reconnectMs?: number;
}

/** Rewrites every proof of a proof message (§9.3), for tests that tamper with them. */
export function mapProofs(payload: Uint8Array, f: (proof: InclusionProof, seq: number, height: number) => InclusionProof): Uint8Array {
  const m = decodeProofMessage(payload);
  return encodeProofMessage({ height: m.height, proofs: m.proofs.map(({ seq, proof }) => ({ seq, proof: f(proof, seq, m.height) })) });
}

/** What the gateway does with a received transaction instead of its normal ingest. */
export type AckRule = (tx: SignedTx, device: string) => number | 'drop' | 'lose-ack' | undefined;

export interface StoredBlock {
  readonly height: number;
  readonly block: LightBlock;
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly ids: readonly Uint8Array[];
  readonly set: ValidatorSet;
}

interface PoolEntry {
  readonly tx: SignedTx;
  readonly wire: Uint8Array;
  readonly id: Uint8Array;
}

const KEY_LABELS = Object.freeze(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);

export class FakeGateway {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
  readonly topics: ChainTopics;
  readonly operator: KeyPair;
  /** Every validator key this gateway can sign with (the genesis uses the first `validators`). */
  readonly validatorKeys: readonly KeyPair[];
  readonly latencyMs: number;
  readonly reconnectMs: number;
  readonly blocks: StoredBlock[] = [];
  /** Every transaction received on `up` that decoded: who, which seq, which id. */
  readonly seen: { device: string; seq: number; txId: string; wire: Uint8Array }[] = [];
  readonly acks: { device: string; seq: number; code: number }[] = [];
  readonly requests: { device: string; request: Request }[] = [];
  lastCheckpoint: Checkpoint | undefined;
  networkUp = true;
  autoBlocks: boolean;
  ackRule: AckRule | undefined;
  requestRule: ((device: string, request: Request) => Response | 'drop' | undefined) | undefined;
  /** Rewrites (or, returning undefined, drops) a message to devices. */
  tamper: ((topic: string, payload: Uint8Array) => Uint8Array | undefined) | undefined;
  pushProofs = true;
  refuse: ((clientId: string) => number | undefined) | undefined;

  private currentSet: ValidatorSet;
  private nextSet: ValidatorSet | undefined;
  private working: LedgerState;
  private committed: LedgerState;
  private pool: PoolEntry[] = [];
  private readonly located = new Map<string, { height: number; index: number }>();
  private readonly pending = new Set<string>();
  private readonly retained = new Map<string, Uint8Array>();
  private readonly sessions = new Set<FakeSession>();
  private readonly checkpointEvery: number;
  private readonly heartbeatMs: number;
  private lastBlockAt: number;
  private operatorSeq = 0;
  private reporterSeq = 0;

  constructor(options: FakeGatewayOptions) {
    const { crypto, clock } = options;
    this.crypto = crypto;
    this.clock = clock;
    this.latencyMs = options.latencyMs ?? 5;
    this.reconnectMs = options.reconnectMs ?? 1000;
    this.checkpointEvery = options.checkpointEvery ?? 10;
    this.heartbeatMs = options.heartbeatMs ?? 30_000;
    this.operator = testKey(crypto, 'operator');
    this.validatorKeys = KEY_LABELS.map((label) => testKey(crypto, label));
    const count = options.validators ?? 3;
    this.currentSet = makeValidatorSet(options.threshold ?? 2, this.validatorKeys.slice(0, count).map((k) => k.publicKey));
    this.genesis = Object.freeze({
      name: ascii('fake'),
      time: options.genesisTime ?? clock.now() - 1000,
      permission: Permission.PRIVATE,
      validators: this.currentSet,
      operatorKey: this.operator.publicKey,
    });
    this.chainId = chainIdOf(crypto, this.genesis);
    this.topics = chainTopics(this.chainId);
    this.committed = LedgerState.fromGenesis(crypto, this.genesis);
    this.working = this.committed.clone();
    this.lastBlockAt = clock.now();
    const interval = options.blockIntervalMs ?? 1000;
    this.autoBlocks = interval > 0;
    if (interval > 0) this.scheduleBlocks(interval);
  }

  get height(): number {
    return this.blocks.length;
  }

  get pendingCount(): number {
    return this.pool.length;
  }

  /** A session for a device (its MQTT client id is the device id in hex). */
  session(clientId: string): FakeSession {
    return new FakeSession(this, clientId);
  }

  // --- operator and validator actions, through the same contracts as devices ---

  enroll(publicKey: Uint8Array): void {
    this.submitAsOperator(TxKind.ENROLL, enrollBody(publicKey));
  }

  revoke(deviceId: Uint8Array): void {
    this.submitAsOperator(TxKind.REVOKE, deviceBody(deviceId));
  }

  lift(deviceId: Uint8Array): void {
    this.submitAsOperator(TxKind.BLOCK_LIFT, deviceBody(deviceId));
  }

  /** A validator reports the device (BLOCK_REPORT): from now on it is refused. */
  block(deviceId: Uint8Array): void {
    const reporter = orderedSigners(this.genesis.validators, this.validatorKeys)[0]!;
    const tx = signTx(this.crypto, this.chainId, { kind: TxKind.BLOCK_REPORT, sender: keyId(this.crypto, reporter.publicKey), seq: ++this.reporterSeq, time: this.seconds(), body: blockReportBody(deviceId, BlockReason.FLOOD) }, reporter.privateKey);
    this.requireAdmitted(encodeTx(tx));
  }

  /** The next block announces `set` as its successor; the block after it is signed by `set`. */
  changeValidators(indices: readonly number[], threshold: number): ValidatorSet {
    this.nextSet = makeValidatorSet(threshold, indices.map((i) => this.validatorKeys[i]!.publicKey));
    return this.nextSet;
  }

  /** Cuts a block from everything pending (possibly none), publishes it and pushes proofs. */
  produceBlock(): number {
    const { crypto } = this;
    const height = this.blocks.length + 1;
    const previous = this.blocks[height - 2];
    const entries = this.pool;
    this.pool = [];
    const set = this.currentSet;
    const next = this.nextSet ?? set;
    const state = this.committed.clone();
    const header = buildHeader(crypto, {
      chainId: this.chainId,
      height,
      time: Math.max(this.clock.now(), (previous?.block.header.time ?? this.genesis.time) + 1),
      prevHash: previous?.hash ?? genesisHash(crypto, this.genesis),
      validatorsHash: validatorSetHash(crypto, set),
      nextValidatorsHash: validatorSetHash(crypto, next),
    }, state, entries);
    this.committed = state;
    const hash = headerHash(crypto, header);
    const block = this.signBlock(header, hash, set, previous?.set ?? this.genesis.validators);
    const bytes = encodeLightBlock(block);
    const ids = entries.map((e) => e.id);
    this.blocks.push({ height, block, bytes, hash, ids, set });
    entries.forEach(({ tx }, index) => {
      const key = `${bytesToHex(tx.sender)}:${tx.seq}`;
      this.located.set(key, { height, index });
      this.pending.delete(key);
    });
    this.currentSet = next;
    this.nextSet = undefined;
    this.lastBlockAt = this.clock.now();
    this.send(this.topics.header, bytes, true);
    if (this.pushProofs && entries.length > 0) {
      const proofs = inclusionProofs(crypto, ids);
      // As the gateway (tools/gateway/push-messages.ts): one message per device, as few as SMALL_LIMITS allow.
      const bySender = new Map<string, TxProof[]>();
      entries.forEach(({ tx }, i) => {
        const key = bytesToHex(tx.sender);
        bySender.set(key, [...(bySender.get(key) ?? []), { seq: tx.seq, proof: proofs[i]! }]);
      });
      for (const [sender, list] of bySender) {
        for (const message of packProofMessages(height, list)) this.send(this.topics.device(hexToBytes(sender), DeviceTopic.PROOF), message, false);
      }
    }
    if (this.checkpointEvery > 0 && (height === 1 || height % this.checkpointEvery === 0)) this.publishCheckpoint();
    return height;
  }

  /** Signs the newest header with the operator key and publishes it (retained). */
  publishCheckpoint(): Checkpoint | undefined {
    const latest = this.blocks[this.blocks.length - 1];
    if (!latest) return undefined;
    this.lastCheckpoint = signCheckpoint(this.crypto, latest.block.header, latest.set, this.operator.privateKey);
    this.send(this.topics.checkpoint, encodeCheckpoint(this.lastCheckpoint), true);
    return this.lastCheckpoint;
  }

  /** The commit a gateway would publish: the first `threshold` validators of `set` sign. */
  signBlock(header: LightBlock['header'], hash: Uint8Array, set: ValidatorSet, previousSet: ValidatorSet): LightBlock {
    const signers = orderedSigners(set, this.validatorKeys);
    const commit = signCommit(this.crypto, header.height, hash, signers.slice(0, set.threshold).map((k, index) => ({ index, privateKey: k.privateKey })));
    const changed = !equalBytes(validatorSetHash(this.crypto, previousSet), header.validatorsHash);
    return changed ? { header, commit, validators: set } : { header, commit };
  }

  /** Sends a message to every subscribed device, as the gateway would (tamper applies). */
  send(topic: string, payload: Uint8Array, retain: boolean): void {
    const bytes = this.tamper ? this.tamper(topic, payload) : payload;
    if (bytes === undefined) return;
    this.inject(topic, bytes, retain);
  }

  /** Delivers bytes to every subscribed device as they are: the malicious gateway's voice. */
  inject(topic: string, payload: Uint8Array, retain = false): void {
    if (retain) this.retained.set(topic, payload);
    for (const session of this.sessions) session.deliver(topic, payload, false);
  }

  /** Cuts (or restores) the network: sessions drop and cannot connect until it is back. */
  setNetwork(up: boolean): void {
    this.networkUp = up;
    if (!up) for (const session of [...this.sessions]) session.drop('network down');
  }

  /** Drops one device's connection (it reconnects after reconnectMs). */
  disconnect(clientId: string): void {
    for (const session of [...this.sessions]) if (session.clientId === clientId) session.drop('disconnected by broker');
  }

  /** The seqs of a device's transactions, in the order received. */
  seqsSeen(device: string): number[] {
    return this.seen.filter((s) => s.device === device).map((s) => s.seq);
  }

  /** The account the registry holds for a device (working state). */
  account(deviceId: Uint8Array) {
    return this.working.account(deviceId);
  }

  // --- broker side, called by sessions ---

  attach(session: FakeSession): void {
    this.sessions.add(session);
    for (const [topic, payload] of this.retained) session.deliver(topic, payload, true);
  }

  detach(session: FakeSession): void {
    this.sessions.delete(session);
  }

  receive(session: FakeSession, topic: string, payload: Uint8Array): void {
    if (topic === this.topics.up) {
      this.ingest(payload, session.clientId);
      return;
    }
    const target = parseDeviceTopic(this.chainId, topic);
    // The broker's ACL: a device may only use its own request topic.
    if (!target || target.topic !== DeviceTopic.REQUEST || bytesToHex(target.deviceId) !== session.clientId) return;
    let request: Request;
    try {
      request = decodeRequest(payload);
    } catch {
      return;
    }
    this.requests.push({ device: session.clientId, request });
    const ruled = this.requestRule?.(session.clientId, request);
    if (ruled === 'drop') return;
    const response = ruled ?? this.answer(target.deviceId, request);
    this.send(this.topics.device(target.deviceId, DeviceTopic.RESPONSE), encodeResponse(response), false);
  }

  // --- internals ---

  private ingest(wire: Uint8Array, clientId: string | undefined): number {
    let tx: SignedTx;
    try {
      tx = decodeTx(wire);
    } catch (error) {
      const code = (error as { code?: number }).code ?? ErrorCode.INTERNAL;
      if (clientId) this.ack(clientId, 0, code);
      return code;
    }
    const device = bytesToHex(tx.sender);
    const id = txId(this.crypto, wire);
    this.seen.push({ device, seq: tx.seq, txId: bytesToHex(id), wire });
    const rule = this.ackRule?.(tx, device);
    if (rule === 'drop') return ErrorCode.INTERNAL;
    if (typeof rule === 'number') {
      this.ack(device, tx.seq, rule);
      return rule;
    }
    const code = this.admit(tx, wire, id);
    // As the gateway (docs/protocol.md §9.2): an accepted transaction gets no ack, its proof is the ack.
    if (rule !== 'lose-ack' && code !== ErrorCode.OK) this.ack(device, tx.seq, code);
    return code;
  }

  private admit(tx: SignedTx, wire: Uint8Array, id: Uint8Array): number {
    const key = signingKey(this.working, tx);
    if (!key.ok) return key.code;
    if (!verifyTxSignature(this.crypto, this.chainId, tx, key.value).ok) return ErrorCode.BAD_SIGNATURE;
    const admitted = admitTx(this.crypto, this.working, tx, this.seconds());
    if (!admitted.ok) return admitted.code;
    applyTx(this.crypto, this.working, tx, 0);
    this.pool.push({ tx, wire, id });
    this.pending.add(`${bytesToHex(tx.sender)}:${tx.seq}`);
    return ErrorCode.OK;
  }

  private ack(device: string, seq: number, code: number): void {
    this.acks.push({ device, seq, code });
    this.send(`bot/${bytesToHex(this.chainId)}/d/${device}/${DeviceTopic.ACK}`, encodeCbor([seq, code]), false);
  }

  /** As the gateway answers (protocol §9.4), for the methods a light peer uses. */
  private answer(deviceId: Uint8Array, request: Request): Response {
    const fail = (code: number): Response => ({ id: request.id, code, payloads: [] });
    const p = request.params;
    const uintAt = (i: number) => (typeof p[i] === 'number' && (p[i] as number) >= 0 ? (p[i] as number) : undefined);
    switch (request.method) {
      case Method.HEADER_RANGE: {
        const a = uintAt(0);
        const b = uintAt(1);
        if (a === undefined || b === undefined) return fail(ErrorCode.BAD_SHAPE);
        const from = Math.max(1, a);
        const to = Math.min(b, from + MAX_HEADER_RANGE - 1, this.blocks.length);
        const payloads: Uint8Array[] = [];
        for (let h = from; h <= to; h++) payloads.push(this.blocks[h - 1]!.bytes);
        return { id: request.id, code: ErrorCode.OK, payloads };
      }
      case Method.PROOF: {
        const seq = uintAt(0);
        if (seq === undefined) return fail(ErrorCode.BAD_SHAPE);
        const key = `${bytesToHex(deviceId)}:${seq}`;
        const at = this.located.get(key);
        if (at) {
          const block = this.blocks[at.height - 1]!;
          const proof = inclusionProofs(this.crypto, block.ids)[at.index]!;
          return { id: request.id, code: ErrorCode.OK, payloads: [encodeProofMessage({ height: at.height, proofs: [{ seq, proof }] })] };
        }
        return this.pending.has(key) ? { id: request.id, code: ErrorCode.OK, payloads: [] } : fail(ErrorCode.NOT_FOUND);
      }
      case Method.CHECKPOINT:
        return this.lastCheckpoint ? { id: request.id, code: ErrorCode.OK, payloads: [encodeCheckpoint(this.lastCheckpoint)] } : fail(ErrorCode.NOT_FOUND);
      case Method.STATE: {
        const account = p[1] instanceof Uint8Array ? this.committed.account(p[1]) : undefined;
        if (uintAt(0) !== 0) return fail(ErrorCode.BAD_REQUEST);
        return { id: request.id, code: ErrorCode.OK, payloads: account ? [encodeCbor([account.id, account.key, account.role, account.status, account.lastSeq, account.enrolledAt])] : [] };
      }
      case Method.LATEST_READINGS: {
        const id = p[0];
        if (!(id instanceof Uint8Array) || id.length !== 8) return fail(ErrorCode.BAD_SHAPE);
        const account = this.committed.account(id);
        if (!account) return fail(ErrorCode.NOT_FOUND);
        const latest = this.latestReadings(id);
        return { id: request.id, code: ErrorCode.OK, payloads: latest ? encodeReadingsAnswer({ ...latest, key: account.key }) : [] };
      }
      case Method.STATE_PROOF: {
        let address: { namespace: Uint8Array; key: Uint8Array };
        try {
          address = stateProofParams(p);
        } catch {
          return fail(ErrorCode.BAD_SHAPE);
        }
        if (this.blocks.length === 0) return fail(ErrorCode.NOT_FOUND);
        return { id: request.id, code: ErrorCode.OK, payloads: encodeStateAnswer(this.stateAnswer(address.namespace, address.key)) };
      }
      default:
        return fail(ErrorCode.BAD_REQUEST);
    }
  }

  /** The committed state's entry and proof against the newest block's stateRoot (as the gateway answers STATE_PROOF). */
  stateAnswer(namespace: Uint8Array, key: Uint8Array): StateProofAnswer {
    return { height: this.blocks.length, ...this.committed.prove(this.crypto, namespace, key) };
  }

  /** A device's newest READINGS transaction in a block, with its proof (as the gateway answers LATEST_READINGS). */
  latestReadings(deviceId: Uint8Array): { wire: Uint8Array; height: number; seq: number; proof: InclusionProof } | undefined {
    const hex = bytesToHex(deviceId);
    let best: { wire: Uint8Array; height: number; seq: number; index: number } | undefined;
    for (const s of this.seen) {
      if (s.device !== hex || s.wire[1] !== TxKind.READINGS) continue;
      const at = this.located.get(`${hex}:${s.seq}`);
      if (at && (!best || s.seq > best.seq)) best = { wire: s.wire, height: at.height, seq: s.seq, index: at.index };
    }
    if (!best) return undefined;
    const proof = inclusionProofs(this.crypto, this.blocks[best.height - 1]!.ids)[best.index]!;
    return { wire: best.wire, height: best.height, seq: best.seq, proof };
  }

  private submitAsOperator(kind: TxKind, body: ReturnType<typeof deviceBody>): void {
    const tx = signTx(this.crypto, this.chainId, { kind, sender: keyId(this.crypto, this.operator.publicKey), seq: ++this.operatorSeq, time: this.seconds(), body }, this.operator.privateKey);
    this.requireAdmitted(encodeTx(tx));
  }

  private requireAdmitted(wire: Uint8Array): void {
    const code = this.ingest(wire, undefined);
    if (code !== ErrorCode.OK) throw new Error(`fake gateway refused its own transaction: ${code}`);
  }

  private seconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private scheduleBlocks(interval: number): void {
    this.clock.setTimer(interval, () => {
      if (this.autoBlocks && (this.pool.length > 0 || this.clock.now() - this.lastBlockAt >= this.heartbeatMs)) this.produceBlock();
      this.scheduleBlocks(interval);
    });
  }
}

function matches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

interface Outgoing {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly onDelivered: (() => void) | undefined;
}

/** The device's MQTT session, in memory against a FakeGateway. */
export class FakeSession implements MqttSession {
  /** Every publish the peer made, in order (topic only). */
  readonly publishedTopics: string[] = [];
  private handlers: SessionHandlers | undefined;
  private filters: readonly { topic: string; qos: QoS }[] = [];
  private queue: Outgoing[] = [];
  private epoch = 0;
  private stopped = true;
  private killed = false;
  private isConnected = false;

  constructor(private readonly gateway: FakeGateway, readonly clientId: string) {}

  get connected(): boolean {
    return this.isConnected;
  }

  start(handlers: SessionHandlers): void {
    if (this.killed) return;
    this.handlers = handlers;
    this.stopped = false;
    this.scheduleConnect(this.gateway.latencyMs);
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    if (this.isConnected) this.close();
  }

  /** Power loss: the session vanishes without a word to the peer. */
  kill(): void {
    this.killed = true;
    this.stop();
  }

  subscribe(filters: readonly { topic: string; qos: QoS }[]): void {
    this.filters = [...filters];
  }

  publish(topic: string, payload: Uint8Array, qos: QoS, onDelivered?: () => void): void {
    if (this.killed) return;
    this.publishedTopics.push(topic);
    const item = { topic, payload: payload.slice(), onDelivered };
    if (qos === 1) this.queue.push(item);
    if (this.isConnected) this.transmit(item, qos);
  }

  /** Called by the gateway: delivered after the latency if still connected and subscribed. */
  deliver(topic: string, payload: Uint8Array, retained: boolean): void {
    const epoch = this.epoch;
    this.gateway.clock.setTimer(this.gateway.latencyMs, () => {
      if (epoch !== this.epoch || !this.isConnected || !this.filters.some((f) => matches(f.topic, topic))) return;
      this.handlers?.onMessage(topic, payload.slice(), retained);
    });
  }

  drop(reason: string): void {
    if (!this.isConnected) return;
    this.close();
    this.handlers?.onDisconnect(reason);
    if (!this.stopped) this.scheduleConnect(this.gateway.reconnectMs);
  }

  private close(): void {
    this.isConnected = false;
    this.epoch++;
    this.gateway.detach(this);
  }

  private scheduleConnect(ms: number): void {
    this.gateway.clock.setTimer(ms, () => this.tryConnect());
  }

  private tryConnect(): void {
    if (this.stopped || this.killed || this.isConnected) return;
    if (!this.gateway.networkUp) {
      this.scheduleConnect(this.gateway.reconnectMs);
      return;
    }
    const refusal = this.gateway.refuse?.(this.clientId);
    if (refusal !== undefined) {
      this.handlers?.onRefused(refusal);
      this.scheduleConnect(this.gateway.reconnectMs);
      return;
    }
    this.isConnected = true;
    this.epoch++;
    this.handlers?.onConnect(false);
    if (!this.isConnected) return;
    this.gateway.attach(this);
    // QoS 1 messages without PUBACK go again (DUP), oldest first.
    for (const item of [...this.queue]) this.transmit(item, 1);
  }

  private transmit(item: Outgoing, qos: QoS): void {
    const epoch = this.epoch;
    const { clock, latencyMs } = this.gateway;
    clock.setTimer(latencyMs, () => {
      if (epoch !== this.epoch) return;
      this.gateway.receive(this, item.topic, item.payload);
      if (qos === 0) return;
      clock.setTimer(latencyMs, () => {
        if (epoch !== this.epoch) return; // PUBACK lost with the connection: sent again on the next one
        this.queue = this.queue.filter((q) => q !== item);
        item.onDelivered?.();
      });
    });
  }
}
