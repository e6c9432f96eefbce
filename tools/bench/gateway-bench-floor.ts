// The transport floor of the gateway benchmark (tools layer, Node only): what the MQTT
// traffic of a transaction costs by itself, with nothing behind it. It runs in the gateway's
// place, on the gateway's own bus (the embedded aedes broker with its ACL, or mqtt.js to an
// external broker), reads each transaction's header as ingest does, and answers every one at
// once with the two messages the gateway sends: an OK ack and a proof message of the size a
// block of 4,096 transactions gives (12 sibling hashes). No verification, no ledger, no blocks.
//
// Its CPU per transaction (this process, the broker, the load generator), plus the verify
// pool's, bounds what any gateway on this bus can reach on this machine's cores: the part of
// the 70 % goal that no work on the gateway itself can win back.

import { DeviceTopic, bytesToHex, chainTopics } from '../../src/index.js';
import type { Bus } from '../gateway/bus.js';
import { startAedesBus } from '../gateway/bus-aedes.js';
import { startMqttBus } from '../gateway/bus-mqtt.js';
import { encodeAck } from '../../src/mqtt/ack-message.js';
import { encodeProofMessage } from '../../src/mqtt/proof-message.js';
import { PUSH_QOS } from '../gateway/push-messages.js';
import { readTxHeader } from '../gateway/tx-header.js';

/** ⌈log2 4096⌉: a proof's path in the benchmark's full blocks. */
const PROOF_LEVELS = 12;
const BLOCK_SIZE = 4096;

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
  const failed = (error: unknown) => console.error(`floor: publish failed: ${String(error)}`);
  await bus.onMessage(topics.up, (_topic, payload) => {
    stats.received++;
    const tx = readTxHeader(payload);
    if (!tx) {
      stats.unreadable++;
      return;
    }
    bus.publish(topics.device(tx.sender, DeviceTopic.ACK), encodeAck({ seq: tx.seq, code: 0 }), { qos: PUSH_QOS }).catch(failed);
    const proof = { index: stats.answered % BLOCK_SIZE, size: BLOCK_SIZE, path };
    bus.publish(topics.device(tx.sender, DeviceTopic.PROOF), encodeProofMessage({ seq: tx.seq, height: 1, proof }), { qos: PUSH_QOS }).catch(failed);
    stats.answered++;
  });
  return { mqttUrl: bus.url, stats, close: () => bus.close() };
}
