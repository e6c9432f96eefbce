// The light peer benchmark's workload (tools layer, platform-neutral): the real
// peer (src/peer) on in-memory ports, timed through its public API, so the same
// code runs on Node (peer-bench.ts) and under XS (peer-xs-entry.ts). No Node
// built-ins, no Buffer, no TextEncoder here.
//
//   per signed transaction: peer.sampleNow() with batchSize 1 — read the three
//     simulated sensors, build the READINGS body, encode, sign, append to the
//     outbox, publish (the session only counts it);
//   per verified header: a light block delivered on the header topic, as the
//     broker delivers the retained one — decode, verify the commit (1 of 1, as a
//     chain made by `botpeer init`), apply, move the trust forward.
//
// Each batch of samplings runs on a fresh peer whose outbox (default capacity 64)
// never fills, since nothing is ever acknowledged here; creating a peer is untimed.

import {
  type CryptoProvider, type Genesis, type LightBlock, Permission, ascii, bytesToHex, chainIdOf, chainTopics,
  createNobleCrypto, encodeLightBlock, genesisHash, headerHash, makeValidatorSet, merkleRoot, signCommit, validatorSetHash,
} from '../../src/index.js';
import { type LightPeer, createLightPeer, makePeerConfig } from '../../src/peer/index.js';
import type { MqttSession, SessionHandlers } from '../../src/mqtt/session.js';
import type { Clock, KeyValueStore, OutboxStore } from '../../src/ports/index.js';
import { createSimSensors } from '../../hosts/sensors-sim/sensors-sim.js';

export interface PeerWorkloadOptions {
  /** Measured time for the transactions. */
  readonly budgetMs: number;
  /** Light blocks verified (each is signed during setup, untimed). */
  readonly headers: number;
}

export interface PeerFigures {
  readonly txs: number;
  readonly txMs: number;
  readonly headers: number;
  readonly headerMs: number;
  /** First transaction's wire bytes and first header's hash, hex: must agree across engines. */
  readonly fingerprint: string;
  readonly setupMs: number;
}

export const PEER_BUDGETS = Object.freeze({
  node: { budgetMs: 1500, headers: 300 },
  xs: { budgetMs: 4000, headers: 40 },
});

const GENESIS_TIME_MS = 1_700_000_000_000;
const keyOf = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
/** Samplings per fresh peer: below the default outbox capacity (64). */
const PER_PEER = 60;

function memoryStore(): KeyValueStore {
  const values = new Map<string, Uint8Array>();
  return {
    get: (key) => values.get(key),
    set: (key, value) => void values.set(key, value.slice()),
    delete: (key) => void values.delete(key),
  };
}

function memoryOutbox(capacity: number): OutboxStore {
  const entries = new Map<number, Uint8Array>();
  return {
    capacity,
    get size() {
      return entries.size;
    },
    append(seq, tx) {
      if (entries.size >= capacity) throw new Error('bench outbox full');
      entries.set(seq, tx.slice());
    },
    remove: (seq) => void entries.delete(seq),
    entries: () => [...entries].sort((a, b) => a[0] - b[0]),
  };
}

/** A session that is always connected and only keeps the first payload published. */
class CountingSession implements MqttSession {
  handlers: SessionHandlers | undefined;
  published = 0;
  first: Uint8Array | undefined;
  readonly connected = true;
  start(handlers: SessionHandlers): void {
    this.handlers = handlers;
  }
  stop(): void {}
  subscribe(): void {}
  publish(_topic: string, payload: Uint8Array): void {
    this.published++;
    this.first ??= payload.slice();
  }
}

interface Bench {
  readonly peer: LightPeer;
  readonly session: CountingSession;
  readonly clock: { now: number };
}

function deterministicRandom(crypto: CryptoProvider, label: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => crypto.sha256(ascii(`${label} ${counter++}`)).slice(0, n);
}

export function runPeerWorkload(options: PeerWorkloadOptions, crypto: CryptoProvider = createNobleCrypto()): PeerFigures {
  const setupStart = performance.now();
  const validatorKey = keyOf(0x01);
  const validators = makeValidatorSet(1, [crypto.publicKey(validatorKey)]);
  const genesis: Genesis = {
    name: ascii('botpeer-peer-bench'), time: GENESIS_TIME_MS, permission: Permission.PRIVATE, validators, operatorKey: crypto.publicKey(keyOf(0x05)),
  };
  const chainId = chainIdOf(crypto, genesis);
  const topics = chainTopics(chainId);
  const config = makePeerConfig(genesis, { samplingIntervalMs: 1000, batchSize: 1 });

  const makePeer = (timeMs: number): Bench => {
    const clock = { now: timeMs };
    const portClock: Clock = { now: () => clock.now, setTimer: () => () => {} }; // timers never fire: the bench drives the peer
    const session = new CountingSession();
    const peer = createLightPeer(config, {
      crypto, clock: portClock, random: deterministicRandom(crypto, 'device'), store: memoryStore(), outbox: memoryOutbox(config.outboxCapacity),
      sensors: createSimSensors({ seed: 7, now: () => clock.now }), session, log: () => {},
    });
    peer.start();
    session.handlers!.onConnect(false);
    return { peer, session, clock };
  };

  // The header chain: heights 1..n a second apart, empty blocks, committed by the one validator.
  const vHash = validatorSetHash(crypto, validators);
  const blocks: Uint8Array[] = [];
  let prevHash = genesisHash(crypto, genesis);
  const emptyRoot = merkleRoot(crypto, []);
  let firstHash = '';
  for (let height = 1; height <= options.headers; height++) {
    const header = {
      chainId, height, time: GENESIS_TIME_MS + height * 1000, prevHash, txRoot: emptyRoot, txCount: 0,
      stateRoot: crypto.sha256(ascii('state')), validatorsHash: vHash, nextValidatorsHash: vHash,
    };
    const hash = headerHash(crypto, header);
    const block: LightBlock = { header, commit: signCommit(crypto, height, hash, [{ index: 0, privateKey: validatorKey }]) };
    blocks.push(encodeLightBlock(block));
    if (height === 1) firstHash = bytesToHex(hash);
    prevHash = hash;
  }
  const setupMs = performance.now() - setupStart;

  // Transactions: fresh peers, PER_PEER samplings each, until the budget is spent.
  let txs = 0;
  let txMs = 0;
  let first: Uint8Array | undefined;
  let time = GENESIS_TIME_MS + 10_000;
  // One untimed warm-up peer (JIT, noble's precomputed tables).
  const warm = makePeer(time);
  for (let i = 0; i < 5; i++) warm.peer.sampleNow();
  while (txMs < options.budgetMs) {
    const bench = makePeer(time);
    const t0 = performance.now();
    for (let i = 0; i < PER_PEER; i++) {
      bench.clock.now = time += 1000;
      bench.peer.sampleNow();
    }
    txMs += performance.now() - t0;
    const status = bench.peer.status();
    if (status.counters.signed !== PER_PEER || status.outbox !== PER_PEER) {
      throw new Error(`bench peer signed ${status.counters.signed} of ${PER_PEER} (outbox ${status.outbox}, state ${status.state})`);
    }
    first ??= bench.session.first;
    txs += PER_PEER;
  }

  // Headers: one peer, each light block once, clock just after the header's time.
  const receiver = makePeer(GENESIS_TIME_MS);
  const t0 = performance.now();
  for (let i = 0; i < blocks.length; i++) {
    receiver.clock.now = GENESIS_TIME_MS + (i + 1) * 1000 + 200;
    receiver.session.handlers!.onMessage(topics.header, blocks[i]!, true);
  }
  const headerMs = performance.now() - t0;
  const status = receiver.peer.status();
  if (status.counters.headersVerified !== blocks.length || status.trustedHeight !== blocks.length) {
    throw new Error(`bench peer verified ${status.counters.headersVerified} of ${blocks.length} headers (rejected ${status.counters.headersRejected}, trusted ${status.trustedHeight}: ${status.lastError?.detail ?? ''})`);
  }
  if (!first) throw new Error('bench peer published nothing');
  return { txs, txMs, headers: blocks.length, headerMs, fingerprint: `${bytesToHex(first)}:${firstHash}`, setupMs };
}
