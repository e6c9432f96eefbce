// Byte layouts of the SimplPedPop messages (tools layer, gateway/frost-dkg), exactly as the
// ChillDKG BIP draft's reference code serializes them (BlockstreamResearch/bip-frost-dkg,
// python/chilldkg_ref/simplpedpop.py, "Messages"):
//   ParticipantMsg      = com (33·t) || pop (64)                             33t + 64 bytes
//   CoordinatorMsg      = C_0 of each participant (33·n)
//                         || Σ of the non-constant commitments (33·(t−1)) || pops (64·n)   97n + 33(t−1)
//   CoordinatorInvestigationMsg (one per participant i) = com_j.pubshare(i) for each j (33·n)
// Points use the 33-byte compressed encoding with 33 zero bytes for infinity.

import { POINT_BYTES, type Point, concatBytes, pointFromBytesWithInfinity, pointToBytesWithInfinity } from './group.js';
import { POP_BYTES } from './pop.js';
import { type VssCommitment, commitmentFromBytes, commitmentToBytes } from './vss.js';

export interface ParticipantMsg {
  readonly com: VssCommitment;
  readonly pop: Uint8Array;
}

export interface CoordinatorMsg {
  readonly comsToSecrets: readonly Point[];
  readonly sumComsToNonconstTerms: readonly Point[];
  readonly pops: readonly Uint8Array[];
}

export function participantMsgLength(t: number): number {
  return POINT_BYTES * t + POP_BYTES;
}

export function coordinatorMsgLength(t: number, n: number): number {
  return 97 * n + POINT_BYTES * (t - 1);
}

export function encodeParticipantMsg(m: ParticipantMsg): Uint8Array {
  return concatBytes(commitmentToBytes(m.com), m.pop);
}

/** Undefined when the bytes are not a well-formed ParticipantMsg for threshold t. */
export function decodeParticipantMsg(b: Uint8Array, t: number): ParticipantMsg | undefined {
  if (b.length !== participantMsgLength(t)) return undefined;
  const com = commitmentFromBytes(b.subarray(0, POINT_BYTES * t), t);
  if (com === undefined) return undefined;
  return { com, pop: b.slice(POINT_BYTES * t) };
}

export function encodeCoordinatorMsg(m: CoordinatorMsg): Uint8Array {
  return concatBytes(
    ...m.comsToSecrets.map(pointToBytesWithInfinity),
    ...m.sumComsToNonconstTerms.map(pointToBytesWithInfinity),
    ...m.pops,
  );
}

function decodePoints(b: Uint8Array, count: number): Point[] | undefined {
  const out: Point[] = [];
  for (let i = 0; i < count; i++) {
    const p = pointFromBytesWithInfinity(b.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES));
    if (p === undefined) return undefined;
    out.push(p);
  }
  return out;
}

export function decodeCoordinatorMsg(b: Uint8Array, t: number, n: number): CoordinatorMsg | undefined {
  if (b.length !== coordinatorMsgLength(t, n)) return undefined;
  const comsToSecrets = decodePoints(b.subarray(0, POINT_BYTES * n), n);
  const rest = b.subarray(POINT_BYTES * n);
  const sumComsToNonconstTerms = decodePoints(rest.subarray(0, POINT_BYTES * (t - 1)), t - 1);
  if (comsToSecrets === undefined || sumComsToNonconstTerms === undefined) return undefined;
  const popsBytes = rest.subarray(POINT_BYTES * (t - 1));
  const pops: Uint8Array[] = [];
  for (let i = 0; i < n; i++) pops.push(popsBytes.slice(i * POP_BYTES, (i + 1) * POP_BYTES));
  return { comsToSecrets, sumComsToNonconstTerms, pops };
}

export function encodeInvestigationMsg(partialPubshares: readonly Point[]): Uint8Array {
  return concatBytes(...partialPubshares.map(pointToBytesWithInfinity));
}

export function decodeInvestigationMsg(b: Uint8Array, n: number): Point[] | undefined {
  if (b.length !== POINT_BYTES * n) return undefined;
  return decodePoints(b, n);
}
