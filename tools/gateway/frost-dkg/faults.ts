// What the FROST key generation can blame, and on whom (tools layer, gateway/frost-dkg).
// After the ChillDKG BIP draft's exceptions (BlockstreamResearch/bip-frost-dkg,
// python/chilldkg_ref/util.py): FaultyParticipantError (the coordinator names a participant),
// FaultyParticipantOrCoordinatorError (a participant names another — which is proof only if the
// coordinator is honest), FaultyCoordinatorError, and UnknownFaultyParticipantOrCoordinatorError
// (a bad share whose sender is found by the investigation step). Here one typed error carries
// one fault; `culprit` is the 0-based index of the participant in the attempt that failed.
// The codes reuse the project's table (src/errors) until DKG gets a range of its own.

import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';

export const DkgFaultKind = Object.freeze({
  /** No round-1 message from this participant before the deadline. */
  MISSING_MESSAGE: 'missing-message',
  /** The participant sent its round-1 message but not the share it owes the reporter. */
  MISSING_SHARE: 'missing-share',
  /** Bytes that do not parse (wrong length, not a point). */
  MALFORMED_MESSAGE: 'malformed-message',
  /** Commitment to the secret is the point at infinity. */
  BAD_COMMITMENT: 'bad-commitment',
  /** The proof of possession of the constant term does not verify. */
  BAD_POP: 'bad-pop',
  /** A share that does not match its sender's VSS commitment. */
  BAD_SHARE: 'bad-share',
  /** The coordinator's message contradicts what the participant sent or received. */
  FAULTY_COORDINATOR: 'faulty-coordinator',
  /** A share failed the check but the investigation message was not available to name its sender. */
  UNKNOWN_BAD_SHARE: 'unknown-bad-share',
  /** Participants ended with different equality-check inputs (different views of the commitments). */
  EQUALITY_MISMATCH: 'equality-mismatch',
  /** CertEq: this member's host-key signature over the equality input does not verify. */
  BAD_CERT_SIGNATURE: 'bad-cert-signature',
} as const);

export type DkgFaultKind = (typeof DkgFaultKind)[keyof typeof DkgFaultKind];

export interface DkgFault {
  readonly kind: DkgFaultKind;
  /** 0-based index (in the attempt) of the participant blamed; absent when no participant is named. */
  readonly culprit?: number;
  /** 0-based index of the participant that detected it; absent when the coordinator did. */
  readonly reporter?: number;
  readonly reason: string;
}

const codeOf: Readonly<Record<DkgFaultKind, ErrorCode>> = Object.freeze({
  'missing-message': ErrorCode.NOT_FOUND,
  'missing-share': ErrorCode.NOT_FOUND,
  'malformed-message': ErrorCode.BAD_SHAPE,
  'bad-commitment': ErrorCode.BAD_KEY,
  'bad-pop': ErrorCode.BAD_SIGNATURE,
  'bad-share': ErrorCode.BAD_PROOF,
  'faulty-coordinator': ErrorCode.BAD_REQUEST,
  'unknown-bad-share': ErrorCode.BAD_PROOF,
  'equality-mismatch': ErrorCode.COMMIT_MISMATCH,
  'bad-cert-signature': ErrorCode.BAD_SIGNATURE,
});

export class DkgError extends BotError {
  readonly fault: DkgFault;
  constructor(fault: DkgFault) {
    super(codeOf[fault.kind], `${fault.kind}${fault.culprit === undefined ? '' : ` by participant ${fault.culprit}`}: ${fault.reason}`);
    this.fault = fault;
  }
}

export function dkgFail(fault: DkgFault): never {
  throw new DkgError(fault);
}
