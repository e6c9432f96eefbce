// kill -9 of the whole gateway mid-stream, several times: nothing acknowledged is lost.
//
// The gateway runs in a child process (support/gateway-child.ts) on a chain in a temp
// folder. Ten devices (mqtt.js clients) publish 1-reading transactions continuously at
// QoS 1, each with a bounded window of unacknowledged ones, and keep an outbox as a real
// device does: a transaction leaves it only on an ack with code OK, or REPLAY (the
// gateway already holds that seq). After ~1.5 s the child is SIGKILLed, restarted on the
// same data dir, the devices reconnect with fresh clients and re-send their outbox in seq
// order, and streaming goes on. After the last round the devices stop, everything is
// waited into a block, the gateway is closed, and the ledger is opened and checked:
//   - every (device, seq) acknowledged OK or REPLAY is in the ledger exactly once, and each
//     device's seqs in the ledger are exactly 1..L (it never skips one, so a gap would be a
//     transaction lost, and a REPLAY for a seq the ledger lacks would be one silently dropped);
//   - heights are contiguous from 1, hash-linked, and went on after every restart;
//   - each block's stored tx ids rebuild its header's txRoot and txCount.

import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import {
  DeviceTopic, ErrorCode, type KeyPair, Quantity, TxKind, bytesToHex, chainTopics, decodeAck, decodeLightBlock, decodeProofMessage, encodeTx,
  errorName, headerHash, keyId, merkleRoot, readingsBody, signTx,
} from '../src/index.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import type { ChainFiles } from '../tools/gateway/data-dir.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import { crypto, enroll, makeChainDir, newDeviceKey } from './support/gateway-fixture.js';
import { freePort } from './support/mosquitto.js';
import { connectPassword } from './support/mqtt-device.js';

const DEVICES = 10;
/** Unacknowledged transactions a device keeps in flight. */
const WINDOW = 20;
const ROUNDS = 3;
/** Streaming time before each kill, and after the last restart. */
const RUN_MS = 1500;
const TAIL_MS = 1000;

const childScript = fileURLToPath(new URL('./support/gateway-child.ts', import.meta.url));
// Signing with noble costs ~1 ms; the native provider signs the same bytes in ~50 µs.
const signer = createNativeCrypto();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntil(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---- the gateway child -------------------------------------------------------------

interface GatewayChild {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Height and pending pool the gateway recovered from the ledger at start. */
  readonly recoveredHeight: number;
  readonly recoveredPending: number;
  /** The newest block height the child reported. */
  lastHeight: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

class StartError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

function startChildOnce(dir: string, port: number): Promise<GatewayChild> {
  const options = { producer: { intervalMs: 100, heartbeatMs: 60_000 }, verifyWorkers: 2, rateLimits: { perSecond: 100_000, burst: 100_000 } };
  const child = spawn(process.execPath, ['--import=tsx', childScript, dir, String(port), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  const append = (s: string) => {
    log += s;
    if (log.length > 32_000) log = log.slice(-32_000);
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise<GatewayChild>((resolve, reject) => {
    let handle: GatewayChild | undefined;
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway child not ready within 30 s:\n${log}`));
    }, 30_000);
    child.stderr!.on('data', (d: Buffer) => append(d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        append(`${line}\n`);
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue; // not one of ours
        }
        if (event['event'] === 'ready') {
          clearTimeout(timer);
          handle = {
            child, port, exited,
            url: String(event['mqttUrl']),
            recoveredHeight: Number(event['height']),
            recoveredPending: Number(event['pending']),
            lastHeight: Number(event['height']),
            output: () => log,
          };
          resolve(handle);
        } else if (event['event'] === 'height' && handle) {
          handle.lastHeight = Math.max(handle.lastHeight, Number(event['height']));
        } else if (event['event'] === 'error' && !handle) {
          clearTimeout(timer);
          reject(new StartError(`gateway child failed to start: ${String(event['message'])}`, event['code'] as string | undefined));
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!handle) reject(new Error(`gateway child exited (code ${code}, signal ${signal}) before it was ready:\n${log}`));
    });
  });
}

/** Starts the child on `port`; if that port was taken meanwhile, on a fresh one (devices follow the URL). */
async function startChild(dir: string, port: number): Promise<GatewayChild> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startChildOnce(dir, port);
    } catch (error) {
      if (!(error instanceof StartError && error.code === 'EADDRINUSE') || attempt >= 3) throw error;
      port = await freePort();
    }
  }
}

// ---- a device with an outbox ---------------------------------------------------------

class Device {
  readonly id: Uint8Array;
  readonly hex: string;
  /** Wire bytes by seq: everything ever created (the outbox is what is not yet accepted). */
  readonly wires = new Map<number, Uint8Array>();
  readonly ok = new Set<number>();
  /** Acked REPLAY without an OK ever seen: the gateway took it before an ack got lost. */
  readonly replayed = new Set<number>();
  readonly rejected = new Map<string, number>();
  /** Whether new transactions are still made (false: only the outbox is drained). */
  creating = true;
  private client: MqttClient | undefined;
  private connected = false;
  private nextSeq = 1;
  private queue: number[] = [];
  private readonly inflight = new Set<number>();

  constructor(private readonly chain: ChainFiles, private readonly key: KeyPair) {
    this.id = keyId(crypto, key.publicKey);
    this.hex = bytesToHex(this.id);
  }

  accepted(seq: number): boolean {
    return this.ok.has(seq) || this.replayed.has(seq);
  }

  outbox(): number[] {
    return [...this.wires.keys()].filter((seq) => !this.accepted(seq)).sort((a, b) => a - b);
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** A fresh client (empty mqtt.js store), then the whole outbox again, in seq order. */
  async connect(url: string): Promise<void> {
    const topics = chainTopics(this.chain.chainId);
    const ackTopic = topics.device(this.id, DeviceTopic.ACK);
    const proofTopic = topics.device(this.id, DeviceTopic.PROOF);
    const client = await mqtt.connectAsync(url, { clientId: this.hex, username: this.hex, password: connectPassword(crypto, this.chain.chainId, this.key), clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
    this.client = client;
    client.on('message', (topic, payload) => {
      if (topic === ackTopic) {
        const ack = decodeAck(new Uint8Array(payload));
        this.onAck(ack.seq, ack.code);
      } else if (topic === proofTopic) {
        // The gateway acks only rejects: the proof is the OK (docs/protocol.md §9.2).
        for (const { seq } of decodeProofMessage(new Uint8Array(payload)).proofs) this.onAck(seq, ErrorCode.OK);
      }
    });
    client.on('close', () => {
      if (this.client === client) this.connected = false;
    });
    client.on('error', () => {}); // a killed gateway resets the connection
    await client.subscribeAsync([ackTopic, proofTopic], { qos: 1 });
    this.inflight.clear();
    this.queue = this.outbox();
    this.connected = true;
    this.pump();
  }

  /** After the gateway died: drop the client and everything it had queued. */
  drop(): void {
    this.connected = false;
    this.client?.end(true);
    this.client = undefined;
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.client?.endAsync(true);
    this.client = undefined;
  }

  private create(): number {
    const seq = this.nextSeq++;
    const tx = signTx(signer, this.chain.chainId, {
      kind: TxKind.READINGS, sender: this.id, seq, time: Math.floor(Date.now() / 1000),
      body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 10, values: [2000 + (seq % 500)] }]),
    }, this.key.privateKey);
    this.wires.set(seq, encodeTx(tx));
    return seq;
  }

  private pump(): void {
    const up = chainTopics(this.chain.chainId).up;
    while (this.connected && this.inflight.size < WINDOW) {
      let seq: number;
      if (this.queue.length > 0) seq = this.queue.shift()!;
      else if (this.creating) seq = this.create();
      else break;
      if (this.accepted(seq) || this.inflight.has(seq)) continue;
      this.inflight.add(seq);
      this.client!.publish(up, Buffer.from(this.wires.get(seq)!), { qos: 1 }, () => {
        // A publish cut by the kill stays in the outbox; the ack decides, not the PUBACK.
      });
    }
  }

  private onAck(seq: number, code: number): void {
    this.inflight.delete(seq);
    if (code === ErrorCode.OK) this.ok.add(seq);
    else if (code === ErrorCode.REPLAY) {
      if (!this.ok.has(seq)) this.replayed.add(seq);
    } else {
      const name = errorName(code);
      this.rejected.set(name, (this.rejected.get(name) ?? 0) + 1);
      // Not accepted: send it again, in order with the rest of the outbox.
      if (!this.accepted(seq) && !this.queue.includes(seq)) {
        this.queue.push(seq);
        this.queue.sort((a, b) => a - b);
      }
    }
    this.pump();
  }
}

// ---- the test ----------------------------------------------------------------------------

interface RoundFigures {
  round: number;
  okBeforeKill: number;
  inFlightAtKill: number;
  heightSeenBeforeKill: number;
  recoveredHeight: number;
  recoveredPending: number;
  heightAfterRun: number;
}

const sum = (devices: readonly Device[], f: (d: Device) => number) => devices.reduce((s, d) => s + f(d), 0);

test(`kill -9 of the gateway mid-stream, ${ROUNDS} times: every acknowledged transaction is in a block exactly once`, async (t: ExecutionContext) => {
  const { dir, chain, remove } = makeChainDir('crash');
  const devices: Device[] = [];
  let gateway: GatewayChild | undefined;
  t.teardown(async () => {
    for (const child of live) child.kill('SIGKILL');
    await Promise.all(devices.map((d) => d.close().catch(() => {})));
    await gateway?.exited;
    remove();
  });

  gateway = await startChild(dir, await freePort());
  const keys = Array.from({ length: DEVICES }, newDeviceKey);
  await enroll(gateway.url, chain, keys);
  for (const key of keys) devices.push(new Device(chain, key));
  await Promise.all(devices.map((d) => d.connect(gateway!.url)));

  const rounds: RoundFigures[] = [];
  /**
   * Streams for at least RUN_MS and until the gateway running now (restarted or first) reported a
   * block of its own holding new acknowledged transactions: on a busy machine a fixed time may
   * pass before a restarted gateway has made one, and the round would test nothing.
   */
  const run = async (ms: number) => {
    const gw = gateway!;
    const okAtStart = sum(devices, (d) => d.ok.size);
    await Promise.all([
      sleep(ms),
      waitUntil(() => gw.lastHeight > gw.recoveredHeight && sum(devices, (d) => d.ok.size) > okAtStart, 'a block from the running gateway', 120_000),
    ]);
  };
  for (let round = 1; round <= ROUNDS; round++) {
    await run(RUN_MS);
    const before: GatewayChild = gateway;
    const figures = {
      round,
      okBeforeKill: sum(devices, (d) => d.ok.size),
      inFlightAtKill: sum(devices, (d) => d.inFlight),
      heightSeenBeforeKill: before.lastHeight,
    };
    before.child.kill('SIGKILL');
    const { signal } = await before.exited;
    t.is(signal, 'SIGKILL', `round ${round}: the gateway died of SIGKILL`);
    for (const d of devices) d.drop();
    if (round > 1) rounds[round - 2]!.heightAfterRun = figures.heightSeenBeforeKill;

    gateway = await startChild(dir, before.port);
    t.true(gateway.recoveredHeight >= figures.heightSeenBeforeKill, `round ${round}: recovered height ${gateway.recoveredHeight} ≥ ${figures.heightSeenBeforeKill} seen before the kill`);
    await Promise.all(devices.map((d) => d.connect(gateway!.url)));
    rounds.push({ ...figures, recoveredHeight: gateway.recoveredHeight, recoveredPending: gateway.recoveredPending, heightAfterRun: 0 });
  }
  await run(TAIL_MS);

  // Stop making new transactions, drain every outbox, then wait for the pool to be cut into blocks.
  for (const d of devices) d.creating = false;
  await waitUntil(() => devices.every((d) => d.outbox().length === 0 && d.inFlight === 0), 'every outbox to drain', 30_000);
  const watch = openSqliteStore(chain.ledgerPath);
  let stored = 0;
  try {
    await waitUntil(
      () => watch.pending().length === 0 && devices.every((d) => watch.txBySenderSeq(d.id, Math.max(0, ...d.ok, ...d.replayed)) !== undefined),
      'every accepted transaction in a block',
      30_000,
    );
    stored = watch.latestBlock()?.height ?? 0;
  } finally {
    watch.close();
  }
  const last: GatewayChild = gateway;
  await waitUntil(() => last.lastHeight >= stored, `the child to report height ${stored}`, 30_000);
  rounds[ROUNDS - 1]!.heightAfterRun = gateway.lastHeight;
  for (const r of rounds) {
    t.true(r.heightAfterRun > r.recoveredHeight, `round ${r.round}: blocks went on after the restart (${r.recoveredHeight} → ${r.heightAfterRun})`);
  }

  gateway.child.kill('SIGTERM');
  const closed = await gateway.exited;
  t.is(closed.code, 0, `the gateway closed cleanly on SIGTERM:\n${gateway.output()}`);
  for (const d of devices) await d.close();

  // ---- the ledger -------------------------------------------------------------------------
  const store = openSqliteStore(chain.ledgerPath);
  try {
    const latest = store.latestBlock()?.height ?? 0;
    t.true(latest >= rounds[ROUNDS - 1]!.heightAfterRun, 'the ledger holds every block reported');
    t.deepEqual(store.pending(), [], 'nothing left pending');

    const blockProblems: string[] = [];
    let prevHash: Uint8Array | undefined;
    let inBlocks = 0;
    for (let h = 1; h <= latest; h++) {
      const block = store.block(h);
      if (!block) {
        blockProblems.push(`block ${h} missing below ${latest}`);
        prevHash = undefined;
        continue;
      }
      const { header } = decodeLightBlock(block.lightBlock);
      const ids = store.blockTxIds(h);
      inBlocks += ids.length;
      if (header.height !== h) blockProblems.push(`block ${h}: header says height ${header.height}`);
      if (ids.length !== block.txCount || ids.length !== header.txCount) blockProblems.push(`block ${h}: ${ids.length} stored tx ids, block row ${block.txCount}, header ${header.txCount}`);
      if (bytesToHex(merkleRoot(crypto, ids)) !== bytesToHex(header.txRoot)) blockProblems.push(`block ${h}: stored tx ids do not rebuild txRoot`);
      if (bytesToHex(headerHash(crypto, header)) !== bytesToHex(block.hash)) blockProblems.push(`block ${h}: stored hash is not the header's hash`);
      if (prevHash && bytesToHex(header.prevHash) !== bytesToHex(prevHash)) blockProblems.push(`block ${h}: prevHash does not link to block ${h - 1}`);
      prevHash = block.hash;
    }
    t.deepEqual(blockProblems, [], 'heights contiguous from 1, hash-linked, txRoot rebuilt from stored ids');
    t.is(inBlocks, store.txCount(), 'every ledger transaction sits in a block');

    const txProblems: string[] = [];
    let readings = 0;
    for (const d of devices) {
      const rows = store.txsBySender(d.id, 1_000_000);
      readings += rows.length;
      const count = new Map<number, number>();
      for (const row of rows) count.set(row.seq, (count.get(row.seq) ?? 0) + 1);
      for (const [seq, n] of count) if (n !== 1) txProblems.push(`${d.hex} seq ${seq}: ${n} rows`);
      const top = Math.max(0, ...count.keys());
      for (let seq = 1; seq <= top; seq++) if (!count.has(seq)) txProblems.push(`${d.hex} seq ${seq}: missing below ${top}`);
      for (const seq of [...d.ok, ...d.replayed]) {
        const row = store.txBySenderSeq(d.id, seq);
        if (!row) txProblems.push(`${d.hex} seq ${seq}: acknowledged ${d.ok.has(seq) ? 'OK' : 'REPLAY'} but not in the ledger`);
        else if (bytesToHex(row.wire) !== bytesToHex(d.wires.get(seq)!)) txProblems.push(`${d.hex} seq ${seq}: ledger holds other bytes`);
        else if (row.height < 1 || row.height > latest) txProblems.push(`${d.hex} seq ${seq}: at height ${row.height}`);
      }
      if (top !== Math.max(0, ...d.ok, ...d.replayed)) txProblems.push(`${d.hex}: ledger goes to seq ${top}, device saw acks up to ${Math.max(0, ...d.ok, ...d.replayed)}`);
    }
    t.deepEqual(txProblems, [], 'every acknowledged (device, seq) in the ledger exactly once, seqs 1..L without gaps');
    t.is(readings + DEVICES, store.txCount(), 'the ledger holds the enrolments and these readings, nothing else');

    const ok = sum(devices, (d) => d.ok.size);
    const replayed = sum(devices, (d) => d.replayed.size);
    const rejected = new Map<string, number>();
    for (const d of devices) for (const [name, n] of d.rejected) rejected.set(name, (rejected.get(name) ?? 0) + n);
    for (const r of rounds) {
      t.log(`round ${r.round}: killed with ${r.okBeforeKill} OK acks so far and ${r.inFlightAtKill} in flight; height seen ${r.heightSeenBeforeKill} → recovered ${r.recoveredHeight} (+${r.recoveredPending} pending) → ${r.heightAfterRun} after the next run`);
    }
    t.log(`ledger: ${latest} blocks, ${store.txCount()} transactions (${DEVICES} enrolments, ${readings} readings); ` +
      `devices: ${ok} acked OK, ${replayed} acked only REPLAY (durable, ack lost in a kill), ` +
      `rejections ${rejected.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(rejected))}`);
    t.true(ok > 0 && readings >= ok + replayed, 'the stream carried readings');
  } finally {
    store.close();
  }
});
