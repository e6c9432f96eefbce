// What the light peer shows its host (core layer): its state, counters, last
// error and the events it emits. Closed sets are frozen objects so they preload
// into flash on XS.

/** One visible state; when several conditions hold, the first of this list that applies wins. */
export const PeerState = Object.freeze({
  OFFLINE: 'offline',
  ONLINE: 'online',
  BLOCKED: 'blocked',
  REVOKED: 'revoked',
  UNENROLLED: 'unenrolled',
  OUTBOX_FULL: 'outbox-full',
  UNTRUSTED: 'untrusted',
} as const);
export type PeerState = (typeof PeerState)[keyof typeof PeerState];

export interface PeerCounters {
  /** Readings taken (one per sensor value). */
  sampled: number;
  /** Sampling rounds not taken because the outbox was full. */
  skipped: number;
  signed: number;
  acked: number;
  final: number;
  rejected: number;
  /** Transactions re-signed under a new seq after the gateway showed it never accepted them. */
  reissued: number;
  /** Transactions published again (after a lost ack, a transient rejection or a re-check). */
  resent: number;
  headersVerified: number;
  headersRejected: number;
  proofsRejected: number;
  /** Acks and responses that did not decode. */
  badMessages: number;
  /** Watch rules: other devices' readings verified (proof, header, signature), refused, and actuator switches. */
  readingsVerified: number;
  readingsRefused: number;
  actuations: number;
}

export interface PeerError {
  readonly code: number;
  readonly name: string;
  readonly detail: string;
}

export interface PeerStatus {
  readonly state: PeerState;
  readonly deviceId: string;
  readonly connected: boolean;
  readonly nextSeq: number;
  readonly outbox: number;
  readonly trustedHeight: number;
  readonly counters: Readonly<PeerCounters>;
  readonly lastError?: PeerError;
}

export type PeerEvent =
  | { readonly type: 'signed'; readonly seq: number; readonly readings: number }
  | { readonly type: 'acked'; readonly seq: number }
  /** latencyMs: from the sampling of the transaction's first reading to finality on the device. */
  | { readonly type: 'final'; readonly seq: number; readonly height: number; readonly latencyMs: number }
  | { readonly type: 'rejected'; readonly seq: number; readonly code: number }
  | { readonly type: 'reissued'; readonly seq: number; readonly newSeq: number }
  | { readonly type: 'header'; readonly height: number }
  | { readonly type: 'header-rejected'; readonly code: number; readonly detail: string }
  /** Trust re-anchored on an operator-signed checkpoint. */
  | { readonly type: 'anchored'; readonly height: number }
  /** seq 0 when the proof message itself did not decode. */
  | { readonly type: 'proof-rejected'; readonly seq: number; readonly code: number; readonly detail: string }
  | { readonly type: 'bad-message'; readonly topic: 'ack' | 'res'; readonly code: number }
  | { readonly type: 'state'; readonly state: PeerState }
  /** Watch rule `rule`: a reading of `source` verified (proof under a verified header, signature); `holds`: the rule's comparison. */
  | { readonly type: 'reading'; readonly rule: number; readonly source: string; readonly seq: number; readonly height: number; readonly mantissa: number; readonly scale: number; readonly holds: boolean }
  /** Watch rule `rule` switched its actuator on a verified reading. */
  | { readonly type: 'actuated'; readonly rule: number; readonly actuator: string; readonly on: boolean; readonly source: string; readonly seq: number; readonly height: number; readonly mantissa: number; readonly scale: number }
  /** Watch rule `rule` refused what the gateway offered (seq 0 when the answer did not decode); nothing changed. */
  | { readonly type: 'reading-refused'; readonly rule: number; readonly source: string; readonly seq: number; readonly code: number; readonly detail: string };

export function newCounters(): PeerCounters {
  return {
    sampled: 0, skipped: 0, signed: 0, acked: 0, final: 0, rejected: 0, reissued: 0, resent: 0,
    headersVerified: 0, headersRejected: 0, proofsRejected: 0, badMessages: 0, readingsVerified: 0, readingsRefused: 0, actuations: 0,
  };
}
