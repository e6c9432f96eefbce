// A device played by mqtt.js for gateway tests (test layer): signs transactions
// with the core, publishes them, and collects acks, proofs and light blocks. The gateway
// acks only rejects (docs/protocol.md §9.2): a proof counts as the OK ack of its transaction.

import mqtt, { type MqttClient } from 'mqtt';
import {
  type Ack, type CryptoProvider, DeviceTopic, type KeyPair, type LightBlock, type TxProof, Quantity, TxKind,
  type UnsignedTx, bytesToHex, chainTopics, decodeAck, decodeLightBlock, decodeProofMessage, encodeTx, keyId,
  makeConnectToken, readingsBody, signTx, txId,
} from '../../src/index.js';

export interface DeviceProof extends TxProof {
  readonly height: number;
}

export interface MqttDevice {
  readonly id: Uint8Array;
  readonly client: MqttClient;
  /** The verdict per seq: the last reject ack, or OK once its proof came (and no ack before it). */
  readonly acks: Map<number, Ack>;
  /** Every ack message in arrival order (acks for unparsable payloads all carry seq 0); proofs are not in it. */
  readonly ackLog: Ack[];
  /** Each transaction's proof, from the proof messages (several proofs may share one). */
  readonly proofs: Map<number, DeviceProof>;
  readonly headers: LightBlock[];
  /** Wire bytes by seq, to check proofs against. */
  readonly sent: Map<number, Uint8Array>;
  publishRaw(payload: Uint8Array): Promise<void>;
  send(tx: UnsignedTx): Promise<Uint8Array>;
  sendReadings(seq: number, values: number[]): Promise<Uint8Array>;
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let lastTokenMs = 0;
/** A fresh CONNECT password (docs/protocol.md §9.6): its time strictly above the last one this process made. */
export function connectPassword(crypto: CryptoProvider, chainId: Uint8Array, keys: KeyPair): string {
  lastTokenMs = Math.max(Date.now(), lastTokenMs + 1);
  return bytesToHex(makeConnectToken(crypto, chainId, keys, lastTokenMs));
}

export async function connectDevice(url: string, crypto: CryptoProvider, chainId: Uint8Array, keys: KeyPair, clientId?: string): Promise<MqttDevice> {
  const id = keyId(crypto, keys.publicKey);
  const topics = chainTopics(chainId);
  const client = await mqtt.connectAsync(url, { clientId: clientId ?? bytesToHex(id), username: bytesToHex(id), password: connectPassword(crypto, chainId, keys), clean: true, reconnectPeriod: 0 });
  const acks = new Map<number, Ack>();
  const ackLog: Ack[] = [];
  const proofs = new Map<number, DeviceProof>();
  const headers: LightBlock[] = [];
  const sent = new Map<number, Uint8Array>();
  client.on('message', (topic, payload) => {
    const bytes = new Uint8Array(payload);
    if (topic === topics.device(id, DeviceTopic.ACK)) {
      const ack = decodeAck(bytes);
      acks.set(ack.seq, ack);
      ackLog.push(ack);
    } else if (topic === topics.device(id, DeviceTopic.PROOF)) {
      const message = decodeProofMessage(bytes);
      for (const { seq, proof } of message.proofs) {
        proofs.set(seq, { seq, height: message.height, proof });
        if (!acks.has(seq)) acks.set(seq, { seq, code: 0 });
      }
    } else if (topic === topics.header) {
      headers.push(decodeLightBlock(bytes));
    }
  });
  await client.subscribeAsync([topics.device(id, DeviceTopic.ACK), topics.device(id, DeviceTopic.PROOF), topics.header], { qos: 1 });
  const device: MqttDevice = {
    id, client, acks, ackLog, proofs, headers, sent,
    async publishRaw(payload) {
      await client.publishAsync(topics.up, Buffer.from(payload), { qos: 1 });
    },
    async send(tx) {
      const wire = encodeTx(signTx(crypto, chainId, tx, keys.privateKey));
      sent.set(tx.seq, wire);
      await device.publishRaw(wire);
      return txId(crypto, wire);
    },
    sendReadings(seq, values) {
      return device.send({ kind: TxKind.READINGS, sender: id, seq, time: Math.floor(Date.now() / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 10, values }]) });
    },
    async waitFor(check, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await client.endAsync();
    },
  };
  return device;
}
