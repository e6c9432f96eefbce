// Enrolment of a simulated fleet (tools layer, Node only): the operator's side, as
// `botpeer device enroll` does it (device-command.ts), for the devices of a fleet
// folder that are not enrolled yet. ENROLL transactions signed with the operator
// key go to the up topic over MQTT as the operator (client id = the operator's id,
// the one tool the embedded broker lets publish transactions); each ack decides.
// An ack of DUPLICATE_DEVICE means the key is already an account: enrolled before
// (say, by a run that was stopped before it saw the ack), so it counts as done.

import { connectToBroker } from './broker-connect.js';
import {
  type CryptoProvider, DeviceTopic, ErrorCode, type KeyPair, TxKind, bytesToHex, chainTopics, decodeAck, encodeTx, enrollBody,
  keyId, signTx,
} from '../../src/index.js';
import { CliError } from './cli-support.js';

export interface FleetEnrollOptions {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly operator: KeyPair;
  readonly brokerUrl: string;
  /** The operator account's next sequence number. */
  readonly firstSeq: number;
  /** Give up when no ack came for this long. */
  readonly timeoutMs: number;
  /** Client-side pacing under the gateway's per-sender rate limit (default 100 at once, then 40/s). */
  readonly burst?: number;
  readonly perSecond?: number;
  readonly onProgress?: (acked: number, total: number) => void;
}

/** Whether an enrolment ack means the device is (now or already) an account. */
export const enrolledBy = (code: number | undefined): boolean => code === ErrorCode.OK || code === ErrorCode.DUPLICATE_DEVICE;

/** Enrols each public key; resolves to each one's ack code (undefined: no ack in time). */
export async function enrollKeys(options: FleetEnrollOptions, publicKeys: readonly Uint8Array[]): Promise<(number | undefined)[]> {
  if (publicKeys.length === 0) return [];
  const { crypto, chainId, operator } = options;
  const burst = options.burst ?? 100;
  const perSecond = options.perSecond ?? 40;
  const operatorId = keyId(crypto, operator.publicKey);
  const topics = chainTopics(chainId);
  const ackTopic = topics.device(operatorId, DeviceTopic.ACK);
  const client = await connectToBroker(options.brokerUrl, bytesToHex(operatorId), options.timeoutMs, ' to enrol the devices');
  try {
    const acks = new Map<number, number>();
    let lastAckAt = Date.now();
    client.on('message', (topic, payload) => {
      if (topic !== ackTopic) return;
      try {
        const ack = decodeAck(new Uint8Array(payload));
        acks.set(ack.seq, ack.code);
        lastAckAt = Date.now();
        options.onProgress?.(acks.size, publicKeys.length);
      } catch {
        // not an ack: ignore
      }
    });
    const granted = await client.subscribeAsync(ackTopic, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) {
      throw new CliError(`the broker refused the subscription to ${ackTopic}: is it this chain's gateway, and the operator key this chain's?`);
    }
    const started = Date.now();
    for (const [i, publicKey] of publicKeys.entries()) {
      const allowed = burst + ((Date.now() - started) / 1000) * perSecond;
      if (i >= allowed) await sleep(((i - burst) / perSecond) * 1000 - (Date.now() - started));
      const tx = signTx(crypto, chainId, {
        kind: TxKind.ENROLL, sender: operatorId, seq: options.firstSeq + i, time: Math.floor(Date.now() / 1000), body: enrollBody(publicKey),
      }, operator.privateKey);
      await client.publishAsync(topics.up, Buffer.from(encodeTx(tx)), { qos: 1 });
    }
    lastAckAt = Math.max(lastAckAt, Date.now());
    while (acks.size < publicKeys.length && Date.now() - lastAckAt < options.timeoutMs) await sleep(20);
    return publicKeys.map((_, i) => acks.get(options.firstSeq + i));
  } finally {
    await client.endAsync().catch(() => {});
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
