// One member's side of the FROST key generation among members on separate machines (tools layer,
// gateway/frost-dkg), docs/protocol.md §12.5. SimplPedPop (simplpedpop.ts) and CertEq (certeq.ts)
// run over a broadcast transport (a NATS core subject in production, an in-memory bus in tests);
// every message is signed by its sender's member key (network-messages.ts) and shares are encrypted
// to their receiver (share-encryption.ts), so the bus needs neither privacy nor authentication.
//
// Each attempt, among the participants still in (member keys sorted; FROST identifier = index):
//   round 1   everyone publishes ROUND1 (commitment, pop, ephemeral key, n encrypted shares);
//   round 2   with all ROUND1s, the coordinator (index 0) publishes COORDINATOR (the draft's cmsg),
//             and everyone checks the shares it decrypts: all good → CERT (its CertEq signature),
//             else COMPLAINT naming the dealers;
//   reveal    a dealer answers each complaint against it with REVEAL (the share and its ephemeral
//             secret); everyone decrypts the dealer's published ciphertext with it and checks it
//             against the dealer's commitment: a bad or missing answer names the dealer, a good one
//             the complainer.
// Every decision rests on signed messages every participant sees, so honest participants name the
// same members. A phase not complete after timeoutMs names whoever is silent. Any exclusion ends the
// attempt; the next one runs among the rest with fresh randomness (the excluded members hold
// evaluations of this attempt's polynomials), while at least t remain. The attempt succeeds when
// every participant's CERT is in and the certificate verifies (no one uses a key the others did
// not certify) and the coordinator's cmsg is the one every participant computes itself from the
// ROUND1s (a lying coordinator is named; since the bus is a broadcast, the coordinator is not a
// single point of failure for correctness, only its silence or lie costs an attempt).
// Liveness rests on the bus delivering each publish to every subscribed participant: own messages
// of the current attempt are re-published every resendMs (a participant that subscribed late, a
// reconnect), and for timeoutMs after success (unref'd timers) for a participant still waiting.

import { randomBytes } from '@noble/hashes/utils.js';
import { utils as secpUtils } from '@noble/secp256k1';
import { bytesToHex, compareBytes, concatBytes, equalBytes } from '../../../src/codec/bytes.js';
import type { CryptoProvider } from '../../../src/crypto/crypto-port.js';
import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';
import { certeqSign, certeqVerify } from './certeq.js';
import { DkgError } from './faults.js';
import { pointFromBytesWithInfinity, pointToXonly } from './group.js';
import { decodeParticipantMsg } from './messages.js';
import { DKG_MAX_PARTICIPANTS, DKG_MAX_SESSION_ID_BYTES, type DkgMessage, DkgMessageKind, decodeDkgMessage, encodeDkgMessage } from './network-messages.js';
import { popVerify } from './pop.js';
import { decryptShare, encryptShare } from './share-encryption.js';
import {
  type DkgOutput,
  type ParticipantState,
  coordinatorStep,
  participantStep1,
  participantStep2,
  prepareSecshare,
  shareFromBytes,
  shareToBytes,
} from './simplpedpop.js';
import { type VssCommitment, commitmentPubshare, verifySecshare } from './vss.js';

/** A broadcast channel every participant publishes to and hears (its own publishes included or not). */
export interface DkgTransport {
  publish(bytes: Uint8Array): void;
  /** Returns the unsubscribe function. */
  subscribe(cb: (bytes: Uint8Array) => void): () => void;
}

export const ExclusionReason = Object.freeze({
  /** Silent past timeoutMs in a phase (no ROUND1, no CERT or COMPLAINT, no COORDINATOR). */
  MISSING: 'missing',
  /** A signed ROUND1 that does not parse for (t, n), commits to infinity, has a bad pop or a bad ephemeral key. */
  BAD_MESSAGE: 'bad-message',
  /** A complaint against it was upheld: its answer was missing, contradicted its ciphertext or its commitment. */
  BAD_SHARE: 'bad-share',
  /** It complained about a share the dealer showed to be good. */
  FALSE_COMPLAINT: 'false-complaint',
  /** As coordinator, it published a cmsg that is not the aggregate of the ROUND1s. */
  FAULTY_COORDINATOR: 'faulty-coordinator',
  /** Its CertEq signature does not verify. */
  BAD_CERT: 'bad-cert',
} as const);
export type ExclusionReason = (typeof ExclusionReason)[keyof typeof ExclusionReason];

export interface DkgExclusion {
  /** The member key (33 bytes). */
  readonly key: Uint8Array;
  readonly reason: ExclusionReason;
  /** The attempt (0-based) that named it. */
  readonly attempt: number;
  readonly detail: string;
}

export interface NetworkDkgResult {
  readonly t: number;
  /** Member keys of the participants that completed, sorted; FROST identifier i is keys[i]. */
  readonly keys: readonly Uint8Array[];
  /** 33-byte compressed threshold public key (plain, as the FROST signing draft takes it). */
  readonly threshPk: Uint8Array;
  /** 32-byte x-only BIP-340 group key. */
  readonly groupKey: Uint8Array;
  /** 33-byte public share of keys[i]. */
  readonly pubshares: readonly Uint8Array[];
  /** This member's 32-byte secret share (the only field that differs between participants). */
  readonly secshare: Uint8Array;
  /** Attempts run, the successful one included. */
  readonly attempts: number;
  readonly excluded: readonly DkgExclusion[];
}

/** TEST ONLY misbehaviour of this participant. */
export interface NetworkDkgFaults {
  /** Encrypt share + 1 (a share off its commitment) to these member keys; the REVEAL shows the same bad share. */
  readonly badShareTo?: readonly Uint8Array[];
  /** Complain against these dealers although their shares are good. */
  readonly falseComplaintAgainst?: readonly Uint8Array[];
  /** Publish nothing at all (true), or nothing after this member's ROUND1s ('after-round1'). */
  readonly silent?: boolean | 'after-round1';
  /** Sign the CertEq message with a corrupted signature. */
  readonly badCert?: boolean;
}

export interface NetworkDkgOptions {
  /** 1..64 bytes naming this key generation (e.g. a hash of chain id and the new key list); every message carries it. */
  readonly sessionId: Uint8Array;
  /** The participants' 33-byte member keys, any order (sorted here); must include this member's. */
  readonly keys: readonly Uint8Array[];
  readonly t: number;
  /** This member's 32-byte member (host) private key. */
  readonly privateKey: Uint8Array;
  readonly transport: DkgTransport;
  /** How long a phase waits for silent participants before naming them, ms. */
  readonly timeoutMs: number;
  readonly crypto: CryptoProvider;
  readonly log?: (line: string) => void;
  readonly faults?: NetworkDkgFaults;
  /** Re-publish period of own messages, ms (default timeoutMs / 4, at least 50). */
  readonly resendMs?: number;
}

export const NetworkDkgFailure = Object.freeze({
  /** Fewer than t participants remain after the exclusions. */
  TOO_FEW: 'too-few-participants',
  /** This member was named and excluded. */
  EXCLUDED: 'excluded',
  /** An attempt failed without naming anyone (a summed commitment at infinity: negligible unless the code is wrong). */
  NO_CULPRIT: 'no-culprit',
} as const);
export type NetworkDkgFailure = (typeof NetworkDkgFailure)[keyof typeof NetworkDkgFailure];

const failureCode: Readonly<Record<NetworkDkgFailure, ErrorCode>> = Object.freeze({
  'too-few-participants': ErrorCode.BAD_VALIDATOR_SET,
  excluded: ErrorCode.NOT_A_MEMBER,
  'no-culprit': ErrorCode.INTERNAL,
});

export class NetworkDkgError extends BotError {
  constructor(
    readonly failure: NetworkDkgFailure,
    detail: string,
    readonly excluded: readonly DkgExclusion[],
    readonly attempts: number,
  ) {
    super(failureCode[failure], `key generation failed (${failure}): ${detail}`);
  }
}

/** Runs this member's side of the key generation; resolves with the keys, or rejects with NetworkDkgError. */
export function runNetworkDkg(options: NetworkDkgOptions): Promise<NetworkDkgResult> {
  return new Promise((resolve, reject) => new Participant(options, resolve, reject).start());
}

type Phase = 'round1' | 'round2' | 'reveal' | 'over';
type Round1 = Extract<DkgMessage, { kind: 0 }>;
type Reveal = Extract<DkgMessage, { kind: 4 }>;

interface AttemptState {
  readonly index: number;
  readonly members: readonly Uint8Array[];
  readonly hex: readonly string[];
  readonly me: number;
  phase: Phase;
  readonly state: ParticipantState;
  readonly partialShares: readonly bigint[];
  readonly auxRand: Uint8Array;
  readonly ephemeralSecret: Uint8Array;
  /** What this member encrypted to each participant (a REVEAL shows the same). */
  readonly plaintexts: readonly Uint8Array[];
  readonly own: Uint8Array[];
  readonly round1: Map<string, Round1>;
  cmsg: Uint8Array | undefined;
  readonly certs: Map<string, Uint8Array>;
  readonly complaints: Map<string, readonly Uint8Array[]>;
  /** By `${dealerHex}/${complainerHex}`. */
  readonly reveals: Map<string, Reveal>;
  /** Computed at the end of round 1. */
  coms?: readonly VssCommitment[];
  local?: { cmsg: Uint8Array; eqInput: Uint8Array };
  output?: DkgOutput;
  /** Exclusions found when round 2 ended, kept while complaints are settled. */
  carried: Verdict[];
  deadline?: ReturnType<typeof setTimeout>;
}

interface Verdict {
  readonly index: number;
  readonly reason: ExclusionReason;
  readonly detail: string;
}

const hexOf = (b: Uint8Array): string => bytesToHex(b);
const includesKey = (list: readonly Uint8Array[] | undefined, key: Uint8Array): boolean => list?.some((k) => equalBytes(k, key)) ?? false;

class Participant {
  private readonly all: readonly Uint8Array[];
  private readonly allHex: ReadonlySet<string>;
  private readonly myKey: Uint8Array;
  private readonly myHex: string;
  private readonly log: (line: string) => void;
  private readonly faults: NetworkDkgFaults;
  private readonly excluded: DkgExclusion[] = [];
  /** Digests of wire bytes already handled (resends are the same bytes: RFC 6979 signatures). */
  private readonly seen = new Set<string>();
  private readonly future = new Map<number, DkgMessage[]>();
  private readonly inbox: Uint8Array[] = [];
  private draining = false;
  private a!: AttemptState;
  private unsubscribe: (() => void) | undefined;
  private resendTimer: ReturnType<typeof setInterval> | undefined;
  private finished = false;

  constructor(
    private readonly o: NetworkDkgOptions,
    private readonly resolve: (r: NetworkDkgResult) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    const { keys, t, sessionId, crypto } = o;
    if (sessionId.length === 0 || sessionId.length > DKG_MAX_SESSION_ID_BYTES) throw new RangeError(`session id must be 1..${DKG_MAX_SESSION_ID_BYTES} bytes`);
    if (keys.length > DKG_MAX_PARTICIPANTS) throw new RangeError(`at most ${DKG_MAX_PARTICIPANTS} participants`);
    if (!Number.isInteger(t) || t < 1 || t > keys.length) throw new RangeError(`need 1 <= t <= ${keys.length}, got ${t}`);
    if (!(o.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.all = [...keys].sort(compareBytes);
    this.allHex = new Set(this.all.map(hexOf));
    if (this.allHex.size !== keys.length) throw new RangeError('duplicate member keys');
    this.myKey = crypto.publicKey(o.privateKey);
    this.myHex = hexOf(this.myKey);
    if (!this.allHex.has(this.myHex)) throw new RangeError('this member\'s key is not among the keys');
    const name = this.myHex.slice(0, 8);
    const log = o.log ?? (() => {});
    this.log = (line) => log(`dkg ${name}: ${line}`);
    this.faults = o.faults ?? {};
  }

  start(): void {
    try {
      this.unsubscribe = this.o.transport.subscribe((bytes) => this.receive(bytes));
      const every = this.o.resendMs ?? Math.max(50, Math.floor(this.o.timeoutMs / 4));
      this.resendTimer = setInterval(() => this.resend(), every);
      this.startAttempt(0, this.all);
    } catch (error) {
      this.stop();
      this.reject(error);
    }
  }

  // ---- transport side ----

  private receive(bytes: Uint8Array): void {
    this.inbox.push(bytes);
    if (this.draining) return; // a synchronous transport delivering while we publish
    this.draining = true;
    try {
      for (let next = this.inbox.shift(); next !== undefined && !this.finished; next = this.inbox.shift()) this.handleWire(next);
    } catch (error) {
      this.fail(error);
    } finally {
      this.draining = false;
      this.inbox.length = 0;
    }
  }

  private handleWire(bytes: Uint8Array): void {
    const digest = hexOf(this.o.crypto.sha256(bytes));
    if (this.seen.has(digest)) return;
    this.seen.add(digest);
    let m: DkgMessage;
    try {
      m = decodeDkgMessage(this.o.crypto, bytes);
    } catch (error) {
      this.log(`ignored a message: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (!equalBytes(m.sessionId, this.o.sessionId)) return; // another key generation on the same subject
    if (!this.allHex.has(hexOf(m.from))) return this.log(`ignored a message from a non-participant ${hexOf(m.from).slice(0, 8)}`);
    if (m.attempt < this.a.index) return;
    if (m.attempt > this.a.index) {
      const queue = this.future.get(m.attempt) ?? [];
      queue.push(m);
      this.future.set(m.attempt, queue);
      return;
    }
    this.handle(m);
  }

  private send(m: DkgMessage, kind: 'round1' | 'later' = 'later'): void {
    const silent = this.faults.silent === true || (this.faults.silent === 'after-round1' && kind === 'later');
    const bytes = encodeDkgMessage(this.o.crypto, m, this.o.privateKey);
    this.seen.add(hexOf(this.o.crypto.sha256(bytes)));
    this.store(m);
    if (silent) return;
    this.a.own.push(bytes);
    this.publish(bytes);
  }

  private publish(bytes: Uint8Array): void {
    try {
      this.o.transport.publish(bytes);
    } catch (error) {
      this.log(`publish failed: ${String(error)}`); // the resend timer tries again
    }
  }

  private resend(): void {
    for (const bytes of this.a.own) this.publish(bytes);
  }

  // ---- the attempt ----

  private startAttempt(index: number, members: readonly Uint8Array[]): void {
    const { t, crypto, sessionId } = this.o;
    const n = members.length;
    const hex = members.map(hexOf);
    const me = hex.indexOf(this.myHex);
    // Fresh randomness every attempt: excluded members hold evaluations of the last polynomials.
    const step1 = participantStep1(randomBytes(32), t, n, me, randomBytes(32));
    const ephemeralSecret = secpUtils.randomSecretKey();
    const plaintexts = members.map((key, j) => {
      const share = step1.partialShares[j]!;
      return shareToBytes(includesKey(this.faults.badShareTo, key) ? share + 1n : share);
    });
    this.a = {
      index, members, hex, me, phase: 'round1', state: step1.state, partialShares: step1.partialShares, auxRand: randomBytes(32),
      ephemeralSecret, plaintexts, own: [], round1: new Map(), cmsg: undefined, certs: new Map(), complaints: new Map(), reveals: new Map(), carried: [],
    };
    this.log(`attempt ${index}: ${n} participants, I am ${me}, coordinator ${hex[0]!.slice(0, 8)}`);
    const ciphertexts = members.map((to, j) => encryptShare(crypto, plaintexts[j]!, ephemeralSecret, { sessionId, attempt: index, from: this.myKey, to }));
    this.send({ kind: DkgMessageKind.ROUND1, sessionId, attempt: index, from: this.myKey, pmsg: step1.msg, ephemeralKey: crypto.publicKey(ephemeralSecret), ciphertexts }, 'round1');
    this.arm();
    const early = this.future.get(index) ?? [];
    this.future.delete(index);
    for (const m of early) if (!this.finished && this.a.index === index) this.handle(m);
    if (!this.finished && this.a.index === index) this.progress();
  }

  private arm(): void {
    clearTimeout(this.a.deadline);
    const a = this.a;
    a.deadline = setTimeout(() => {
      if (this.finished || this.a !== a) return;
      try {
        this.onDeadline();
      } catch (error) {
        this.fail(error);
      }
    }, this.o.timeoutMs);
  }

  /** Keeps the first message of each kind per sender (and per complainer for REVEAL). */
  private store(m: DkgMessage): void {
    const a = this.a;
    const from = hexOf(m.from);
    if (!a.hex.includes(from)) return;
    const first = <K, V>(map: Map<K, V>, key: K, value: V) => {
      if (!map.has(key)) map.set(key, value);
    };
    switch (m.kind) {
      case DkgMessageKind.ROUND1: return first(a.round1, from, m);
      case DkgMessageKind.COORDINATOR:
        if (from === a.hex[0] && a.cmsg === undefined) a.cmsg = m.cmsg;
        return;
      case DkgMessageKind.COMPLAINT: return first(a.complaints, from, m.dealers);
      case DkgMessageKind.CERT: return first(a.certs, from, m.certSig);
      case DkgMessageKind.REVEAL: return first(a.reveals, `${from}/${hexOf(m.complainer)}`, m);
    }
  }

  private handle(m: DkgMessage): void {
    this.store(m);
    if (m.kind === DkgMessageKind.COMPLAINT && includesKey(m.dealers, this.myKey)) this.answer(m.from);
    this.progress();
  }

  /** REVEAL to a complaint against this member: the share it encrypted to the complainer and the ephemeral secret. */
  private answer(complainer: Uint8Array): void {
    const a = this.a;
    const j = a.hex.indexOf(hexOf(complainer));
    if (j < 0 || a.reveals.has(`${this.myHex}/${a.hex[j]}`)) return;
    this.log(`attempt ${a.index}: answering the complaint of ${a.hex[j]!.slice(0, 8)}`);
    this.send({
      kind: DkgMessageKind.REVEAL, sessionId: this.o.sessionId, attempt: a.index, from: this.myKey,
      complainer, share: a.plaintexts[j]!, ephemeralSecret: a.ephemeralSecret,
    });
  }

  private progress(): void {
    const a = this.a;
    if (a.phase === 'round1' && a.round1.size === a.members.length) this.endRound1();
    else if (a.phase === 'round2' && a.cmsg !== undefined && a.hex.every((h) => a.certs.has(h) || a.complaints.has(h))) this.endRound2();
    else if (a.phase === 'reveal' && this.pendingReveals().length === 0) this.judge();
  }

  private onDeadline(): void {
    const a = this.a;
    this.log(`attempt ${a.index}: ${a.phase} timed out`);
    if (a.phase === 'round1') {
      const missing: Verdict[] = a.hex.flatMap((h, index) => (a.round1.has(h) ? [] : [{ index, reason: ExclusionReason.MISSING, detail: 'no ROUND1' }]));
      const bad = a.hex.flatMap((h, index) => (a.round1.has(h) ? this.checkRound1(index) : []));
      this.endAttempt([...missing, ...bad]);
    } else if (a.phase === 'round2') this.endRound2();
    else if (a.phase === 'reveal') this.judge();
  }

  /** Why participant i's ROUND1 is unusable, publicly (it is signed): [] when it is fine. */
  private checkRound1(i: number): Verdict[] {
    const a = this.a;
    const r = a.round1.get(a.hex[i]!)!;
    const bad = (detail: string): Verdict[] => [{ index: i, reason: ExclusionReason.BAD_MESSAGE, detail }];
    const pm = decodeParticipantMsg(r.pmsg, this.o.t);
    if (pm === undefined) return bad('participant message does not parse');
    if (pm.com[0]!.is0()) return bad('commitment to the secret is infinity');
    if (!popVerify(pm.pop, pointToXonly(pm.com[0]!), i)) return bad('invalid proof of possession');
    if (r.ciphertexts.length !== a.members.length) return bad('wrong number of encrypted shares');
    const e = pointFromBytesWithInfinity(r.ephemeralKey);
    if (e === undefined || e.is0()) return bad('ephemeral key is not a point');
    return [];
  }

  private endRound1(): void {
    const a = this.a;
    const { t, crypto, sessionId } = this.o;
    const n = a.members.length;
    const bad = a.hex.flatMap((_, i) => this.checkRound1(i));
    if (bad.length > 0) return this.endAttempt(bad);
    const pmsgs = a.hex.map((h) => a.round1.get(h)!.pmsg);
    let coordinator: ReturnType<typeof coordinatorStep>;
    try {
      coordinator = coordinatorStep(pmsgs, t, n);
    } catch (error) {
      if (error instanceof DkgError) return this.endAttempt([]);
      throw error;
    }
    a.local = { cmsg: coordinator.cmsg, eqInput: coordinator.eqInput };
    a.coms = pmsgs.map((p) => decodeParticipantMsg(p, t)!.com);
    a.phase = 'round2';
    this.arm();
    if (a.me === 0) this.send({ kind: DkgMessageKind.COORDINATOR, sessionId, attempt: a.index, from: this.myKey, cmsg: coordinator.cmsg });

    const partial: bigint[] = [];
    const complaints: Uint8Array[] = [];
    a.members.forEach((dealer, j) => {
      if (j === a.me) return partial.push(a.partialShares[j]!);
      const r = a.round1.get(a.hex[j]!)!;
      const plain = decryptShare(crypto, r.ciphertexts[a.me]!, this.o.privateKey, r.ephemeralKey, { sessionId, attempt: a.index, from: dealer, to: this.myKey });
      const share = shareFromBytes(plain);
      const good = share !== undefined && verifySecshare(share, commitmentPubshare(a.coms![j]!, a.me));
      if (!good || includesKey(this.faults.falseComplaintAgainst, dealer)) {
        this.log(`attempt ${a.index}: ${good ? 'falsely ' : ''}complaining about the share from ${a.hex[j]!.slice(0, 8)}`);
        complaints.push(dealer);
      } else partial.push(share);
    });
    if (complaints.length > 0) {
      this.send({ kind: DkgMessageKind.COMPLAINT, sessionId, attempt: a.index, from: this.myKey, dealers: complaints });
    } else {
      const step2 = participantStep2(a.state, coordinator.cmsg, prepareSecshare(partial));
      // Every partial share was checked against its dealer's commitment, so the sum checks too.
      if (!step2.ok) throw new Error('summed share failed although every partial share verified');
      a.output = step2.output;
      const x = concatBytes(step2.eqInput, ...a.members);
      const sig = certeqSign(this.o.privateKey, a.me, x, a.auxRand);
      if (this.faults.badCert === true) sig[40]! ^= 1;
      this.send({ kind: DkgMessageKind.CERT, sessionId, attempt: a.index, from: this.myKey, certSig: sig });
    }
    this.progress();
  }

  /** Round 2 is complete (or timed out): name the silent and a lying coordinator; settle complaints; or finish. */
  private endRound2(): void {
    const a = this.a;
    const verdicts: Verdict[] = a.hex.flatMap((h, index) =>
      a.certs.has(h) || a.complaints.has(h) ? [] : [{ index, reason: ExclusionReason.MISSING, detail: 'no CERT or COMPLAINT' }],
    );
    if (a.cmsg === undefined) verdicts.push({ index: 0, reason: ExclusionReason.MISSING, detail: 'no COORDINATOR message' });
    else if (!equalBytes(a.cmsg, a.local!.cmsg)) verdicts.push({ index: 0, reason: ExclusionReason.FAULTY_COORDINATOR, detail: 'cmsg is not the aggregate of the ROUND1s' });
    if (a.complaints.size > 0) {
      a.carried = verdicts;
      a.phase = 'reveal';
      this.arm();
      return this.progress();
    }
    if (verdicts.length > 0) return this.endAttempt(verdicts);
    const x = concatBytes(a.local!.eqInput, ...a.members);
    const badCert = certeqVerify(a.members, x, concatBytes(...a.hex.map((h) => a.certs.get(h)!)));
    if (badCert !== undefined) return this.endAttempt([{ index: badCert, reason: ExclusionReason.BAD_CERT, detail: 'CertEq signature does not verify' }]);
    this.succeed();
  }

  /** (dealer, complainer) pairs still without a REVEAL. */
  private pendingReveals(): string[] {
    const a = this.a;
    const out: string[] = [];
    for (const [complainer, dealers] of a.complaints) {
      for (const d of dealers) {
        const dealer = hexOf(d);
        const key = `${dealer}/${complainer}`;
        if (dealer !== complainer && a.hex.includes(dealer) && !a.reveals.has(key)) out.push(key);
      }
    }
    return out;
  }

  /** Settles every complaint from the signed REVEALs (or their absence). */
  private judge(): void {
    const a = this.a;
    const { crypto, sessionId } = this.o;
    const verdicts = [...a.carried];
    for (const [complainerHex, dealers] of a.complaints) {
      const c = a.hex.indexOf(complainerHex);
      for (const dealer of dealers) {
        const d = a.hex.indexOf(hexOf(dealer));
        if (d < 0 || d === c) {
          verdicts.push({ index: c, reason: ExclusionReason.FALSE_COMPLAINT, detail: 'complaint names no other participant' });
          continue;
        }
        const blameDealer = (detail: string) => verdicts.push({ index: d, reason: ExclusionReason.BAD_SHARE, detail: `${detail} (complaint by ${complainerHex.slice(0, 8)})` });
        const reveal = a.reveals.get(`${a.hex[d]}/${complainerHex}`);
        if (reveal === undefined) {
          blameDealer('no answer to a complaint');
          continue;
        }
        const r = a.round1.get(a.hex[d]!)!;
        const e = reveal.ephemeralSecret;
        if (!crypto.isValidPrivateKey(e) || !equalBytes(crypto.publicKey(e), r.ephemeralKey)) {
          blameDealer('revealed ephemeral secret is not that of its ROUND1');
          continue;
        }
        const plain = encryptShare(crypto, r.ciphertexts[c]!, e, { sessionId, attempt: a.index, from: dealer, to: a.members[c]! });
        if (!equalBytes(plain, reveal.share)) {
          blameDealer('revealed share is not what its ciphertext holds');
          continue;
        }
        const share = shareFromBytes(plain);
        if (share === undefined || !verifySecshare(share, commitmentPubshare(a.coms![d]!, c))) {
          blameDealer('revealed share does not match its commitment');
          continue;
        }
        verdicts.push({ index: c, reason: ExclusionReason.FALSE_COMPLAINT, detail: `the share from ${a.hex[d]!.slice(0, 8)} matches its commitment` });
      }
    }
    this.endAttempt(verdicts);
  }

  private endAttempt(verdicts: readonly Verdict[]): void {
    const a = this.a;
    a.phase = 'over';
    clearTimeout(a.deadline);
    const named = new Set<number>();
    for (const v of verdicts) {
      if (named.has(v.index)) continue;
      named.add(v.index);
      this.excluded.push({ key: a.members[v.index]!, reason: v.reason, attempt: a.index, detail: v.detail });
      this.log(`attempt ${a.index}: excluding ${a.hex[v.index]!.slice(0, 8)} (${v.reason}: ${v.detail})`);
    }
    const attempts = a.index + 1;
    if (named.size === 0) return this.fail(new NetworkDkgError(NetworkDkgFailure.NO_CULPRIT, `attempt ${a.index} failed and named nobody`, this.excluded, attempts));
    if (named.has(a.me)) {
      const mine = this.excluded.find((x) => x.attempt === a.index && equalBytes(x.key, this.myKey))!;
      return this.fail(new NetworkDkgError(NetworkDkgFailure.EXCLUDED, `this member was excluded in attempt ${a.index} (${mine.reason}: ${mine.detail})`, this.excluded, attempts));
    }
    const rest = a.members.filter((_, i) => !named.has(i));
    if (rest.length < this.o.t) {
      return this.fail(new NetworkDkgError(NetworkDkgFailure.TOO_FEW, `only ${rest.length} participants left, threshold is ${this.o.t}`, this.excluded, attempts));
    }
    this.startAttempt(a.index + 1, rest);
  }

  private succeed(): void {
    const a = this.a;
    a.phase = 'over';
    clearTimeout(a.deadline);
    const out = a.output!;
    this.log(`attempt ${a.index}: group key ${hexOf(out.threshPk.slice(1))}`);
    this.finished = true;
    // Keep re-publishing a while for a participant that has not heard our last messages; never hold the process.
    this.resendTimer?.unref?.();
    const linger = setTimeout(() => this.stop(), this.o.timeoutMs);
    linger.unref?.();
    this.resolve({
      t: this.o.t,
      keys: a.members,
      threshPk: out.threshPk,
      groupKey: out.threshPk.slice(1),
      pubshares: out.pubshares,
      secshare: out.secshare!,
      attempts: a.index + 1,
      excluded: this.excluded,
    });
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.a?.deadline);
    this.stop();
    this.reject(error);
  }

  private stop(): void {
    clearInterval(this.resendTimer);
    this.resendTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
