// How the gateway pushes the two messages it sends for every transaction (tools layer,
// Node only): the ack (docs/protocol.md §9.2) and the proof message (§9.3). Their bytes
// are the core's (encodeAck, encodeProofMessage in src/mqtt/, which write them straight
// into one exactly sized buffer); what is the gateway's is the QoS it sends them at.

import { type ChainTopics, DeviceTopic, type InclusionProof } from '../../src/index.js';
import { encodeAck } from '../../src/mqtt/ack-message.js';
import { encodeProofMessage } from '../../src/mqtt/proof-message.js';
import type { Bus } from './bus.js';

/**
 * QoS of acks and proof messages (docs/protocol.md §9.1). 0: the light peer never relies on the
 * broker to queue or re-deliver either (§11.4: an ack that does not come is answered by sending
 * the transaction again, which gets REPLAY, then PROOF; after every reconnect the peer asks for
 * the proof of every acknowledged transaction). Over a live connection TCP delivers QoS 0 in
 * order as well as QoS 1; what QoS 1 added was a PUBACK back for each message and the broker
 * keeping each one for a persistent session: two of the six MQTT packets of every transaction,
 * and about 7 µs of the gateway's main thread per transaction (measured with bench:gateway).
 */
export const PUSH_QOS = 0;

/** Tells `sender` the verdict on its transaction `seq`. A lost ack costs a REPLAY ack later, never data. */
export function pushAck(bus: Bus, topics: ChainTopics, sender: Uint8Array, seq: number, code: number): void {
  bus.publish(topics.device(sender, DeviceTopic.ACK), encodeAck({ seq, code }), { qos: PUSH_QOS }).catch(() => {});
}

/**
 * Sends each transaction's sender its inclusion proof in block `height` (proofs[i] is entries[i]'s).
 * Devices also ask for proofs, so a lost push loses nothing.
 */
export function pushProofs(
  bus: Bus,
  topics: ChainTopics,
  height: number,
  entries: readonly { readonly tx: { readonly sender: Uint8Array; readonly seq: number } }[],
  proofs: readonly InclusionProof[],
): void {
  entries.forEach((entry, i) => {
    const message = encodeProofMessage({ seq: entry.tx.seq, height, proof: proofs[i]! });
    bus.publish(topics.device(entry.tx.sender, DeviceTopic.PROOF), message, { qos: PUSH_QOS }).catch(() => {});
  });
}
