// Transactions signed by the chain's operator, sent over MQTT (tools layer, Node only):
// what `botpeer device enroll/revoke` and the fleet's enrolment share. The operator
// connects with its own id as client id, proving the operator key (docs/protocol.md §9.6), subscribes to its ack topic, publishes paced under the gateway's
// per-sender rate limit, and waits until every ack is in or none came for the timeout.

import {
  type CryptoProvider, DeviceTopic, type KeyPair, type TxKind, type UnsignedTx, bytesToHex, chainTopics, decodeAck, decodeProofMessage, ErrorCode, encodeTx,
  connectCredentials, keyId, signTx, txId,
} from '../../src/index.js';
import { connectToBroker } from './broker-connect.js';
import { CliError } from './cli-support.js';

export interface OperatorSubmitOptions {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly operator: KeyPair;
  readonly brokerUrl: string;
  /** The operator account's next sequence number. */
  readonly firstSeq: number;
  /** Give up when no ack came for this long. */
  readonly timeoutMs: number;
  /** Words after "cannot connect to the broker at URL" in the error, e.g. " to enrol the devices". */
  readonly purpose?: string;
  /** Client-side pacing (default 100 at once, then 40/s). */
  readonly burst?: number;
  readonly perSecond?: number;
  readonly onAck?: (acked: number, total: number) => void;
}

export interface OperatorTx {
  readonly kind: TxKind;
  readonly body: UnsignedTx['body'];
  /** Runs just before the transaction is published (e.g. to save a key file first). */
  readonly beforeSend?: () => void;
}

export interface OperatorOutcome {
  readonly seq: number;
  readonly id: Uint8Array;
  /** The verdict: a reject ack's code, or OK (0) once its proof came (the gateway acks only rejects, docs/protocol.md §9.2); undefined when neither came in time. */
  readonly code: number | undefined;
}

export async function submitAsOperator(options: OperatorSubmitOptions, txs: readonly OperatorTx[]): Promise<OperatorOutcome[]> {
  const { crypto, chainId, operator } = options;
  const burst = options.burst ?? 100;
  const perSecond = options.perSecond ?? 40;
  const operatorId = keyId(crypto, operator.publicKey);
  const topics = chainTopics(chainId);
  const ackTopic = topics.device(operatorId, DeviceTopic.ACK);
  const proofTopic = topics.device(operatorId, DeviceTopic.PROOF);
  const client = await connectToBroker(options.brokerUrl, bytesToHex(operatorId), options.timeoutMs, options.purpose ?? '', connectCredentials(crypto, chainId, operator, Date));
  try {
    const acks = new Map<number, number>();
    let lastAckAt = Date.now();
    client.on('message', (topic, payload) => {
      try {
        if (topic === ackTopic) {
          const ack = decodeAck(new Uint8Array(payload));
          acks.set(ack.seq, ack.code);
        } else if (topic === proofTopic) {
          // The proof is the positive ack; a reject that came first stands.
          for (const { seq } of decodeProofMessage(new Uint8Array(payload)).proofs) if (!acks.has(seq)) acks.set(seq, ErrorCode.OK);
        } else {
          return;
        }
        lastAckAt = Date.now();
        options.onAck?.(acks.size, txs.length);
      } catch {
        // not an ack or proof message: ignore
      }
    });
    const granted = await client.subscribeAsync([ackTopic, proofTopic], { qos: 1 });
    if (granted.some((g) => g.qos === 128)) {
      throw new CliError(`the broker refused the subscription to ${ackTopic} and ${proofTopic}: is it this chain's gateway, and the operator key this chain's?`);
    }
    const sent: { seq: number; id: Uint8Array }[] = [];
    const started = Date.now();
    for (const [i, item] of txs.entries()) {
      const allowed = burst + ((Date.now() - started) / 1000) * perSecond;
      if (i >= allowed) await sleep(((i - burst) / perSecond) * 1000 - (Date.now() - started));
      const seq = options.firstSeq + i;
      const tx: UnsignedTx = { kind: item.kind, sender: operatorId, seq, time: Math.floor(Date.now() / 1000), body: item.body };
      const wire = encodeTx(signTx(crypto, chainId, tx, operator.privateKey));
      item.beforeSend?.();
      await client.publishAsync(topics.up, Buffer.from(wire), { qos: 1 });
      sent.push({ seq, id: txId(crypto, wire) });
    }
    lastAckAt = Math.max(lastAckAt, Date.now());
    while (sent.some((s) => !acks.has(s.seq)) && Date.now() - lastAckAt < options.timeoutMs) await sleep(20);
    return sent.map((s) => ({ ...s, code: acks.get(s.seq) }));
  } finally {
    await client.endAsync().catch(() => {});
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
