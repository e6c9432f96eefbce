// Enrolment of a simulated fleet (tools layer, Node only): the operator's side, as
// `botpeer device enroll` does it (device-command.ts), for the devices of a fleet
// folder that are not enrolled yet: ENROLL transactions signed with the operator
// key (operator-submit.ts); each ack decides.
// An ack of DUPLICATE_DEVICE means the key is already an account: enrolled before
// (say, by a run that was stopped before it saw the ack), so it counts as done.

import { type CryptoProvider, ErrorCode, type KeyPair, TxKind, enrollBody } from '../../src/index.js';
import { submitAsOperator } from './operator-submit.js';

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
  const outcomes = await submitAsOperator(
    { ...options, purpose: ' to enrol the devices', onAck: options.onProgress },
    publicKeys.map((publicKey) => ({ kind: TxKind.ENROLL, body: enrollBody(publicKey) })),
  );
  return outcomes.map((o) => o.code);
}
