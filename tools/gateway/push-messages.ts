// How the gateway pushes the two messages it sends devices about their transactions (tools
// layer, Node only): rejects (docs/protocol.md §9.2) and proof messages (§9.3). Their bytes are
// the core's (encodeAck, packProofMessages in src/mqtt/, which write them straight into exactly
// sized buffers); what is the gateway's is which of them go out, and at what QoS.
//
// An accepted transaction gets no ack: its proof, one block interval later, is the positive
// ack (§9.2, §11.4), and the proofs of one device's transactions in one block share a message.
// Per transaction that is one MQTT message out instead of two (with one transaction per device
// per block), or a fraction of one (with several).

import { type ChainTopics, DeviceTopic, ErrorCode, bytesToHex } from '../../src/index.js';
import type { InclusionProof } from '../../src/merkle/merkle.js';
import { encodeAck } from '../../src/mqtt/ack-message.js';
import { type TxProof, packProofMessages } from '../../src/mqtt/proof-message.js';
import type { Bus } from './bus.js';

/**
 * QoS of acks and proof messages (docs/protocol.md §9.1). 0: the light peer never relies on the
 * broker to queue or re-deliver either (§11.4: a transaction with neither a reject nor a proof
 * within proofTimeoutMs is sent again, which gets REPLAY, then PROOF; after every reconnect the
 * peer asks for the proof of every acknowledged transaction). Over a live connection TCP delivers
 * QoS 0 in order as well as QoS 1; what QoS 1 added was a PUBACK back for each message and the
 * broker keeping each one for a persistent session, and about 7 µs of the gateway's main thread
 * per transaction (measured with bench:gateway).
 */
export const PUSH_QOS = 0;

/**
 * Tells `sender` the verdict on its transaction `seq`: a reject is sent at once; OK is not sent
 * at all, the proof is the positive ack (§9.2). A lost reject costs a re-send and a REPLAY later, never data.
 */
export function pushAck(bus: Bus, topics: ChainTopics, sender: Uint8Array, seq: number, code: number): void {
  if (code === ErrorCode.OK) return;
  bus.publish(topics.device(sender, DeviceTopic.ACK), encodeAck({ seq, code }), { qos: PUSH_QOS }).catch(() => {});
}

/**
 * Sends each transaction's sender its inclusion proof in block `height` (proofs[i] is entries[i]'s):
 * one message per sender (more only past SMALL_LIMITS), with its proofs in block order, which is
 * ascending seq order per sender. Devices also ask for proofs, so a lost push loses nothing.
 */
export function pushProofs(
  bus: Bus,
  topics: ChainTopics,
  height: number,
  entries: readonly { readonly tx: { readonly sender: Uint8Array; readonly seq: number } }[],
  proofs: readonly InclusionProof[],
): void {
  const bySender = new Map<string, { sender: Uint8Array; proofs: TxProof[] }>();
  entries.forEach((entry, i) => {
    const key = bytesToHex(entry.tx.sender);
    let group = bySender.get(key);
    if (!group) bySender.set(key, (group = { sender: entry.tx.sender, proofs: [] }));
    group.proofs.push({ seq: entry.tx.seq, proof: proofs[i]! });
  });
  for (const { sender, proofs: list } of bySender.values()) {
    let messages: Uint8Array[];
    try {
      messages = packProofMessages(height, list);
    } catch {
      continue; // seqs not ascending: a caller bug, and the device asks for its proofs (PROOF) anyway
    }
    const topic = topics.device(sender, DeviceTopic.PROOF);
    for (const message of messages) bus.publish(topic, message, { qos: PUSH_QOS }).catch(() => {});
  }
}
