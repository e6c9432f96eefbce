// One key generation among the consortium's members, with blame and re-runs (tools layer,
// gateway/frost-dkg). Drives SimplPedPop (simplpedpop.ts) for every member through a DkgWire — the
// members' channels: participant → coordinator, and private participant → participant shares — so
// a member that sends nothing, a malformed message, a bad proof of possession or a bad share is
// detected and NAMED, and the session runs again among the remaining members with fresh randomness
// (a polynomial must never be reused: an excluded member already holds one evaluation of each).
//
// Compared with the ChillDKG BIP draft (BlockstreamResearch/bip-frost-dkg, README "ChillDKG"):
// - the equality check compares every participant's eq_input (t || summed commitment); with
//   `hostKeys` it is also CertEq (certeq.ts): each member signs eq_input || host keys, and a bad
//   signature in the certificate names its signer. Without host keys it trusts the runner;
// - shares are not encrypted to host keys (no EncPedPop): the wire must be private and authenticated;
// - blame from a participant (bad pop, bad share, missing share) is what that participant saw; as in
//   the draft's FaultyParticipantOrCoordinatorError it is proof only if reporter and coordinator
//   are honest. The coordinator role here is played by the session runner.
// The simulation runs every member's code in one process (tests, benchmarks, a single operator);
// members on separate gateways run the same steps through simplpedpop.ts over their bus.

import { DkgError, type DkgFault, DkgFaultKind } from './faults.js';
import {
  type DkgOutput,
  checkParams,
  coordinatorInvestigate,
  coordinatorStep,
  participantInvestigate,
  participantStep1,
  participantStep2,
  prepareSecshare,
  shareFromBytes,
  shareToBytes,
} from './simplpedpop.js';
import { certeqSign, certeqVerify } from './certeq.js';
import { bytesEqual, concatBytes } from './group.js';

/** The members' channels for one attempt. Return undefined for a message that never arrived. */
export interface DkgWire {
  participantMsg(attempt: number, from: string, msg: Uint8Array): Uint8Array | undefined;
  share(attempt: number, from: string, to: string, share: Uint8Array): Uint8Array | undefined;
  /** CertEq signature from a member (optional hook; absent means delivered unchanged). */
  certSig?(attempt: number, from: string, sig: Uint8Array): Uint8Array;
}

/** A member's host key pair (32-byte secret, 33-byte compressed public), for CertEq. */
export interface HostKey {
  readonly seckey: Uint8Array;
  readonly pubkey: Uint8Array;
}

/** Fresh 32-byte seed and aux_rand for a member in an attempt (injected so tests are deterministic). */
export type DkgEntropy = (member: string, attempt: number) => { seed: Uint8Array; auxRand: Uint8Array };

/** A fault with the members' names resolved. */
export interface NamedFault extends DkgFault {
  readonly culpritName?: string;
  readonly reporterName?: string;
}

export interface DkgAttempt {
  readonly attempt: number;
  /** Participant identifier i is members[i]. */
  readonly members: readonly string[];
  readonly faults: readonly NamedFault[];
}

export interface DkgKeys {
  /** Participant identifier i (FROST signing id, 0-based) is members[i]. */
  readonly members: readonly string[];
  readonly t: number;
  /** 33-byte compressed threshold public key (plain, as the FROST signing draft takes it). */
  readonly threshPk: Uint8Array;
  /** 32-byte x-only BIP-340 group key (x of threshPk). */
  readonly groupKey: Uint8Array;
  readonly pubshares: readonly Uint8Array[];
  /** Each member's own output, secret share included, by member name. */
  readonly outputs: ReadonlyMap<string, DkgOutput>;
}

export type DkgResult =
  | { readonly ok: true; readonly keys: DkgKeys; readonly attempts: readonly DkgAttempt[] }
  | { readonly ok: false; readonly reason: string; readonly attempts: readonly DkgAttempt[] };

export const honestWire: DkgWire = Object.freeze({
  participantMsg: (_a: number, _f: string, msg: Uint8Array) => msg,
  share: (_a: number, _f: string, _t: string, share: Uint8Array) => share,
});

type AttemptOutcome = { ok: true; keys: DkgKeys } | { ok: false; faults: DkgFault[] };

function faultOf(e: unknown): DkgFault {
  if (e instanceof DkgError) return e.fault;
  throw e;
}

/** One SimplPedPop run among `members` (participant i = members[i]). */
export function runAttempt(
  members: readonly string[],
  t: number,
  attempt: number,
  entropy: DkgEntropy,
  wire: DkgWire,
  hostKeys?: (member: string) => HostKey,
): AttemptOutcome {
  const n = members.length;
  checkParams(t, n);
  const step1 = members.map((name, i) => {
    const { seed, auxRand } = entropy(name, attempt);
    return participantStep1(seed, t, n, i, auxRand);
  });

  // Round 1 at the coordinator: everyone missing is named at once, so one re-run suffices.
  const pmsgs = members.map((name, i) => wire.participantMsg(attempt, name, step1[i]!.msg));
  const missing: DkgFault[] = [];
  pmsgs.forEach((m, i) => {
    if (m === undefined) missing.push({ kind: DkgFaultKind.MISSING_MESSAGE, culprit: i, reason: 'no round-1 message' });
  });
  if (missing.length > 0) return { ok: false, faults: missing };
  const received = pmsgs as Uint8Array[];

  let coordinator: ReturnType<typeof coordinatorStep>;
  try {
    coordinator = coordinatorStep(received, t, n);
  } catch (e) {
    return { ok: false, faults: [faultOf(e)] };
  }

  // Round 2 at each participant: every participant's complaint is collected.
  const faults: DkgFault[] = [];
  const outputs = new Map<string, DkgOutput>();
  const eqInputs: Uint8Array[] = [];
  let investigation: Uint8Array[] | undefined;
  for (let me = 0; me < n; me++) {
    const partial: bigint[] = [];
    let complete = true;
    for (let from = 0; from < n; from++) {
      if (from === me) {
        partial.push(step1[me]!.partialShares[me]!);
        continue;
      }
      const bytes = wire.share(attempt, members[from]!, members[me]!, shareToBytes(step1[from]!.partialShares[me]!));
      const share = bytes === undefined ? undefined : shareFromBytes(bytes);
      if (bytes === undefined) faults.push({ kind: DkgFaultKind.MISSING_SHARE, culprit: from, reporter: me, reason: 'no share received' });
      else if (share === undefined) faults.push({ kind: DkgFaultKind.BAD_SHARE, culprit: from, reporter: me, reason: 'share is not a scalar' });
      if (share === undefined) complete = false;
      else partial.push(share);
    }
    if (!complete) continue;
    try {
      const r = participantStep2(step1[me]!.state, coordinator.cmsg, prepareSecshare(partial));
      if (r.ok) {
        outputs.set(members[me]!, r.output);
        eqInputs.push(r.eqInput);
      } else {
        investigation ??= coordinatorInvestigate(received, t);
        participantInvestigate(r.investigation, investigation[me]!, partial);
      }
    } catch (e) {
      faults.push(faultOf(e));
    }
  }
  if (faults.length > 0) return { ok: false, faults };

  // Equality check: every participant saw the same summed commitment as the coordinator.
  if (!eqInputs.every((x) => bytesEqual(x, coordinator.eqInput))) {
    return { ok: false, faults: [{ kind: DkgFaultKind.EQUALITY_MISMATCH, reason: 'participants disagree on the summed commitment' }] };
  }
  if (hostKeys !== undefined) {
    const keys = members.map(hostKeys);
    const x = concatBytes(coordinator.eqInput, ...keys.map((k) => k.pubkey));
    const sigs = members.map((m, i) => {
      const sig = certeqSign(keys[i]!.seckey, i, x, entropy(m, attempt).auxRand);
      return wire.certSig === undefined ? sig : wire.certSig(attempt, m, sig);
    });
    const bad = certeqVerify(keys.map((k) => k.pubkey), x, concatBytes(...sigs));
    if (bad !== undefined) {
      return { ok: false, faults: [{ kind: DkgFaultKind.BAD_CERT_SIGNATURE, culprit: bad, reason: 'invalid signature in the CertEq certificate' }] };
    }
  }
  const { threshPk, pubshares } = coordinator.output;
  return { ok: true, keys: { members: [...members], t, threshPk, groupKey: threshPk.slice(1), pubshares, outputs } };
}

function name(f: DkgFault, members: readonly string[]): NamedFault {
  return {
    ...f,
    ...(f.culprit === undefined ? {} : { culpritName: members[f.culprit] }),
    ...(f.reporter === undefined ? {} : { reporterName: members[f.reporter] }),
  };
}

/**
 * Key generation with no trusted dealer among `members`, threshold t. After a failed attempt the
 * named culprits are excluded and the protocol runs again with fresh randomness, as long as at
 * least t members remain; an attempt whose faults name nobody (a faulty coordinator, an
 * equality mismatch) ends the session.
 */
export function runDkg(opts: {
  readonly members: readonly string[];
  readonly t: number;
  readonly entropy: DkgEntropy;
  readonly wire?: DkgWire;
  readonly maxAttempts?: number;
  /** When given, the equality check is CertEq with these host keys. */
  readonly hostKeys?: (member: string) => HostKey;
}): DkgResult {
  const wire = opts.wire ?? honestWire;
  if (new Set(opts.members).size !== opts.members.length) throw new RangeError('duplicate member names');
  const maxAttempts = opts.maxAttempts ?? opts.members.length - opts.t + 1;
  const attempts: DkgAttempt[] = [];
  let members = [...opts.members];
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (members.length < opts.t) return { ok: false, reason: `only ${members.length} members left, threshold is ${opts.t}`, attempts };
    const outcome = runAttempt(members, opts.t, attempt, opts.entropy, wire, opts.hostKeys);
    if (outcome.ok) {
      attempts.push({ attempt, members, faults: [] });
      return { ok: true, keys: outcome.keys, attempts };
    }
    const faults = outcome.faults.map((f) => name(f, members));
    attempts.push({ attempt, members, faults });
    const culprits = new Set(faults.flatMap((f) => (f.culpritName === undefined ? [] : [f.culpritName])));
    if (culprits.size === 0) return { ok: false, reason: `attempt ${attempt} failed and named nobody: ${faults.map((f) => f.reason).join('; ')}`, attempts };
    members = members.filter((m) => !culprits.has(m));
  }
  return { ok: false, reason: `no success in ${maxAttempts} attempts`, attempts };
}
