// FROST signing of headers among consortium members (tools layer, Node only): when the set that
// signs height h is a FROST set (isFrostSet), the members make one BIP-340 signature under the
// group key over commitDigest(headerHash) instead of gathering ECDSA votes (docs/protocol.md §12.3).
//
// Every member in the set, having executed block h, publishes a round-1 NONCE for the header it
// computed. The coordinator of h — set index h mod n, the next ones in rotation each `takeoverMs`
// later, as with cuts — takes the first `threshold` members whose unused nonces it has (arrival
// order), publishes a REQUEST (signers ascending, with their pubnonces), checks every PARTIAL with
// PartialSigVerify (a bad one is evidence NAMING its member, who is left out of the retries for
// h), aggregates and publishes the SIGNATURE. A session that does not complete within
// `takeoverMs` leaves out the silent signers; a retry first asks for fresh nonces (RENONCE).
// Every member checks a SIGNATURE with verifySchnorr against the set's group key over
// commitDigest of ITS OWN header hash before it commits the block (makeGroupCommit), and commits
// the first valid one of the height in vote-stream order, the coordinator its own only when it
// reads it back: every member commits the same light block, whoever crashed or took over.
//
// A member answers a REQUEST only for the header hash it computed itself, and with a secnonce it
// holds in memory for exactly that pubnonce; the secnonce is dropped once any request names it,
// so each nonce signs at most once. Pubnonces are journaled (fsync) before they are published
// (frost-nonce-journal.ts): after a restart they are all spent.
//
// Every FROST message is signed by its sender's member key (frost-messages.ts) and checked, against
// the set that signs its height, when it is applied: one that does not verify is dropped (logged),
// is never evidence and never spends a nonce. So a REQUEST shows who was asked to sign and a bad
// PARTIAL is attributable to its member, for anyone holding the vote stream. Who made each
// committed signature (coordinator, signers) is kept by signedBy for the member's store.
//
// The share is looked up by the group key of the set that signs each height (deps.shares, one
// share per group key on disk, frost-keys.ts): after a REKEY a member signs with its new share
// from the new set's first height, and one with no share for that group is simply a non-signer.

import { type Commit, type CryptoProvider, type ValidatorSet, bytesToHex, commitDigest, equalBytes, isFrostSet, makeGroupCommit } from '../../../src/index.js';
import { xbytes } from '../frost/group.js';
import { nonceAgg } from '../frost/nonce-agg.js';
import { nonceGen } from '../frost/nonce-gen.js';
import { partialSigAgg } from '../frost/partial-sig-agg.js';
import { partialSigVerify } from '../frost/partial-sig-verify.js';
import { type SessionContext, getSessionValues } from '../frost/session-context.js';
import type { SignersContext } from '../frost/signers-context.js';
import { sign } from '../frost/sign.js';
import type { FrostKeys } from './frost-keys.js';
import {
  type FrostMessage, FrostKind, type SignedFrostMessage, type SignerNonce, encodeFrostMessage, frostSender, signFrostMessage, verifyFrostMessage,
} from './frost-messages.js';
import type { NonceJournal } from './frost-nonce-journal.js';
import { MAX_HEIGHTS_AHEAD, type VoteBook } from './vote-book.js';

/** Nonces one member makes for one height (a first one, then one per retry that asks). */
const MAX_NONCES_PER_HEIGHT = 16;
/** How long a missing share is remembered before the folder is looked at again (it may be written late). */
const SHARE_RECHECK_MS = 1000;
/** Messages held for a height this member has not executed yet. */
const MAX_BUFFERED_PER_HEIGHT = 512;

export interface FrostSigningDeps {
  readonly crypto: CryptoProvider;
  /** This member's public key (its index in each set). */
  readonly memberKey: Uint8Array;
  /** Its private key: signs every FROST message it sends. */
  readonly memberPrivateKey: Uint8Array;
  /** The chain's id, in every FROST message digest. */
  readonly chainId: Uint8Array;
  /**
   * This member's share for a group key, if it holds one (frost-keys.ts readFrostKeys): looked up for
   * the set that signs each height, so after a REKEY the new share signs from the new set's first height.
   */
  readonly shares: (groupKey: Uint8Array) => FrostKeys | undefined;
  readonly journal: NonceJournal | undefined;
  readonly publish: (message: Uint8Array) => void;
  readonly now: () => number;
  readonly takeoverMs: number;
  /** Where evidence goes (the vote book's disagreements). */
  readonly evidence: VoteBook;
  readonly log: (line: string) => void;
  /** Tests only: this member sends bad partial signatures. */
  readonly sendBadPartials?: boolean;
}

/** Who took part in a group signature: kept outside the light block, for members and auditors. */
export interface FrostParticipation {
  readonly height: number;
  readonly headerHash: string;
  readonly coordinator: number;
  readonly signers: readonly number[];
}

/** Who made the group signature a member commits: the coordinator and the signers (set indices, ascending). */
export interface FrostSignedBy {
  readonly coordinator: number;
  readonly signers: readonly number[];
  readonly groupSignature: Uint8Array;
}

interface Session {
  readonly id: number;
  readonly signers: readonly SignerNonce[];
  readonly startedAt: number;
  readonly partials: Map<number, Uint8Array>;
}

interface HeightState {
  readonly height: number;
  block?: { readonly hash: Uint8Array; readonly set: ValidatorSet & { groupKey: Uint8Array }; readonly executedAt: number; readonly digest: Uint8Array };
  readonly buffered: SignedFrostMessage[];
  /** Nonces received for this header, arrival order. */
  readonly nonces: { readonly index: number; readonly pubnonce: Uint8Array; readonly hex: string }[];
  /** Pubnonces (hex) named in any REQUEST: spent, whoever asked. */
  readonly used: Set<string>;
  /** This member's secnonces by pubnonce hex (memory only). */
  readonly secnonces: Map<string, Uint8Array>;
  madeNonces: number;
  session?: Session;
  nextSession: number;
  readonly excluded: Set<number>;
  readonly silent: Set<number>;
  /** Sessions of this height that timed out (the next one waits longer). */
  timeouts: number;
  renonceAt?: number;
  /** When another coordinator's REQUEST was last seen: a backup waits while the one before it works. */
  foreignRequestAt?: number;
  /**
   * The group signature committed: the first valid SIGNATURE of this height read from the vote
   * stream, the coordinator's own included (so every member commits the same one).
   */
  signature?: Uint8Array;
  signedAt?: number;
  /** When this member, as coordinator, published a signature it aggregated (no new session while it travels). */
  aggregatedAt?: number;
  /** That signature, verified when aggregated. */
  aggregated?: Uint8Array;
  /** Verified REQUESTs of this height (bounded): which one made a SIGNATURE that arrives. */
  readonly requests: { readonly coordinator: number; readonly signers: readonly SignerNonce[] }[];
  /** Who made `signature`, when known. */
  signedBy?: { readonly coordinator: number; readonly signers: readonly number[] };
}

export class FrostSigning {
  private readonly heights = new Map<number, HeightState>();
  /** Shares by group key hex; a miss is kept with the time it was looked up. */
  private readonly shares = new Map<string, { readonly keys: FrostKeys | undefined; readonly at: number }>();
  private committedHeight: number;
  /** Newest last, bounded: which members' shares made each signature this member aggregated or saw requested. */
  readonly participation: FrostParticipation[] = [];
  readonly stats = { noncesMade: 0, partialsSent: 0, signaturesMade: 0, retries: 0, rejected: 0 };

  constructor(private readonly deps: FrostSigningDeps, committedHeight: number) {
    this.committedHeight = committedHeight;
  }

  /** Block h executed under a FROST set: this member's nonce goes out (unless the signature is already known). */
  onExecuted(height: number, hash: Uint8Array, set: ValidatorSet): void {
    if (!isFrostSet(set) || height <= this.committedHeight) return;
    const state = this.state(height);
    if (!state) return;
    state.block = { hash, set, executedAt: this.deps.now(), digest: commitDigest(this.deps.crypto, hash) };
    for (const m of state.buffered.splice(0)) this.apply(state, m);
    if (state.signature === undefined) this.makeNonce(state);
    this.drive(state);
  }

  /** A message from the vote stream, decoded (its signature is checked when it is applied). */
  onMessage(m: SignedFrostMessage): void {
    if (m.height <= this.committedHeight) return;
    const state = this.state(m.height);
    if (!state) return;
    if (!state.block) {
      if (state.buffered.length < MAX_BUFFERED_PER_HEIGHT) state.buffered.push(m);
      return;
    }
    this.apply(state, m);
    this.drive(state);
  }

  /** The FROST commit of block h, once a verified group signature for this member's header is in. */
  commitOf(height: number, hash: Uint8Array): Commit | undefined {
    const state = this.heights.get(height);
    if (!state?.signature || !state.block || !equalBytes(state.block.hash, hash)) return undefined;
    return makeGroupCommit(height, hash, state.signature);
  }

  /** Who made the group signature of block h (this member's header), while h is not committed yet. */
  signedBy(height: number, hash: Uint8Array): FrostSignedBy | undefined {
    const state = this.heights.get(height);
    if (!state?.signature || !state.signedBy || !state.block || !equalBytes(state.block.hash, hash)) return undefined;
    return { ...state.signedBy, groupSignature: state.signature };
  }

  /** The coordinator's clock: takeovers, timeouts and retries. */
  tick(): void {
    for (const state of this.heights.values()) if (state.block && !state.signature) this.drive(state);
  }

  committed(height: number): void {
    this.committedHeight = height;
    for (const [h, state] of this.heights) {
      if (h > height) continue;
      for (const secnonce of state.secnonces.values()) secnonce.fill(0);
      this.heights.delete(h);
    }
  }

  private state(height: number): HeightState | undefined {
    if (height > this.committedHeight + MAX_HEIGHTS_AHEAD) return undefined;
    let state = this.heights.get(height);
    if (!state) {
      state = { height, buffered: [], nonces: [], used: new Set(), secnonces: new Map(), madeNonces: 0, nextSession: 1, excluded: new Set(), silent: new Set(), timeouts: 0, requests: [] };
      this.heights.set(height, state);
    }
    return state;
  }

  private myIndex(set: ValidatorSet): number {
    return set.keys.findIndex((k) => equalBytes(k, this.deps.memberKey));
  }

  /** This member's share if it can sign for `set` (its share is for that group key, and it is at the share's index). */
  private keysFor(set: ValidatorSet & { groupKey: Uint8Array }): FrostKeys | undefined {
    const hex = bytesToHex(set.groupKey);
    let cached = this.shares.get(hex);
    if (!cached || (!cached.keys && this.deps.now() - cached.at >= SHARE_RECHECK_MS)) {
      cached = { keys: this.deps.shares(set.groupKey), at: this.deps.now() };
      this.shares.set(hex, cached);
    }
    const keys = cached.keys;
    if (!keys || !equalBytes(keys.groupKey, set.groupKey) || keys.n !== set.keys.length || keys.t !== set.threshold) return undefined;
    return this.myIndex(set) === keys.id ? keys : undefined;
  }

  private makeNonce(state: HeightState): void {
    const { block } = state;
    const keys = block && this.keysFor(block.set);
    if (!block || !keys || state.madeNonces >= MAX_NONCES_PER_HEIGHT) return;
    state.madeNonces++;
    const extraIn = new TextEncoder().encode(`botpeer/frost/${state.height}/${state.madeNonces}/${this.deps.now()}`);
    const { secnonce, pubnonce } = nonceGen({ secshare: keys.secshare, pubshare: keys.pubshares[keys.id]!, threshPk: keys.threshPk.subarray(1), msg: block.digest, extraIn });
    const hex = bytesToHex(pubnonce);
    // A nonce an earlier run handed out (only if the CSPRNG repeated) is never used again.
    if (this.deps.journal?.spentAtStart.has(hex)) return;
    try {
      this.deps.journal?.issue(state.height, pubnonce);
    } catch (error) {
      this.deps.log(`FROST: nonce for ${state.height} not journaled, not published: ${String(error)}`);
      return;
    }
    state.secnonces.set(hex, secnonce);
    state.nonces.push({ index: keys.id, pubnonce, hex });
    this.stats.noncesMade++;
    this.send({ kind: FrostKind.NONCE, height: state.height, headerHash: block.hash, index: keys.id, pubnonce });
  }

  private send(m: FrostMessage): void {
    this.deps.publish(encodeFrostMessage(signFrostMessage(this.deps.crypto, this.deps.chainId, m, this.deps.memberPrivateKey)));
  }

  private apply(state: HeightState, m: SignedFrostMessage): void {
    const block = state.block!;
    const n = block.set.keys.length;
    // Signed by the member it claims to come from, under the set that signs this height: else it
    // is nobody's word (not evidence, spends no nonce).
    const verified = verifyFrostMessage(this.deps.crypto, this.deps.chainId, block.set, m);
    if (!verified.ok) {
      this.stats.rejected++;
      this.deps.log(`FROST: dropped a kind-${m.kind} message for ${m.height} claiming member ${frostSender(m)}: ${(verified as { reason: string }).reason}`);
      return;
    }
    if (!equalBytes(m.headerHash, block.hash)) {
      // A nonce or share for another header names its member; other kinds are simply not for this header.
      if ((m.kind === FrostKind.NONCE || m.kind === FrostKind.PARTIAL) && m.index < n) this.deps.evidence.noteEvidence(m.height, m.index, m.headerHash, 'other header');
      return;
    }
    switch (m.kind) {
      case FrostKind.NONCE: {
        const hex = bytesToHex(m.pubnonce);
        if (m.index >= n || state.nonces.some((x) => x.hex === hex)) return;
        if (state.nonces.length < MAX_BUFFERED_PER_HEIGHT) state.nonces.push({ index: m.index, pubnonce: m.pubnonce, hex });
        return;
      }
      case FrostKind.REQUEST:
        return this.answer(state, m);
      case FrostKind.PARTIAL:
        return this.collect(state, m);
      case FrostKind.SIGNATURE: {
        if (state.signature) return;
        // Its own aggregate, read back, was verified when it was made.
        const own = state.aggregated !== undefined && equalBytes(state.aggregated, m.signature);
        if (own || this.deps.crypto.verifySchnorr(m.signature, block.digest, block.set.groupKey)) {
          state.signature = m.signature;
          state.signedAt = this.deps.now();
          const signers = this.sessionOf(state, m.coordinator, m.signature);
          if (signers) state.signedBy = { coordinator: m.coordinator, signers: signers.map((s) => s.index) };
        } else if (m.coordinator < n) {
          this.deps.evidence.noteEvidence(m.height, m.coordinator, m.headerHash, 'bad group signature');
        }
        return;
      }
      case FrostKind.RENONCE: {
        // A retry: a fresh nonce from a member that has none left unnamed (and no signature is known).
        if (state.signature || state.secnonces.size > 0) return;
        return this.makeNonce(state);
      }
    }
  }

  /** Round 2 at a signer: only for its own header (checked by apply) and a secnonce it holds. */
  private answer(state: HeightState, m: Extract<FrostMessage, { kind: typeof FrostKind.REQUEST }>): void {
    const block = state.block!;
    const { threshold } = block.set;
    const n = block.set.keys.length;
    const keys = this.keysFor(block.set);
    for (const s of m.signers) state.used.add(bytesToHex(s.pubnonce));
    if (m.coordinator !== keys?.id) state.foreignRequestAt = this.deps.now();
    // Its own request of an earlier run (before a restart, read back from the stream): the next
    // session gets a new number, so late partials of the old one are not taken for the new one's.
    else state.nextSession = Math.max(state.nextSession, Math.floor(m.session / n) + 1);
    if (m.coordinator >= n || m.signers.length < threshold || m.signers.some((s) => s.index >= n)) return;
    if (state.requests.length < MAX_NONCES_PER_HEIGHT * n) state.requests.push({ coordinator: m.coordinator, signers: m.signers });
    const last = this.participation[this.participation.length - 1];
    const record = { height: m.height, headerHash: bytesToHex(m.headerHash), coordinator: m.coordinator, signers: m.signers.map((s) => s.index) };
    // The coordinator applies its own request at once and again when it comes back on the stream.
    if (!last || last.height !== record.height || last.coordinator !== record.coordinator || last.signers.join() !== record.signers.join()) {
      this.participation.push(record);
      if (this.participation.length > 1000) this.participation.shift();
    }
    const mine = keys && m.signers.find((s) => s.index === keys.id);
    if (!keys || !mine) return;
    const hex = bytesToHex(mine.pubnonce);
    const secnonce = state.secnonces.get(hex);
    // Named once, a nonce is spent: whatever happens next, it never signs again.
    state.secnonces.delete(hex);
    if (!secnonce || state.signature) return;
    let psig: Uint8Array;
    try {
      psig = sign(secnonce, keys.secshare, keys.id, this.session(block, keys, m.signers));
    } catch (error) {
      this.deps.log(`FROST: request ${m.height}/${m.session} from ${m.coordinator} not signed: ${String(error)}`);
      return;
    } finally {
      secnonce.fill(0);
    }
    if (this.deps.sendBadPartials) psig = this.deps.crypto.sha256(psig);
    this.stats.partialsSent++;
    this.send({ kind: FrostKind.PARTIAL, height: m.height, headerHash: block.hash, index: keys.id, session: m.session, psig });
  }

  private signersCtx(set: ValidatorSet, keys: FrostKeys, signers: readonly SignerNonce[]): SignersContext {
    return { n: set.keys.length, t: set.threshold, ids: signers.map((s) => s.index), pubshares: signers.map((s) => keys.pubshares[s.index]!), threshPk: keys.threshPk };
  }

  private session(block: NonNullable<HeightState['block']>, keys: FrostKeys, signers: readonly SignerNonce[]): SessionContext {
    return { signersCtx: this.signersCtx(block.set, keys, signers), aggnonce: nonceAgg(signers.map((s) => s.pubnonce)), tweaks: [], isXonly: [], msg: block.digest };
  }

  /**
   * At the coordinator: a partial signature of its open session. The partials are aggregated once
   * all are in and only the aggregate is verified (one BIP-340 check); only when it fails is each
   * partial checked (PartialSigVerify) to name the bad one, as RFC 9591 §5.3 allows. Checking each
   * partial as it arrives re-aggregates every nonce per partial: t² work, seconds at 64 members.
   */
  private collect(state: HeightState, m: Extract<FrostMessage, { kind: typeof FrostKind.PARTIAL }>): void {
    const session = state.session;
    const block = state.block!;
    const keys = this.keysFor(block.set);
    if (!session || !keys || session.id !== m.session || state.signature) return;
    if (!session.signers.some((s) => s.index === m.index) || session.partials.has(m.index)) return;
    session.partials.set(m.index, m.psig);
    if (session.partials.size < session.signers.length) return;
    state.session = undefined;
    const psigs = session.signers.map((s) => session.partials.get(s.index)!);
    let signature: Uint8Array | undefined;
    try {
      signature = partialSigAgg(psigs, this.session(block, keys, session.signers));
    } catch {
      // A partial that is not a scalar below the group order: named below like any bad one.
    }
    if (signature === undefined || !this.deps.crypto.verifySchnorr(signature, block.digest, block.set.groupKey)) {
      const ctx = this.signersCtx(block.set, keys, session.signers);
      const pubnonces = session.signers.map((s) => s.pubnonce);
      const bad = session.signers.filter((s, i) => {
        try {
          return !partialSigVerify(psigs[i]!, pubnonces, ctx, [], [], block.digest, i);
        } catch {
          return true;
        }
      });
      for (const { index } of bad) {
        this.deps.evidence.noteEvidence(m.height, index, m.headerHash, 'bad partial signature');
        this.deps.log(`FROST: member ${index} sent a bad partial signature for ${m.height} (session ${m.session}); retrying without it`);
        state.excluded.add(index);
      }
      if (bad.length === 0) this.deps.log(`FROST: the aggregate for ${m.height} does not verify, yet every partial does`);
      this.stats.retries++;
      return;
    }
    // Not committed here: only once it is read back from the stream. Another coordinator's
    // signature may be ahead of it there, and a crash before the publish must leave no block that
    // the others, taking over, sign differently (one light block per height at every member).
    state.aggregatedAt = this.deps.now();
    state.aggregated = signature;
    this.stats.signaturesMade++;
    this.send({ kind: FrostKind.SIGNATURE, height: m.height, headerHash: block.hash, coordinator: keys.id, signature });
  }

  /**
   * The session of `coordinator` that made a group signature: the REQUEST whose final nonce R is
   * the signature's R (checked when this member holds the public shares), else that coordinator's
   * newest REQUEST (it aggregates only its open session, the newest it asked for).
   */
  private sessionOf(state: HeightState, coordinator: number, signature: Uint8Array): readonly SignerNonce[] | undefined {
    const block = state.block!;
    const candidates = state.requests.filter((r) => r.coordinator === coordinator);
    const keys = this.keysFor(block.set);
    if (!keys) return candidates[candidates.length - 1]?.signers;
    return candidates.find((r) => {
      try {
        return equalBytes(xbytes(getSessionValues(this.session(block, keys, r.signers)).R), signature.subarray(0, 32));
      } catch {
        return false;
      }
    })?.signers;
  }

  /** The coordinator's part, when it is this member's turn for h. */
  private drive(state: HeightState): void {
    const block = state.block;
    if (!block || state.signature) return;
    const keys = this.keysFor(block.set);
    if (!keys) return;
    const n = block.set.keys.length;
    const turn = (keys.id - (state.height % n) + n) % n;
    const now = this.deps.now();
    // A backup steps in `turn` takeovers after the block, and only once no other coordinator has
    // asked for a takeover's time (a live coordinator retries on its own).
    const myTime = Math.max(block.executedAt + turn * this.deps.takeoverMs, turn > 0 && state.foreignRequestAt !== undefined ? state.foreignRequestAt + this.deps.takeoverMs : 0);
    if (now < myTime) return;
    // Its own signature on its way through the stream; a publish that got lost is retried like a timeout.
    if (state.aggregatedAt !== undefined) {
      if (now - state.aggregatedAt < this.deps.takeoverMs * 2 ** Math.min(state.timeouts, 4)) return;
      state.aggregatedAt = undefined;
      state.timeouts++;
    }
    const open = state.session;
    if (open) {
      // Each timeout of h doubles the next session's time (up to 16 takeovers): on a busy machine a
      // session may need longer than one takeover, and fixed timeouts would retry it for ever.
      if (now - open.startedAt < this.deps.takeoverMs * 2 ** Math.min(state.timeouts, 4)) return;
      state.timeouts++;
      // Timed out: whoever did not answer sits out the next session for h.
      for (const s of open.signers) if (!open.partials.has(s.index)) state.silent.add(s.index);
      state.session = undefined;
      this.stats.retries++;
    }
    const pick = (skipSilent: boolean) => {
      const seen = new Set<number>();
      const chosen: SignerNonce[] = [];
      for (const x of state.nonces) {
        if (chosen.length === block.set.threshold) break;
        if (seen.has(x.index) || state.used.has(x.hex) || state.excluded.has(x.index) || (skipSilent && state.silent.has(x.index))) continue;
        seen.add(x.index);
        chosen.push({ index: x.index, pubnonce: x.pubnonce });
      }
      return chosen;
    };
    let chosen = pick(true);
    // Too few without the silent ones: they get another chance.
    if (chosen.length < block.set.threshold && state.silent.size > 0) chosen = pick(false);
    if (chosen.length === block.set.threshold) {
      const signers = chosen.sort((a, b) => a.index - b.index);
      // Unique per height across coordinators (session ≡ coordinator mod n): a share made for another
      // coordinator's session is never checked against this one's (it would look bad).
      const session: Session = { id: state.nextSession++ * n + keys.id, signers, startedAt: now, partials: new Map() };
      state.session = session;
      const request = { kind: FrostKind.REQUEST, height: state.height, headerHash: block.hash, coordinator: keys.id, session: session.id, signers } as const;
      // Applied here at once (this member's own part, and its nonces spent) rather than on its echo.
      this.answer(state, request);
      this.send(request);
      return;
    }
    // Not enough unused nonces: ask for fresh ones (at most once per takeover).
    if (now - (state.renonceAt ?? myTime) < this.deps.takeoverMs / 2) return;
    state.renonceAt = now;
    if (state.secnonces.size === 0) this.makeNonce(state);
    this.send({ kind: FrostKind.RENONCE, height: state.height, headerHash: block.hash, coordinator: keys.id, session: state.nextSession * n + keys.id });
  }
}
