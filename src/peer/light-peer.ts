// The light BoT peer (core layer): samples sensors, signs batches of readings
// into READINGS transactions, keeps them in the persistent outbox until they are
// final, sends them over the MQTT session, and verifies headers and inclusion
// proofs itself. Everything it touches comes in through ports (ports.ts,
// session.ts), so the same code runs on an ESP32 under XS and on Node.
//
// Life of a reading: sample → batch (batchSize rounds) → seq reserved (durable
// ceiling) → signed → appended to the outbox → published (QoS 1) → ack →
// proof checked against a header the peer verified → final: removed from the
// outbox. The parts: reading-batcher.ts, seq-reservation.ts, tx-sender.ts (acks,
// proofs, retries), header-sync.ts (trust), request-table.ts (request/response).
// Every handler the host calls catches everything: bad input is reported (event,
// counter, lastError) and never escapes as an exception.

import { bytesToHex, equalBytes } from '../codec/bytes.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode, errorName } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { chainIdOf } from '../chain/genesis.js';
import { MAX_SERIES, MAX_READINGS_PER_TX, MIN_SCALE, MAX_SCALE, readingsBody } from '../tx/bodies.js';
import { makeEnrollRequest } from '../tx/enroll-request.js';
import { type KeyPair, keyId } from '../tx/identity.js';
import { Quantity, TxKind } from '../tx/kinds.js';
import { decodeTx, encodeTx, signTx } from '../tx/tx.js';
import { checkPow, mintPowNonce, selfEnrollBody } from '../tx/self-enroll.js';
import { concatBytes } from '../codec/bytes.js';
import { type CborValue } from '../codec/cbor.js';
import { MAX_REQUEST_ID, type Method, decodeResponse } from '../mqtt/messages.js';
import type { MqttSession, QoS, SessionHandlers } from '../mqtt/session.js';
import { DeviceTopic, chainTopics } from '../mqtt/topics.js';
import { HeaderSync } from './header-sync.js';
import { StoreKey, loadOrCreateKeyPair, storedPowNonce } from './identity-store.js';
import type { PeerConfig } from './peer-config.js';
import type { PeerContext } from './peer-context.js';
import { type PeerError, type PeerEvent, PeerState, type PeerStatus, newCounters } from './peer-status.js';
import type { Clock } from '../ports/clock.js';
import { type Log, LogLevel } from '../ports/log.js';
import type { RandomSource } from '../ports/random.js';
import type { Sensor } from '../ports/sensor.js';
import type { KeyValueStore, OutboxStore } from '../ports/storage.js';
import { ReadingBatcher, type SealedBatch } from './reading-batcher.js';
import { RequestTable } from './request-table.js';
import { SeqReservation } from './seq-reservation.js';
import { TxSender, isHoldCode } from './tx-sender.js';
import { RuleWatcher } from './rule-watcher.js';
import { StateProver } from './state-prover.js';
import type { StateFact } from '../light/verify-state-answer.js';
import type { Actuator } from '../ports/actuator.js';

export interface PeerPorts {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly store: KeyValueStore;
  readonly outbox: OutboxStore;
  readonly sensors: readonly Sensor[];
  readonly session: MqttSession;
  readonly log: Log;
  /** What the watch rules switch (config.rules name them); none when the device acts on nothing. */
  readonly actuators?: readonly Actuator[];
}

export interface LightPeer {
  readonly deviceId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The enrolment request (makeEnrollRequest) to print for `botpeer device enroll`. */
  enrollRequest(): Uint8Array;
  /** Starts the session, the sampling timer and the maintenance timer. */
  start(): void;
  /** Stops timers and the session; persistent state stays consistent (the outbox and the seq ceiling are always durable). */
  stop(): void;
  /** Takes one sampling round now (tests, benches). */
  sampleNow(): void;
  status(): PeerStatus;
  /** Returns a function that removes the listener. */
  onEvent(listener: (event: PeerEvent) => void): () => void;
  /**
   * The value of `key` in the contract state under `namespace` (a ContractId's contractNamespace, or a
   * deployed contract's hash), proven against a header this peer verified itself (STATE_PROOF, §9.4).
   * Rejects with a BotError: the check that failed (BAD_PROOF, PROOF_SHAPE, UNVERIFIED_HEADER, 1xx),
   * the gateway's refusal code, or NO_ANSWER (offline, too many open, timed out).
   */
  proveState(namespace: Uint8Array, key: Uint8Array): Promise<StateFact>;
}

/** Housekeeping period: timeouts, retries, proof requests, re-checks. */
export const MAINTENANCE_MS = 1000;

const quantities: ReadonlySet<number> = new Set(Object.values(Quantity));

function badConfig(detail: string): never {
  throw new BotError(ErrorCode.BAD_PEER_CONFIG, detail);
}

/** Loads (or on first boot makes) the device key, takes over the outbox, and returns a stopped peer. Throws BotError on bad configuration or unreadable storage. */
/**
 * `keys`: the device's key pair when the host already loaded it (assemblePeer does, for the
 * MQTT client id); otherwise it is loaded from the store, or made on first boot.
 */
export function createLightPeer(config: PeerConfig, ports: PeerPorts, keys?: KeyPair): LightPeer {
  if (ports.outbox.capacity !== config.outboxCapacity) badConfig(`outbox capacity ${ports.outbox.capacity} ≠ outboxCapacity ${config.outboxCapacity}`);
  const { sensors } = ports;
  if (sensors.length < 1 || sensors.length > MAX_SERIES) badConfig(`1..${MAX_SERIES} sensors`);
  if (sensors.length * config.batchSize > MAX_READINGS_PER_TX) badConfig(`sensors × batchSize must be at most ${MAX_READINGS_PER_TX}`);
  for (const sensor of sensors) {
    if (!quantities.has(sensor.quantity)) badConfig(`unknown quantity ${sensor.quantity}`);
    if (!Number.isInteger(sensor.scale) || sensor.scale < MIN_SCALE || sensor.scale > MAX_SCALE) badConfig(`scale must be in ${MIN_SCALE}..${MAX_SCALE}`);
  }
  const names = new Set<string>();
  for (const actuator of ports.actuators ?? []) {
    if (typeof actuator.name !== 'string' || names.has(actuator.name) || typeof actuator.set !== 'function') badConfig(`actuator names must be unique, each with a set function`);
    names.add(actuator.name);
  }
  for (const rule of config.rules) if (!names.has(rule.actuator)) badConfig(`rule names actuator ${rule.actuator}, which the host does not provide`);
  return new Peer(config, ports, keys ?? loadOrCreateKeyPair(ports.crypto, ports.store, ports.random));
}

class Peer implements LightPeer {
  readonly deviceId: Uint8Array;
  readonly publicKey: Uint8Array;
  private readonly ctx: PeerContext;
  private readonly chainId: Uint8Array;
  private readonly requests: RequestTable;
  private readonly headers: HeaderSync;
  private readonly sender: TxSender;
  private readonly seqs: SeqReservation;
  private readonly batcher: ReadingBatcher;
  private readonly rules: RuleWatcher | undefined;
  private readonly prover: StateProver;
  private readonly listeners: ((event: PeerEvent) => void)[] = [];
  private readonly counters = newCounters();
  private lastError: PeerError | undefined;
  private state: PeerState = PeerState.OFFLINE;
  private running = false;
  private connected = false;
  /** MQTT CONNACK code while the broker refuses this device. */
  private refused: number | undefined;
  /** The gateway accepted a transaction of this device on this chain, now or on an earlier boot (StoreKey.ACCEPTED). */
  private accepted: boolean;
  private cancelSample: (() => void) | undefined;
  private cancelTick: (() => void) | undefined;
  private nextSampleAt = 0;

  constructor(private readonly config: PeerConfig, private readonly ports: PeerPorts, private readonly keys: KeyPair) {
    const { crypto, session } = ports;
    this.deviceId = keyId(crypto, keys.publicKey);
    this.publicKey = keys.publicKey;
    this.chainId = chainIdOf(crypto, config.genesis);
    const acceptedOn = ports.store.get(StoreKey.ACCEPTED);
    this.accepted = acceptedOn !== undefined && equalBytes(acceptedOn, this.chainId);
    const topics = chainTopics(this.chainId);
    const deviceTopics = Object.freeze({
      ack: topics.device(this.deviceId, DeviceTopic.ACK),
      proof: topics.device(this.deviceId, DeviceTopic.PROOF),
      request: topics.device(this.deviceId, DeviceTopic.REQUEST),
      response: topics.device(this.deviceId, DeviceTopic.RESPONSE),
    });
    const r = ports.random(4);
    const firstRequestId = 1 + ((((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0) % MAX_REQUEST_ID);
    this.requests = new RequestTable(session, deviceTopics.request, firstRequestId);
    this.ctx = {
      config, crypto, session, clock: ports.clock, store: ports.store, outbox: ports.outbox, log: ports.log,
      chainId: this.chainId, deviceId: this.deviceId, topics, deviceTopics, counters: this.counters,
      connected: () => this.connected,
      emit: (event) => this.emit(event),
      report: (code, detail) => this.report(code, detail),
      request: (method: Method, params: readonly CborValue[], onResponse) =>
        this.connected && this.requests.send(ports.clock.now(), method, params, onResponse),
      refreshState: () => this.refreshState(),
    };
    this.headers = new HeaderSync(this.ctx, {
      onAdvance: () => {
        this.sender.retryProofs();
        this.rules?.onAdvance();
        this.prover.onAdvance();
      },
      onPastUnavailable: (height) => {
        this.sender.dropProofsAt(height);
        this.rules?.onPastUnavailable(height);
        this.prover.onPastUnavailable(height);
      },
    });
    const headers = this.headers;
    const headerView = {
      get trustedHeight() {
        return headers.trusted.height;
      },
      headerAt: (height: number) => headers.headerAt(height),
      fetchPast: (height: number) => headers.fetchPast(height),
      fetchNewer: (height: number) => headers.fetchNewer(height),
    };
    this.prover = new StateProver(this.ctx, headerView);
    this.rules = config.rules.length > 0
      ? new RuleWatcher(this.ctx, config.rules, new Map((ports.actuators ?? []).map((a) => [a.name, a])), headerView)
      : undefined;
    this.sender = new TxSender(
      this.ctx,
      headerView,
      { reissue: (oldSeq, wire) => this.reissue(oldSeq, wire), retime: (seq, wire, time) => this.retime(seq, wire, time) },
    );
    this.sender.resume();
    this.seqs = new SeqReservation(ports.store, config.seqReserve, this.sender.highestSeq);
    const intervalSeconds = config.batchSize > 1 ? config.samplingIntervalMs / 1000 : 0;
    this.batcher = new ReadingBatcher(ports.sensors, config.batchSize, intervalSeconds);
    if (config.selfEnroll && !this.accepted) this.queueSelfEnroll(config.selfEnroll.powBits);
  }

  /**
   * Public chain, not accepted yet: the self-ENROLL goes first (seq 1 on a fresh device), unless
   * the outbox holds it already (a reboot before it became final). The nonce is minted once and
   * stored (StoreKey.POW_NONCE), so a reboot does not pay for the proof of work again.
   */
  private queueSelfEnroll(powBits: number): void {
    const { crypto, outbox, store, clock } = this.ports;
    for (const [, wire] of outbox.entries()) if (wire[1] === TxKind.ENROLL) return; // kind is the wire's second byte (§5.1)
    const nonce = selfEnrollNonce(crypto, store, this.chainId, this.publicKey, powBits);
    const seq = this.seqs.take();
    const wire = encodeTx(signTx(crypto, this.chainId, { kind: TxKind.ENROLL, sender: this.deviceId, seq, time: Math.floor(clock.now() / 1000), body: selfEnrollBody(this.publicKey, nonce) }, this.keys.privateKey));
    outbox.append(seq, wire);
    this.ports.log(LogLevel.INFO, `self-enrolment queued as seq ${seq}`);
    this.sender.add(seq, wire, clock.now());
  }

  enrollRequest(): Uint8Array {
    return makeEnrollRequest(this.ports.crypto, this.chainId, this.keys);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { topics, deviceTopics } = this.ctx;
    const qos: QoS = 1;
    // Header and checkpoint at QoS 0: both are retained, so the newest arrives on every
    // (re)subscription, and a persistent session does not queue stale ones while offline.
    this.ports.session.subscribe([
      { topic: topics.header, qos: 0 },
      { topic: topics.checkpoint, qos: 0 },
      { topic: deviceTopics.ack, qos },
      { topic: deviceTopics.proof, qos },
      { topic: deviceTopics.response, qos },
    ]);
    const handlers: SessionHandlers = {
      onConnect: () => this.guard(() => this.onConnect()),
      onMessage: (topic, payload) => this.guard(() => this.onMessage(topic, payload)),
      onDisconnect: (reason) => this.guard(() => this.onDisconnect(reason)),
      onRefused: (code) => this.guard(() => this.onRefused(code)),
    };
    this.ports.session.start(handlers);
    this.nextSampleAt = this.ports.clock.now();
    this.scheduleSample();
    this.scheduleTick();
    this.refreshState();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.cancelSample?.();
    this.cancelTick?.();
    this.cancelSample = this.cancelTick = undefined;
    this.guard(() => this.ports.session.stop());
    this.connected = false;
    this.requests.abandonAll();
    this.prover.abandonAll();
    // A batch not yet full is signed and stored now: an orderly stop loses no reading it took.
    this.guard(() => this.batcher.flush((batch) => this.seal(batch)));
    this.sender.stop();
    this.headers.flush();
    this.refreshState();
  }

  proveState(namespace: Uint8Array, key: Uint8Array): Promise<StateFact> {
    return this.prover.prove(namespace, key);
  }

  sampleNow(): void {
    this.guard(() => {
      const { outbox, clock } = this.ports;
      if (outbox.size >= outbox.capacity) {
        // Say so and take nothing: what is signed is kept, nothing new is taken until space frees.
        this.counters.skipped++;
        this.refreshState();
        return;
      }
      this.counters.sampled += this.batcher.sample(clock.now(), (batch) => this.seal(batch));
    });
  }

  status(): PeerStatus {
    return Object.freeze({
      state: this.state,
      deviceId: bytesToHex(this.deviceId),
      connected: this.connected,
      nextSeq: this.seqs.next,
      outbox: this.ports.outbox.size,
      trustedHeight: this.headers.trusted.height,
      counters: Object.freeze({ ...this.counters }),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    });
  }

  onEvent(listener: (event: PeerEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private seal(batch: SealedBatch): void {
    const { crypto, outbox } = this.ports;
    let seq: number;
    let wire: Uint8Array;
    try {
      seq = this.seqs.take();
      const tx = signTx(crypto, this.chainId, { kind: TxKind.READINGS, sender: this.deviceId, seq, time: batch.time, body: readingsBody(batch.series) }, this.keys.privateKey);
      wire = encodeTx(tx);
      outbox.append(seq, wire);
    } catch (error) {
      this.reportError(error, `batch of ${batch.readings} readings not stored`);
      return;
    }
    this.counters.signed++;
    this.emit({ type: 'signed', seq, readings: batch.readings });
    this.sender.add(seq, wire, batch.sampledAt);
    this.refreshState();
  }

  /** Same kind, time and readings under a fresh seq; the old entry leaves the outbox. */
  private reissue(oldSeq: number, oldWire: Uint8Array): { seq: number; wire: Uint8Array } | undefined {
    const { crypto, outbox } = this.ports;
    try {
      const old = decodeTx(oldWire);
      const seq = this.seqs.take();
      const wire = encodeTx(signTx(crypto, this.chainId, { kind: old.kind, sender: old.sender, seq, time: old.time, body: old.body }, this.keys.privateKey));
      if (outbox.size >= outbox.capacity) {
        // No room for both: a crash between these two writes would lose the batch, accepted as rarer than a full outbox.
        outbox.remove(oldSeq);
        outbox.append(seq, wire);
      } else {
        // Append first: a crash in between leaves both, and the old one is refused as a replay again.
        outbox.append(seq, wire);
        outbox.remove(oldSeq);
      }
      return { seq, wire };
    } catch (error) {
      this.reportError(error, `seq ${oldSeq} not re-signed`);
      return undefined;
    }
  }

  private retime(seq: number, oldWire: Uint8Array, time: number): Uint8Array | undefined {
    const { crypto, outbox } = this.ports;
    try {
      const old = decodeTx(oldWire);
      const wire = encodeTx(signTx(crypto, this.chainId, { kind: old.kind, sender: old.sender, seq, time, body: old.body }, this.keys.privateKey));
      // The seq was never accepted (TIME_OUT_OF_RANGE applies nothing), so it is signed again, not
      // spent. A crash between these two writes loses this batch: rare, against a seq burnt per refusal.
      outbox.remove(seq);
      outbox.append(seq, wire);
      return wire;
    } catch (error) {
      this.reportError(error, `seq ${seq} not re-signed at the present time`);
      return undefined;
    }
  }

  private onConnect(): void {
    this.connected = true;
    this.refused = undefined;
    this.ports.log(LogLevel.INFO, 'connected');
    this.refreshState();
    this.headers.onConnect();
    this.sender.onConnect();
    this.rules?.onConnect();
  }

  private onDisconnect(reason: string): void {
    this.connected = false;
    this.ports.log(LogLevel.INFO, `disconnected: ${reason}`);
    this.requests.abandonAll();
    this.refreshState();
  }

  private onRefused(code: number): void {
    this.connected = false;
    // 5 (not authorized) is what botpeer's broker answers a device that is blocked, revoked or not
    // enrolled (docs/protocol.md §9.6); 4 a CONNECT token it refused (most often a clock off by minutes).
    if (code === 5) this.refused = code;
    const why = code === 5 ? ': not enrolled, revoked or blocked' : code === 4 ? ': connect token refused (is the clock right?)' : code === 2 ? ': client id is not the device id' : '';
    this.report(code === 5 ? (this.accepted ? ErrorCode.BLOCKED : ErrorCode.UNKNOWN_SENDER) : ErrorCode.MQTT_UNEXPECTED, `broker refused the connection (code ${code}${why})`);
    this.refreshState();
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    const { topics, deviceTopics } = this.ctx;
    if (topic === deviceTopics.ack) this.sender.onAck(payload);
    else if (topic === deviceTopics.proof) this.sender.onProofBytes(payload);
    else if (topic === deviceTopics.response) this.onResponse(payload);
    else if (topic === topics.header) this.headers.onLightBlock(payload);
    else if (topic === topics.checkpoint) this.headers.onCheckpoint(payload);
  }

  private onResponse(payload: Uint8Array): void {
    let response;
    try {
      response = decodeResponse(payload);
    } catch (error) {
      this.counters.badMessages++;
      const code = error instanceof BotError ? error.code : ErrorCode.INTERNAL;
      this.reportError(error, 'response');
      this.emit({ type: 'bad-message', topic: 'res', code });
      return;
    }
    if (!this.requests.resolve(response)) this.ports.log(LogLevel.DEBUG, `response ${response.id} matches no open request`);
  }

  private scheduleSample(): void {
    const { clock } = this.ports;
    const now = clock.now();
    // Planned times keep the spacing the batch declares. After a stall of an interval or more
    // (the timer fired that late), the next round is one interval from now: planning it at "now"
    // would take a second round at the instant of the one just taken, the same reading twice.
    // A clock set back (planned more than an interval ahead) would stall sampling for as long: plan from now too.
    const interval = this.config.samplingIntervalMs;
    const planned = this.nextSampleAt + interval;
    this.nextSampleAt = planned > now && planned - now <= interval ? planned : now + interval;
    this.cancelSample = clock.setTimer(this.nextSampleAt - now, () => {
      if (!this.running) return;
      // A missed round breaks the spacing the batch's series declare: seal what came before it.
      if (this.ports.clock.now() - this.nextSampleAt >= this.config.samplingIntervalMs) {
        this.guard(() => this.batcher.flush((batch) => this.seal(batch)));
      }
      this.sampleNow();
      this.scheduleSample();
    });
  }

  private scheduleTick(): void {
    this.cancelTick = this.ports.clock.setTimer(MAINTENANCE_MS, () => {
      if (!this.running) return;
      this.guard(() => {
        const now = this.ports.clock.now();
        this.requests.expire(now, this.config.requestTimeoutMs);
        this.headers.tick(now);
        this.sender.tick(now);
        this.rules?.tick(now);
        this.prover.tick(now);
        this.refreshState();
      });
      this.scheduleTick();
    });
  }

  private derive(): PeerState {
    // A stopped peer is offline, whatever it last heard: the gateway's hold (unenrolled,
    // revoked, blocked), a refusing broker or a full outbox are kept for the next start but
    // must not outrank the stop.
    if (!this.running) return PeerState.OFFLINE;
    const held = this.sender.held;
    if (held !== undefined) return held;
    // The broker's "not authorized" does not say why (MQTT 3.1.1 has one code): a device the
    // gateway never accepted is most likely not enrolled yet; one it accepted was revoked or blocked.
    if (this.refused !== undefined) return this.accepted ? PeerState.BLOCKED : PeerState.UNENROLLED;
    if (this.ports.outbox.size >= this.ports.outbox.capacity) return PeerState.OUTBOX_FULL;
    if (!this.connected) return PeerState.OFFLINE;
    if (this.headers.untrusted) return PeerState.UNTRUSTED;
    return PeerState.ONLINE;
  }

  private refreshState(): void {
    // A refusal (not enrolled, revoked, blocked) is the last error only while it lasts: once
    // the gateway and the broker accept the device again, it is no longer what is wrong.
    if (this.lastError !== undefined && isHoldCode(this.lastError.code) && this.sender.held === undefined && this.refused === undefined) {
      this.lastError = undefined;
    }
    const state = this.derive();
    if (state === this.state) return;
    this.state = state;
    this.ports.log(state === PeerState.ONLINE || state === PeerState.OFFLINE ? LogLevel.INFO : LogLevel.WARN, `state ${state}`);
    this.emit({ type: 'state', state });
  }

  private emit(event: PeerEvent): void {
    if ((event.type === 'acked' || event.type === 'final') && !this.accepted) {
      this.accepted = true;
      this.ports.store.set(StoreKey.ACCEPTED, this.chainId);
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.ports.log(LogLevel.ERROR, `event listener failed: ${String(error)}`);
      }
    }
  }

  private report(code: number, detail: string): void {
    this.lastError = Object.freeze({ code, name: errorName(code), detail });
    this.ports.log(LogLevel.WARN, `${errorName(code)}: ${detail}`);
  }

  private reportError(error: unknown, what: string): void {
    if (error instanceof BotError) this.report(error.code, `${what}: ${error.message}`);
    else this.report(ErrorCode.STORAGE, `${what}: ${String(error)}`);
  }

  /** Nothing the host calls may throw: a failure is reported, and the peer goes on. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      const code = error instanceof BotError ? error.code : ErrorCode.INTERNAL;
      this.report(code, `unexpected: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * The stored proof-of-work nonce for this chain and key when it still holds for `powBits`, else a
 * newly minted one (mintPowNonce: about 2^powBits hashes), stored as chainId ‖ nonce.
 */
export function selfEnrollNonce(crypto: CryptoProvider, store: KeyValueStore, chainId: Uint8Array, publicKey: Uint8Array, powBits: number): Uint8Array {
  const stored = storedPowNonce(store, chainId);
  if (stored && checkPow(crypto, chainId, publicKey, stored, powBits)) return stored;
  const nonce = mintPowNonce(crypto, chainId, publicKey, powBits);
  store.set(StoreKey.POW_NONCE, concatBytes(chainId, nonce));
  return nonce;
}
