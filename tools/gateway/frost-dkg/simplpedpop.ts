// SimplPedPop, the core of the ChillDKG BIP draft (tools layer, gateway/frost-dkg): distributed
// key generation with no trusted dealer for FROST over secp256k1. Follows
// BlockstreamResearch/bip-frost-dkg README "Building Block: SimplPedPop" and
// python/chilldkg_ref/simplpedpop.py step for step:
//   participantStep1  — VSS polynomial from a fresh seed, commitment, proof of possession of a_0,
//                       and the n partial shares f(j+1) to send privately to each participant j;
//   coordinatorStep   — keeps each C_0 (the pops need them), sums the non-constant commitments;
//   participantStep2  — checks its own C_0 came back, every other C_0 and pop, then its summed
//                       share against the summed commitment; outputs the FROST key material and
//                       the equality-check input t || sum_coms that all participants must agree on;
//   coordinatorInvestigate / participantInvestigate — when the summed share fails, the partial
//                       public shares name the sender of the bad partial share.
// Output format is what the FROST signing draft (siv2r/bip-frost-signing, README "Key Material and
// Setup", "Signers Context") takes: participant identifiers 0..n−1 (share = f(id+1)), a 32-byte
// secret share, 33-byte compressed public shares and a 33-byte compressed threshold public key
// ("plain" keys; the signing negates shares when the key has odd y, and the BIP-340 key is its x).
// Not here (ChillDKG's other layers): EncPedPop's encryption of shares to host keys (shares travel
// over the caller's secure channels) and recovery data; CertEq is in certeq.ts, run by session.ts.

import { DkgFaultKind, dkgFail } from './faults.js';
import {
  type Point,
  bigintTo32,
  concatBytes,
  pointToBytes,
  pointToXonly,
  scalarFromBytesChecked,
  sumPoints,
  sumScalars,
  u32be,
} from './group.js';
import {
  type CoordinatorMsg,
  decodeCoordinatorMsg,
  decodeInvestigationMsg,
  decodeParticipantMsg,
  encodeCoordinatorMsg,
  encodeInvestigationMsg,
  encodeParticipantMsg,
} from './messages.js';
import { popProve, popVerify } from './pop.js';
import {
  type VssCommitment,
  commitmentPubshare,
  invalidTaprootCommit,
  secshareFor,
  verifySecshare,
  vssCommit,
  vssGenerate,
} from './vss.js';

/** The key material one participant ends with (DKGOutput in the draft). */
export interface DkgOutput {
  /** 32-byte secret share; undefined for the coordinator. */
  readonly secshare: Uint8Array | undefined;
  /** 33-byte compressed threshold public key (plain; its x is the BIP-340 group key). */
  readonly threshPk: Uint8Array;
  /** 33-byte compressed public share of each participant, by identifier 0..n−1. */
  readonly pubshares: readonly Uint8Array[];
}

export interface ParticipantState {
  readonly t: number;
  readonly n: number;
  readonly participantId: number;
  readonly comToSecret: Point;
}

/** What participantInvestigate needs when the summed share failed (ParticipantInvestigationData). */
export interface InvestigationData {
  readonly n: number;
  readonly participantId: number;
  readonly secshare: bigint;
  readonly pubshare: Point;
}

export type Step2Result =
  | { readonly ok: true; readonly output: DkgOutput; readonly eqInput: Uint8Array }
  | { readonly ok: false; readonly investigation: InvestigationData };

export function checkParams(t: number, n: number): void {
  if (!Number.isInteger(t) || !Number.isInteger(n) || t < 1 || t > n || n > 0xffffffff) {
    throw new RangeError(`need 1 <= t <= n < 2^32, got t=${t} n=${n}`);
  }
}

/**
 * participant_step1. seed and auxRand are 32 fresh random bytes each and must never be reused
 * across sessions (a re-run after a fault draws new ones). partialShares[j] goes to participant
 * j over a private, authenticated channel; partialShares[participantId] is kept.
 */
export function participantStep1(
  seed: Uint8Array,
  t: number,
  n: number,
  participantId: number,
  auxRand: Uint8Array,
): { state: ParticipantState; msg: Uint8Array; partialShares: bigint[] } {
  checkParams(t, n);
  if (!Number.isInteger(participantId) || participantId < 0 || participantId >= n) throw new RangeError('participant id out of range');
  if (seed.length !== 32 || auxRand.length !== 32) throw new RangeError('seed and aux_rand must be 32 bytes');
  const f = vssGenerate(seed, t);
  const partialShares = Array.from({ length: n }, (_, j) => secshareFor(f, j));
  const pop = popProve(f[0]!, participantId, auxRand);
  const com = vssCommit(f);
  const msg = encodeParticipantMsg({ com, pop });
  return { state: { t, n, participantId, comToSecret: com[0]! }, msg, partialShares };
}

/** participant_step2_prepare_secshare: the sum of the partial shares received (own one included). */
export function prepareSecshare(partialShares: readonly bigint[]): bigint {
  return sumScalars(partialShares);
}

function assembleSumComs(comsToSecrets: readonly Point[], sumComsToNonconstTerms: readonly Point[]): Point[] {
  return [sumPoints(comsToSecrets), ...sumComsToNonconstTerms];
}

function eqInputOf(t: number, sumComs: VssCommitment): Uint8Array {
  return concatBytes(u32be(t), ...sumComs.map((p) => (p.is0() ? new Uint8Array(33) : p.toBytes(true))));
}

/**
 * participant_step2. Throws DkgError naming a participant (bad commitment or pop: the culprit
 * sent it, or the coordinator forged it) or the coordinator; returns ok:false with the data for
 * participantInvestigate when only the summed share is known to be wrong.
 */
export function participantStep2(state: ParticipantState, cmsg: Uint8Array, secshare: bigint): Step2Result {
  const { t, n, participantId: me, comToSecret } = state;
  const parsed = decodeCoordinatorMsg(cmsg, t, n);
  if (parsed === undefined) dkgFail({ kind: DkgFaultKind.FAULTY_COORDINATOR, reporter: me, reason: 'malformed coordinator message' });
  const { comsToSecrets, sumComsToNonconstTerms, pops } = parsed;
  if (!comsToSecrets[me]!.equals(comToSecret)) {
    dkgFail({ kind: DkgFaultKind.FAULTY_COORDINATOR, reporter: me, reason: 'coordinator sent a different commitment for this participant' });
  }
  for (let i = 0; i < n; i++) {
    if (i === me) continue; // no need to check our own pop
    const c = comsToSecrets[i]!;
    if (c.is0()) dkgFail({ kind: DkgFaultKind.BAD_COMMITMENT, culprit: i, reporter: me, reason: 'commitment to the secret is infinity' });
    if (!popVerify(pops[i]!, pointToXonly(c), i)) {
      dkgFail({ kind: DkgFaultKind.BAD_POP, culprit: i, reporter: me, reason: 'invalid proof of possession' });
    }
  }
  const sumComs = assembleSumComs(comsToSecrets, sumComsToNonconstTerms);
  const tweaked = invalidTaprootCommit(sumComs);
  if (tweaked === undefined) dkgFail({ kind: DkgFaultKind.FAULTY_COORDINATOR, reporter: me, reason: 'summed commitment to the secret is infinity' });
  const pubshareTweaked = commitmentPubshare(tweaked.com, me);
  const secshareTweaked = sumScalars([secshare, tweaked.tweak]);
  if (!verifySecshare(secshareTweaked, pubshareTweaked)) {
    return { ok: false, investigation: { n, participantId: me, secshare, pubshare: pubshareTweaked.subtract(tweaked.pubtweak) } };
  }
  const pubshares = Array.from({ length: n }, (_, i) => pointToBytes(i === me ? pubshareTweaked : commitmentPubshare(tweaked.com, i)));
  return {
    ok: true,
    output: { secshare: bigintTo32(secshareTweaked), threshPk: pointToBytes(tweaked.com[0]!), pubshares },
    eqInput: eqInputOf(t, sumComs),
  };
}

/**
 * coordinator_step over the n participant messages (indexed by participant id). Throws DkgError
 * naming the first participant whose message does not parse.
 */
export function coordinatorStep(
  pmsgs: readonly Uint8Array[],
  t: number,
  n: number,
): { cmsg: Uint8Array; output: DkgOutput; eqInput: Uint8Array } {
  checkParams(t, n);
  if (pmsgs.length !== n) throw new RangeError('need one message per participant');
  const parsed = pmsgs.map((m, i) => {
    const p = decodeParticipantMsg(m, t);
    if (p === undefined) dkgFail({ kind: DkgFaultKind.MALFORMED_MESSAGE, culprit: i, reason: 'participant message does not parse' });
    return p;
  });
  const comsToSecrets = parsed.map((p) => p.com[0]!);
  // Pedersen's summing of commitments, except the constant terms: the pops need them one by one.
  const sumComsToNonconstTerms = Array.from({ length: t - 1 }, (_, j) => sumPoints(parsed.map((p) => p.com[j + 1]!)));
  const msg: CoordinatorMsg = { comsToSecrets, sumComsToNonconstTerms, pops: parsed.map((p) => p.pop) };
  const sumComs = assembleSumComs(comsToSecrets, sumComsToNonconstTerms);
  const tweaked = invalidTaprootCommit(sumComs);
  if (tweaked === undefined) dkgFail({ kind: DkgFaultKind.BAD_COMMITMENT, reason: 'summed commitment to the secret is infinity' });
  return {
    cmsg: encodeCoordinatorMsg(msg),
    output: {
      secshare: undefined,
      threshPk: pointToBytes(tweaked.com[0]!),
      pubshares: Array.from({ length: n }, (_, i) => pointToBytes(commitmentPubshare(tweaked.com, i))),
    },
    eqInput: eqInputOf(t, sumComs),
  };
}

/** coordinator_investigate: for each participant i, every sender's partial public share com_j.pubshare(i). */
export function coordinatorInvestigate(pmsgs: readonly Uint8Array[], t: number): Uint8Array[] {
  const n = pmsgs.length;
  const coms = pmsgs.map((m, i) => {
    const p = decodeParticipantMsg(m, t);
    if (p === undefined) dkgFail({ kind: DkgFaultKind.MALFORMED_MESSAGE, culprit: i, reason: 'participant message does not parse' });
    return p.com;
  });
  return Array.from({ length: n }, (_, i) => encodeInvestigationMsg(coms.map((com) => commitmentPubshare(com, i))));
}

/**
 * participant_investigate: always ends in a DkgError — naming the sender j whose partial share
 * does not match com_j.pubshare(me), or the coordinator if its investigation message is inconsistent.
 */
export function participantInvestigate(inv: InvestigationData, cinv: Uint8Array, partialShares: readonly bigint[]): never {
  const { n, participantId: me, secshare, pubshare } = inv;
  if (partialShares.length !== n) throw new RangeError('need one partial share per participant');
  const partialPubshares = decodeInvestigationMsg(cinv, n);
  if (partialPubshares === undefined) dkgFail({ kind: DkgFaultKind.FAULTY_COORDINATOR, reporter: me, reason: 'malformed investigation message' });
  if (!sumPoints(partialPubshares).equals(pubshare)) {
    dkgFail({ kind: DkgFaultKind.FAULTY_COORDINATOR, reporter: me, reason: 'sum of partial pubshares is not the pubshare' });
  }
  if (prepareSecshare(partialShares) !== secshare) throw new RangeError('partial shares do not sum to the secshare given');
  for (let j = 0; j < n; j++) {
    if (!verifySecshare(partialShares[j]!, partialPubshares[j]!)) {
      if (j === me) dkgFail({ kind: DkgFaultKind.FAULTY_COORDINATOR, reporter: me, reason: 'coordinator altered the share from me to myself' });
      dkgFail({ kind: DkgFaultKind.BAD_SHARE, culprit: j, reporter: me, reason: 'partial share does not match the sender commitment' });
    }
  }
  throw new Error('participantInvestigate called but all inputs are consistent');
}

/** A share as 32 bytes (for sending), and back; undefined when not a scalar below the order. */
export function shareToBytes(share: bigint): Uint8Array {
  return bigintTo32(share);
}

export function shareFromBytes(b: Uint8Array): bigint | undefined {
  return scalarFromBytesChecked(b);
}

