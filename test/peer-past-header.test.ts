// verifyPastHeader (src/light/verify-past-header.ts), one rule per row: a header
// below the trusted height is accepted only when the currently trusted set
// signed it within the trust period; each rule has a row that fails with
// exactly its code, so removing a rule fails this table.

import test from 'ava';
import {
  ErrorCode, type LightBlock, type TrustedState, applyHeader, errorName, headerHash, makeTrustOptions, makeValidatorSet,
  trustFromGenesis, verifyHeader, verifyPastHeader,
} from '../src/index.js';
import { GENESIS_TIME, makeBlock, makeFixture } from './support/chain-fixture.js';
import { testCrypto } from './fakes/scenario.js';

const crypto = testCrypto();
const f = makeFixture(crypto, 'past-header');
const options = makeTrustOptions({ trustPeriodMs: 3_600_000, maxClockDriftMs: 10_000 });
const timeOf = (h: number) => GENESIS_TIME + h * 1000;

// A chain of five blocks under set A (3 of 4), verified adjacently from the genesis.
const chain: LightBlock[] = [];
let trusted: TrustedState = trustFromGenesis(crypto, f.genesis);
for (let h = 1; h <= 5; h++) {
  const block = makeBlock(f, { height: h, time: timeOf(h), prevHash: trusted.headerHash, validators: f.setA });
  const verdict = verifyHeader(crypto, trusted, block, timeOf(h), options);
  if (!verdict.ok) throw new Error(`fixture: ${verdict.reason}`);
  trusted = applyHeader(trusted, verdict.value);
  chain.push(block);
}
const now = timeOf(6);
const prevOf = (h: number) => headerHash(crypto, chain[h - 2]!.header);
const setB = makeValidatorSet(3, f.validatorKeys.slice(2, 6).map((k) => k.publicKey));

const rows: [reason: string, block: LightBlock, expected: number, at?: number][] = [
  ['a past header signed by the trusted set', chain[2]!, ErrorCode.OK],
  ['the trusted header itself', chain[4]!, ErrorCode.OK],
  ['the oldest header of the chain', chain[0]!, ErrorCode.OK],
  ['trusted header past the trust period', chain[2]!, ErrorCode.TRUST_EXPIRED, timeOf(5) + options.trustPeriodMs + 1],
  ['another chain', makeBlock(f, { height: 3, time: timeOf(3), prevHash: prevOf(3), validators: f.setA, chainId: new Uint8Array(8) }), ErrorCode.WRONG_CHAIN],
  ['height 0: the genesis has no header', makeBlock(f, { height: 0, time: timeOf(0), prevHash: f.genesisHash, validators: f.setA }), ErrorCode.BAD_SHAPE],
  ['above the trusted height: verify forward instead', makeBlock(f, { height: 6, time: timeOf(6), prevHash: headerHash(crypto, chain[4]!.header), validators: f.setA }), ErrorCode.ABOVE_TRUSTED],
  ['past height with a time not before the trusted one', makeBlock(f, { height: 3, time: timeOf(5), prevHash: prevOf(3), validators: f.setA }), ErrorCode.TIME_NOT_MONOTONIC],
  ['commit for another height', makeBlock(f, { height: 3, time: timeOf(3), prevHash: prevOf(3), validators: f.setA, tamperCommit: (c) => ({ ...c, height: 4 }) }), ErrorCode.COMMIT_MISMATCH],
  ['a different header at the trusted height (conflict)', makeBlock(f, { height: 5, time: timeOf(5), prevHash: prevOf(5), validators: f.setA, txCount: 1, txRoot: new Uint8Array(32).fill(9) }), ErrorCode.COMMIT_MISMATCH],
  ['signed by a set the peer does not trust now', makeBlock(f, { height: 3, time: timeOf(3), prevHash: prevOf(3), validators: setB, includeValidators: true }), ErrorCode.VALSET_MISMATCH],
  ['2 signatures where the set needs 3', makeBlock(f, { height: 3, time: timeOf(3), prevHash: prevOf(3), validators: f.setA, signerIndices: [0, 1] }), ErrorCode.INSUFFICIENT_SIGNATURES],
  ['one validator counted twice', makeBlock(f, { height: 3, time: timeOf(3), prevHash: prevOf(3), validators: f.setA, tamperCommit: (c) => ({ ...c, signatures: [c.signatures[0]!, c.signatures[0]!, c.signatures[1]!] }) }), ErrorCode.BAD_COMMIT],
  ['a signature that does not verify', makeBlock(f, { height: 3, time: timeOf(3), prevHash: prevOf(3), validators: f.setA, tamperCommit: (c) => ({ ...c, signatures: c.signatures.map((s, i) => (i === 1 ? { ...s, signature: s.signature.map((b, j) => (j === 10 ? b ^ 4 : b)) } : s)) }) }), ErrorCode.BAD_COMMIT_SIGNATURE],
];

test('verifyPastHeader: one row per rule, cheap rules first', (t) => {
  for (const [reason, block, expected, at] of rows) {
    const result = verifyPastHeader(crypto, trusted, block, at ?? now, options);
    t.is(result.ok ? 'OK' : errorName(result.code), errorName(expected), reason);
    if (result.ok) t.deepEqual(result.value.headerHash, headerHash(crypto, block.header), reason);
  }
  const codes = new Set(rows.map((r) => r[2]));
  for (const code of [ErrorCode.TRUST_EXPIRED, ErrorCode.WRONG_CHAIN, ErrorCode.ABOVE_TRUSTED, ErrorCode.TIME_NOT_MONOTONIC, ErrorCode.COMMIT_MISMATCH, ErrorCode.VALSET_MISMATCH, ErrorCode.INSUFFICIENT_SIGNATURES, ErrorCode.BAD_COMMIT, ErrorCode.BAD_COMMIT_SIGNATURE]) {
    t.true(codes.has(code), `a row for ${errorName(code)}`);
  }
});

test('verifyPastHeader moves no trust and refuses headers of an earlier set after a change', (t) => {
  // Blocks 6 (announcing set B) and 7 (signed by B): the peer now trusts B only.
  const b6 = makeBlock(f, { height: 6, time: timeOf(6), prevHash: headerHash(crypto, chain[4]!.header), validators: f.setA, nextValidators: setB });
  let state = trusted;
  for (const block of [b6, makeBlock(f, { height: 7, time: timeOf(7), prevHash: headerHash(crypto, b6.header), validators: setB, includeValidators: true })]) {
    const verdict = verifyHeader(crypto, state, block, timeOf(7), options);
    if (!verdict.ok) return t.fail(verdict.reason);
    state = applyHeader(state, verdict.value);
  }
  const before = JSON.stringify(state, (_k, v) => (v instanceof Uint8Array ? [...v] : v));
  const result = verifyPastHeader(crypto, state, chain[2]!, timeOf(8), options);
  t.false(result.ok);
  t.is(result.ok ? 'OK' : errorName(result.code), 'VALSET_MISMATCH', 'set A retired: its keys no longer vouch (long-range forgery)');
  t.is(JSON.stringify(state, (_k, v) => (v instanceof Uint8Array ? [...v] : v)), before);
});
