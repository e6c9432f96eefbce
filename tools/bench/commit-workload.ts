// The commit benchmark's workload (tools layer, platform-neutral: runs on Node and under
// XS): per header, at 4, 16 and 64 members with a two-thirds threshold, the light block's
// bytes and the device's cost to decode and verify it, for the ECDSA commit (`threshold`
// signatures) and the FROST commit (one BIP-340 signature under the group key). Blocks are
// built once (makeCommitFixtures, which needs noble for the Schnorr signature) and verified
// with whichever provider is measured, through the core's own decodeLightBlock + verifyHeader.

import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { ascii } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { type LightBlock, commitDigest, decodeLightBlock, encodeLightBlock, makeGroupCommit, signCommit } from '../../src/chain/commit.js';
import { type Header, headerHash } from '../../src/chain/header.js';
import { type ValidatorSet, makeValidatorSet, validatorSetHash } from '../../src/chain/validator-set.js';
import { makeTrustOptions, type TrustedState } from '../../src/light/trust.js';
import { verifyHeader } from '../../src/light/verify-header.js';

export const MEMBER_COUNTS = Object.freeze([4, 16, 64] as const);
const TIME = 1_767_225_600_000;
const OPTIONS = makeTrustOptions({ trustPeriodMs: 7 * 24 * 3600 * 1000, maxClockDriftMs: 10_000 });

export interface CommitFixture {
  readonly members: number;
  readonly threshold: number;
  readonly scheme: 'ecdsa' | 'frost';
  readonly trusted: TrustedState;
  /** The light block as a device receives it (no validator set: it is unchanged). */
  readonly block: Uint8Array;
}

export interface CommitFigure {
  readonly members: number;
  readonly threshold: number;
  readonly scheme: 'ecdsa' | 'frost';
  readonly provider: string;
  readonly bytes: number;
  readonly iterations: number;
  /** Decode + verifyHeader, per header. */
  readonly microseconds: number;
}

/** Two thirds, rounded up: 3 of 4, 11 of 16, 43 of 64. */
export const twoThirds = (n: number): number => Math.ceil((2 * n) / 3);

function blockFor(crypto: CryptoProvider, set: ValidatorSet, sign: (hash: Uint8Array, height: number) => LightBlock['commit']): CommitFixture['block'] {
  const prevHash = crypto.sha256(ascii('previous header'));
  const header: Header = {
    chainId: new Uint8Array(8).fill(1), height: 2, time: TIME + 2000, prevHash,
    txRoot: crypto.sha256(new Uint8Array(0)), txCount: 0, stateRoot: crypto.sha256(ascii('state')),
    validatorsHash: validatorSetHash(crypto, set), nextValidatorsHash: validatorSetHash(crypto, set),
  };
  const hash = headerHash(crypto, header);
  return encodeLightBlock({ header, commit: sign(hash, header.height) });
}

function trustedFor(crypto: CryptoProvider, set: ValidatorSet): TrustedState {
  const hash = validatorSetHash(crypto, set);
  return { chainId: new Uint8Array(8).fill(1), height: 1, time: TIME + 1000, headerHash: crypto.sha256(ascii('previous header')), validators: set, validatorsHash: hash, nextValidatorsHash: hash };
}

/** Builds both blocks at each size. `crypto` must sign ECDSA; the group signature is noble's BIP-340. */
export function makeCommitFixtures(crypto: CryptoProvider): CommitFixture[] {
  secp.hashes.sha256 ??= (message: Uint8Array) => sha256(message);
  const fixtures: CommitFixture[] = [];
  for (const members of MEMBER_COUNTS) {
    const threshold = twoThirds(members);
    const privateKeys = Array.from({ length: members }, (_, i) => crypto.sha256(ascii(`bench member ${i}`)));
    const byKey = new Map(privateKeys.map((k) => [Array.from(crypto.publicKey(k)).join(','), k]));
    const ecdsa = makeValidatorSet(threshold, [...byKey.keys()].map((k) => Uint8Array.from(k.split(',').map(Number))));
    const ordered = ecdsa.keys.map((pk) => byKey.get(Array.from(pk).join(','))!);
    const groupSecret = crypto.sha256(ascii(`bench group ${members}`));
    const frost = makeValidatorSet(threshold, ecdsa.keys, secp.schnorr.getPublicKey(groupSecret));
    fixtures.push({
      members, threshold, scheme: 'ecdsa', trusted: trustedFor(crypto, ecdsa),
      block: blockFor(crypto, ecdsa, (hash, height) => signCommit(crypto, height, hash, ordered.slice(0, threshold).map((privateKey, index) => ({ index, privateKey })))),
    });
    fixtures.push({
      members, threshold, scheme: 'frost', trusted: trustedFor(crypto, frost),
      block: blockFor(crypto, frost, (hash, height) => makeGroupCommit(height, hash, secp.schnorr.sign(commitDigest(crypto, hash), groupSecret, new Uint8Array(32)))),
    });
  }
  return fixtures;
}

/** Times decode + verify of each fixture with `crypto` for about `budgetMs` each (at least `min` runs). */
export function runCommitWorkload(crypto: CryptoProvider, fixtures: readonly CommitFixture[], budgetMs: number, min: number, now: () => number): CommitFigure[] {
  return fixtures.map((f) => {
    const once = () => {
      const r = verifyHeader(crypto, f.trusted, decodeLightBlock(f.block), TIME + 3000, OPTIONS);
      if (!r.ok) throw new Error(`bench block rejected (${f.scheme}, ${f.members}): ${r.reason}`);
    };
    once(); // lazy tables and contexts outside the timing
    let iterations = 0;
    const start = now();
    let elapsed = 0;
    while (iterations < min || elapsed < budgetMs) {
      once();
      iterations++;
      elapsed = now() - start;
    }
    return {
      members: f.members, threshold: f.threshold, scheme: f.scheme, provider: crypto.name,
      bytes: f.block.length, iterations, microseconds: Math.round((elapsed * 1000) / iterations),
    };
  });
}
