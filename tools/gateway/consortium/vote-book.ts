// Commit gathering (tools layer): the votes members publish for the headers they executed,
// and the commit of a block once `threshold` of them agree with the header this member
// computed itself. A vote for another header (a faulty or Byzantine member's) never counts,
// nor does a vote whose signature does not verify under the key at its index: a member checks
// the others' work, it does not trust it. Both are kept as evidence (`disagreements`).

import { type Commit, type CryptoProvider, bytesToHex, equalBytes } from '../../../src/index.js';
import { type Vote, commitFromVotes, verifyVote } from '../../../src/chain/vote.js';
import type { ExecutedBlock } from './member-executor.js';

/** Votes are kept only this far above the newest committed height (a flood of future votes is dropped). */
export const MAX_HEIGHTS_AHEAD = 1024;
/** Distinct votes kept per height (n ≤ 64 members, a few headers each). */
const MAX_VOTES_PER_HEIGHT = 256;

export interface Disagreement {
  readonly height: number;
  readonly index: number;
  readonly headerHash: string;
  /**
   * ECDSA votes: 'other header', 'bad signature', 'not in the set' (an index outside the signing
   * set). FROST signing (frost-signing.ts): 'bad partial signature' (PartialSigVerify failed in that
   * session: the member at `index` sent a bad share), 'bad group signature' (a coordinator published
   * a signature that does not verify), and 'other header' for a nonce or share for another header.
   */
  readonly reason: 'other header' | 'bad signature' | 'not in the set' | 'bad partial signature' | 'bad group signature';
}

export class VoteBook {
  private readonly byHeight = new Map<number, Vote[]>();
  /** Votes whose signature verified already: commitOf runs after every vote, and checks each signature once. */
  private readonly verified = new WeakSet<Vote>();
  private committedHeight: number;
  /** Evidence of members that signed something other than the honest header, newest last (bounded). */
  readonly disagreements: Disagreement[] = [];

  constructor(private readonly crypto: CryptoProvider, committedHeight: number) {
    this.committedHeight = committedHeight;
  }

  add(vote: Vote): void {
    if (vote.height <= this.committedHeight || vote.height > this.committedHeight + MAX_HEIGHTS_AHEAD) return;
    const list = this.byHeight.get(vote.height) ?? [];
    if (list.length >= MAX_VOTES_PER_HEIGHT) return;
    if (list.some((v) => v.validatorIndex === vote.validatorIndex && equalBytes(v.headerHash, vote.headerHash) && equalBytes(v.signature, vote.signature))) return;
    list.push(vote);
    this.byHeight.set(vote.height, list);
  }

  /** The commit of `block` if `threshold` verified votes of its signing set are for its header. */
  commitOf(block: ExecutedBlock): Commit | undefined {
    const list = this.byHeight.get(block.height);
    if (!list) return undefined;
    const { threshold, keys } = block.validators;
    const good = new Map<number, Vote>();
    for (const vote of list) {
      if (good.has(vote.validatorIndex)) continue;
      if (vote.validatorIndex >= keys.length) {
        this.note(vote, 'not in the set');
        continue;
      }
      if (!equalBytes(vote.headerHash, block.hash)) {
        this.note(vote, 'other header');
        continue;
      }
      if (!this.verified.has(vote)) {
        if (!verifyVote(this.crypto, block.validators, { height: block.height, headerHash: block.hash }, vote).ok) {
          this.note(vote, 'bad signature');
          continue;
        }
        this.verified.add(vote);
      }
      good.set(vote.validatorIndex, vote);
    }
    // Only verified votes stay: a bad one is noted once, and dropped.
    this.byHeight.set(block.height, [...good.values()]);
    if (good.size < threshold) return undefined;
    const chosen = [...good.values()].sort((a, b) => a.validatorIndex - b.validatorIndex).slice(0, threshold);
    return commitFromVotes(block.height, block.hash, chosen);
  }

  /** Forgets everything at or below `height` (committed). */
  committed(height: number): void {
    this.committedHeight = height;
    for (const h of this.byHeight.keys()) if (h <= height) this.byHeight.delete(h);
  }

  private note(vote: Vote, reason: Disagreement['reason']): void {
    this.noteEvidence(vote.height, vote.validatorIndex, vote.headerHash, reason);
  }

  /** Records evidence against the member at `index` (also what FROST signing finds). */
  noteEvidence(height: number, index: number, headerHash: Uint8Array, reason: Disagreement['reason']): void {
    this.disagreements.push({ height, index, headerHash: bytesToHex(headerHash), reason });
    if (this.disagreements.length > 1000) this.disagreements.shift();
  }
}
