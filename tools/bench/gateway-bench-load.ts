// The gateway benchmark's load generator (tools layer, Node only): N simulated
// devices, one MQTT connection each (bench-mqtt-connection.ts: packets generated before the
// window, so the generator takes little of the CPU the gateway needs; the embedded broker's
// ACL lets a client publish only as the device its client id names), in a process of its
// own so that it does not share the gateway's event loop. Spawned by gateway-bench.ts with an IPC channel:
//
//   node --import=tsx tools/bench/gateway-bench-load.ts '<LoadConfig as JSON>'
//
// It enrols the devices (operator-signed ENROLL transactions), connects them, then
// every device publishes its pre-signed 1-reading transactions at QoS 1 with at most
// `window` unacknowledged at a time (and, with `rate`, no faster than its share of it). As on the
// light peer (docs/protocol.md §11.4), a transaction is acknowledged by a reject ack or by its proof
// (the gateway sends no OK ack): the window spans a block interval. After `warmupMs` it opens the measured window
// ({type:'window-start'}), closes it after `measureMs` ({type:'window-end'}), stops
// publishing, waits (at most `drainMs`) for the proofs (or rejects) of everything it
// published, and sends {type:'result', result: LoadResult}.

import mqtt from 'mqtt';
import {
  DeviceTopic, ErrorCode, TxKind, bytesToHex, chainTopics, decodeAck, decodeProofMessage, encodeTx, enrollBody,
  connectCredentials, errorName, keyId, signTx,
} from '../../src/index.js';
import { BenchConnection, type IncomingPublish, packetIdOf, publishPacket } from './bench-mqtt-connection.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { loadChain, readOperatorKey } from '../gateway/data-dir.js';
import { benchDevice, decodeStock, percentile } from './gateway-bench-common.js';

export interface LoadConfig {
  /** The broker of the operator's enrolments, and of every device unless `urls`. */
  readonly url: string;
  /** Brokers the devices spread over, device i on urls[i mod n] (a consortium's members). */
  readonly urls?: readonly string[];
  /** The operator key file when the chain folder has none (a consortium keeps it off its members). */
  readonly operatorKeyFile?: string;
  readonly chainDir: string;
  readonly devices: number;
  readonly perDevice: number;
  /** Stock files in device order, each holding `perDevice` transactions of consecutive devices. */
  readonly stockFiles: readonly string[];
  readonly window: number;
  /** Devices connect with clean: false, as the light peer does, so the broker keeps a session for each. */
  readonly persistentSessions: boolean;
  /** Transactions per second over all devices (each device an equal share); 0: as fast as acks allow. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly drainMs: number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

function summarize(sorted: readonly number[]): LatencySummary {
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN };
}

export interface LoadResult {
  readonly measuredMs: number;
  /** Transactions whose proof (the positive ack) arrived inside the window. */
  readonly okInWindow: number;
  /** Transactions published inside the window, and how many of them got their proof. */
  readonly publishedInWindow: number;
  readonly proofsOfWindow: number;
  /** Proof messages that arrived inside the window (one carries every proof of a device in a block, up to SMALL_LIMITS). */
  readonly proofMessagesInWindow: number;
  /** Publish → proof received over the window's accepted transactions (ms). */
  readonly proofLatency: LatencySummary;
  /** Non-OK acks by error name, inside the window and over the whole run. */
  readonly rejectedInWindow: Record<string, number>;
  readonly rejectedTotal: Record<string, number>;
  /** Devices whose pre-signed stock ran out before the window closed (then the figures undercount). */
  readonly exhausted: number;
  /** This process's CPU inside the window (process.cpuUsage), seconds. */
  readonly cpuSeconds: number;
  readonly clients: number;
  readonly headersReceived: number;
  /** Header messages that arrived inside the window, over all devices (each device should get every block's). */
  readonly headersInWindow: number;
}

const send = (message: unknown): void => {
  process.send?.(message);
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class SimDevice {
  connection!: BenchConnection;
  next = 0; // index into wires (seq - 1) of the next transaction to publish
  inflight = 0;
  /** Publications allowed now when the load is paced (config.rate > 0). */
  tokens = 0;
  readonly publishedAt: Float64Array;
  readonly proofAt: Float64Array;
  readonly code: Int32Array;
  /** The transactions as QoS 1 PUBLISH packets, generated before anything is measured. */
  readonly packets: Buffer[];

  constructor(readonly id: Uint8Array, readonly wires: readonly Uint8Array[], upTopic: string) {
    this.packets = wires.map((wire, i) => publishPacket(upTopic, wire, packetIdOf(i)));
    this.publishedAt = new Float64Array(wires.length);
    this.proofAt = new Float64Array(wires.length);
    this.code = new Int32Array(wires.length).fill(-1);
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
  const crypto = createNativeCrypto();
  const chain = loadChain(crypto, config.chainDir);
  const topics = chainTopics(chain.chainId);
  const brokerUrl = new URL(config.url);
  const stock = config.stockFiles.flatMap((path) => decodeStock(path, config.perDevice));
  if (stock.length < config.devices) throw new Error(`stock holds ${stock.length} devices, ${config.devices} needed`);

  // ---- enrolment, through the operator key (a trusted tool on the embedded broker) ----
  const operator = config.operatorKeyFile ? readOperatorKey(crypto, config.operatorKeyFile) : chain.operatorKey!;
  const operatorId = keyId(crypto, operator.publicKey);
  // Every client proves its key at CONNECT on the embedded broker (docs/protocol.md §9.6).
  const opCredentials = connectCredentials(crypto, chain.chainId, operator, Date);
  const opClient = await mqtt.connectAsync(config.url, { clientId: bytesToHex(operatorId), username: opCredentials.username, password: opCredentials.password(), clean: true, reconnectPeriod: 0 });
  // Verdicts: a reject ack, or the proof (the gateway's positive ack, §9.2).
  const opAcks = new Map<number, number>();
  const opAckTopic = topics.device(operatorId, DeviceTopic.ACK);
  opClient.on('message', (topic, payload) => {
    if (topic === opAckTopic) {
      const ack = decodeAck(new Uint8Array(payload));
      opAcks.set(ack.seq, ack.code);
    } else {
      for (const { seq } of decodeProofMessage(new Uint8Array(payload)).proofs) opAcks.set(seq, ErrorCode.OK);
    }
  });
  await opClient.subscribeAsync([opAckTopic, topics.device(operatorId, DeviceTopic.PROOF)], { qos: 1 });
  const devices: SimDevice[] = [];
  const tokens: { username: string; password: () => string }[] = [];
  for (let i = 0; i < config.devices; i++) {
    const key = benchDevice(crypto, i);
    devices.push(new SimDevice(key.id, stock[i]!, topics.up));
    tokens.push(connectCredentials(crypto, chain.chainId, key, Date));
    const enroll = signTx(crypto, chain.chainId, { kind: TxKind.ENROLL, sender: operatorId, seq: i + 1, time: Math.floor(Date.now() / 1000), body: enrollBody(key.publicKey) }, operator.privateKey);
    opClient.publish(topics.up, Buffer.from(encodeTx(enroll)), { qos: 1 });
  }
  for (const deadline = Date.now() + 30_000; opAcks.size < config.devices; await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`enrolment: ${opAcks.size} of ${config.devices} verdicts within 30 s`);
  }
  const refused = [...opAcks].filter(([, code]) => code !== ErrorCode.OK);
  if (refused.length > 0) throw new Error(`enrolment refused: ${refused.map(([seq, code]) => `${seq}:${errorName(code)}`).join(', ')}`);
  await opClient.endAsync();

  // ---- the fleet ----
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  let publishing = true;
  let headersReceived = 0;
  let headersInWindow = 0;
  const rejectedInWindow: Record<string, number> = {};
  const rejectedTotal: Record<string, number> = {};
  let okInWindow = 0;
  let proofMessagesInWindow = 0;
  let exhausted = 0;

  const paced = config.rate > 0;
  const pump = (d: SimDevice): void => {
    while (publishing && d.inflight < config.window && (!paced || d.tokens >= 1)) {
      if (paced) d.tokens--;
      if (d.next >= d.wires.length) {
        if (d.next === d.wires.length) {
          d.next++; // count once
          if (performance.now() < windowEnd) exhausted++;
        }
        return;
      }
      const i = d.next++;
      d.inflight++;
      d.publishedAt[i] = performance.now();
      d.connection.send(d.packets[i]!);
    }
  };

  await Promise.all(devices.map(async (d, i) => {
    const ackTopic = topics.device(d.id, DeviceTopic.ACK);
    const proofTopic = topics.device(d.id, DeviceTopic.PROOF);
    const onPublish = ({ topic, payload: bytes }: IncomingPublish): void => {
      const now = performance.now();
      if (topic === ackTopic) {
        const { seq, code } = decodeAck(bytes);
        const i = seq - 1;
        if (i < 0 || i >= d.wires.length || d.code[i] !== -1) return; // a duplicate delivery
        d.code[i] = code;
        d.inflight--;
        const inWindow = now >= windowStart && now < windowEnd;
        if (code === ErrorCode.OK) {
          if (inWindow) okInWindow++; // an OK ack from a gateway that still sends them
        } else {
          const name = errorName(code);
          rejectedTotal[name] = (rejectedTotal[name] ?? 0) + 1;
          if (inWindow) rejectedInWindow[name] = (rejectedInWindow[name] ?? 0) + 1;
        }
        pump(d);
      } else if (topic === proofTopic) {
        const inWindow = now >= windowStart && now < windowEnd;
        if (inWindow) proofMessagesInWindow++;
        for (const { seq } of decodeProofMessage(bytes).proofs) {
          const i = seq - 1;
          if (i < 0 || i >= d.wires.length || d.proofAt[i] !== 0) continue;
          d.proofAt[i] = now;
          if (d.code[i] === -1) {
            // The proof is the ack (§9.2): accepted, and the window moves on.
            d.code[i] = ErrorCode.OK;
            d.inflight--;
            if (inWindow) okInWindow++;
          }
        }
        pump(d);
      } else if (topic === topics.header) {
        headersReceived++;
        if (now >= windowStart && now < windowEnd) headersInWindow++;
      }
    };
    const url = config.urls?.length ? new URL(config.urls[i % config.urls.length]!) : brokerUrl;
    d.connection = await BenchConnection.open({
      host: url.hostname, port: Number(url.port), clientId: bytesToHex(d.id), clean: !config.persistentSessions,
      username: tokens[i]!.username, password: tokens[i]!.password(),
      subscriptions: [ackTopic, proofTopic, topics.header], onPublish,
      onClose: (reason) => {
        if (publishing) fail(new Error(`device ${bytesToHex(d.id)} lost its connection: ${reason}`));
      },
    });
  }));
  send({ type: 'connected' });

  if (paced) {
    // Open loop at a fixed rate: each device earns rate / devices tokens per second (at most a
    // window's worth), so the gateway gets the same offered load whatever its speed.
    const perDeviceMs = config.rate / config.devices / 1000;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      for (const d of devices) {
        d.tokens = Math.min(config.window, d.tokens + (now - last) * perDeviceMs);
        pump(d);
      }
      last = now;
      if (!publishing) clearInterval(ticker);
    }, 5);
  }
  for (const d of devices) pump(d);
  await sleep(config.warmupMs);
  const cpuStart = process.cpuUsage();
  windowStart = performance.now();
  send({ type: 'window-start' });
  await sleep(config.measureMs);
  windowEnd = performance.now();
  send({ type: 'window-end' });
  const cpu = process.cpuUsage(cpuStart);
  publishing = false;

  // Wait for the acks and proofs of everything published (the window's proofs come with the next blocks).
  const settled = () => devices.every((d) => {
    for (let i = 0; i < d.next && i < d.wires.length; i++) {
      if (d.code[i] === -1 || (d.code[i] === ErrorCode.OK && d.proofAt[i] === 0)) return false;
    }
    return true;
  });
  for (const deadline = performance.now() + config.drainMs; !settled() && performance.now() < deadline; ) await sleep(50);

  let publishedInWindow = 0;
  const proofLatencyMs: number[] = [];
  for (const d of devices) {
    for (let i = 0; i < Math.min(d.next, d.wires.length); i++) {
      const at = d.publishedAt[i]!;
      if (at < windowStart || at >= windowEnd) continue;
      publishedInWindow++;
      if (d.code[i] !== ErrorCode.OK) continue;
      if (d.proofAt[i]! > 0) proofLatencyMs.push(d.proofAt[i]! - at);
    }
  }
  proofLatencyMs.sort((a, b) => a - b);
  const result: LoadResult = {
    measuredMs: windowEnd - windowStart,
    okInWindow, publishedInWindow, proofMessagesInWindow,
    proofsOfWindow: proofLatencyMs.length,
    proofLatency: summarize(proofLatencyMs), rejectedInWindow, rejectedTotal, exhausted,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    clients: devices.length,
    headersReceived,
    headersInWindow,
  };
  send({ type: 'result', result });
  await Promise.all(devices.map((d) => d.connection.close()));
  process.disconnect?.();
}

function fail(error: unknown): void {
  send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 2;
  setTimeout(() => process.exit(2), 100);
}

main().catch(fail);
