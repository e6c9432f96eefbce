// The transport floor of the gateway benchmark (tools layer, Node only): what the MQTT
// traffic of a transaction costs by itself, with nothing behind it. It runs in the gateway's
// place, on the gateway's own bus (the embedded aedes broker with its ACL, or mqtt.js to an
// external broker), reads each transaction's header as ingest does, and answers them as the
// gateway does (docs/protocol.md §9.2, §9.3): no ack, and every `BLOCK_MS` one proof message per
// device (as few as SMALL_LIMITS allow) with each of its transactions' proofs of the size a
// block of 4,096 transactions gives (12 sibling hashes). No verification, no ledger, no blocks.
//
// Its CPU per transaction (this process, the broker, the load generator), plus the verify
// pool's, bounds what any gateway on this bus can reach on this machine's cores: the part of
// the 70 % goal that no work on the gateway itself can win back.

import { bytesToHex, chainTopics } from '../../src/index.js';
import type { Bus } from '../gateway/bus.js';
import { startAedesBus } from '../gateway/bus-aedes.js';
import { startMqttBus } from '../gateway/bus-mqtt.js';
import { pushProofs } from '../gateway/push-messages.js';
import { readTxHeader } from '../gateway/tx-header.js';

/** ⌈log2 4096⌉: a proof's path in the benchmark's full blocks. */
const PROOF_LEVELS = 12;
const BLOCK_SIZE = 4096;
/** How often the floor answers what came in since the last time: the gateway's block interval. */
const BLOCK_MS = 1000;

export interface FloorResponder {
  readonly mqttUrl: string;
  readonly stats: { received: number; answered: number; unreadable: number };
  close(): Promise<void>;
}

export async function startFloorResponder(chainId: Uint8Array, brokerUrl: string | undefined): Promise<FloorResponder> {
  const topics = chainTopics(chainId);
  const bus: Bus = brokerUrl
    ? await startMqttBus({ url: brokerUrl, clientId: `botpeer-floor-${bytesToHex(chainId)}` })
    : await startAedesBus({ host: '127.0.0.1', port: 0, chainHex: bytesToHex(chainId), isBlocked: () => false, authenticate: () => ({ code: 0 }) });
  const stats = { received: 0, answered: 0, unreadable: 0 };
  const path = Array.from({ length: PROOF_LEVELS }, (_, level) => new Uint8Array(32).fill(level));
  let entries: { tx: { sender: Uint8Array; seq: number } }[] = [];
  let height = 0;
  await bus.onMessage(topics.up, (_topic, payload) => {
    stats.received++;
    const tx = readTxHeader(payload.slice()); // ingest keeps its own copy too
    if (!tx) {
      stats.unreadable++;
      return;
    }
    entries.push({ tx });
  });
  const timer = setInterval(() => {
    const block = entries;
    entries = [];
    const proofs = block.map((_, i) => ({ index: i % BLOCK_SIZE, size: BLOCK_SIZE, path }));
    pushProofs(bus, topics, ++height, block, proofs);
    stats.answered += block.length;
  }, BLOCK_MS);
  return { mqttUrl: bus.url, stats, close: () => { clearInterval(timer); return bus.close(); } };
}
