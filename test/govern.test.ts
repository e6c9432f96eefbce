// Consortium membership in the core: cut markers and votes (src/chain/cut.ts, vote.ts), GOVERN
// admission and apply over a consortium's state (src/contracts/system-contracts.ts), and a light
// client following a set change proven by the old set. Tables with a reason per row.

import test from 'ava';
import {
  AccountRole, AccountStatus, type Approval, type CborValue, ErrorCode, GovernAction, type KeyPair, LedgerState, Permission,
  type Proposal, type SignedTx, TxKind, admitTx, applyHeader, applyTx, approvalDigest, buildHeader, chainIdOf, commitFromVotes,
  createNobleCrypto, decodeCut, decodeLightBlock, decodeTx, decodeVote, encodeCbor, encodeCut, encodeLightBlock, encodeTx, encodeVote,
  enrollBody, errorName, genesisHash, governBody, headerHash, isFrostSet, isXOnlyPublicKey, keyId, makeGroupCommit, parseGovern, proposalToCbor, makeTrustOptions, makeValidatorSet, signApprovals, signCommit,
  commitDigest, compareBytes, signCut, signTx, signVote, signingKey, trustFromGenesis, txId, validatorSetHash, verifyCommitSignatures, verifyCut, verifyHeader,
  verifyTxSignature, verifyVote,
} from '../src/index.js';
import { GENESIS_TIME, groupSign, testGroup, testKey } from './support/chain-fixture.js';

const crypto = createNobleCrypto();
const [a, b, c, d, e, x] = ['a', 'b', 'c', 'd', 'e', 'x'].map((l) => testKey(crypto, `govern ${l}`)) as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];
const operator = testKey(crypto, 'govern operator');
const device = testKey(crypto, 'govern device');
const genesis = {
  name: new Uint8Array(3), time: GENESIS_TIME, permission: Permission.CONSORTIUM,
  validators: makeValidatorSet(2, [a.publicKey, b.publicKey, c.publicKey]), operatorKey: operator.publicKey,
};
const chainId = chainIdOf(crypto, genesis);
const NOW = Math.floor(GENESIS_TIME / 1000) + 60;
const idOf = (k: KeyPair) => keyId(crypto, k.publicKey);
const code = (r: { ok: boolean; code?: number }) => (r.ok ? ErrorCode.OK : r.code!);

// ---- cut markers ----

test('a cut round-trips and verifies only under the key at its index, on its chain, for its height', (t) => {
  const set = genesis.validators;
  const index = set.keys.findIndex((k) => k.every((v, i) => v === b.publicKey[i]));
  const cut = signCut(crypto, chainId, 5, index, b.privateKey);
  const decoded = decodeCut(encodeCut(cut));
  t.deepEqual(decoded, cut);
  const cases: [reason: string, chain: Uint8Array, cut: typeof cut, expect: number][] = [
    ['signed by the member at its index', chainId, cut, ErrorCode.OK],
    ["another member's index", chainId, { ...cut, proposerIndex: (index + 1) % 3 }, ErrorCode.BAD_SIGNATURE],
    ['an index outside the set', chainId, { ...cut, proposerIndex: 3 }, ErrorCode.BAD_COMMIT],
    ['replayed for another height', chainId, { ...cut, height: 6 }, ErrorCode.BAD_SIGNATURE],
    ['on another chain', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), cut, ErrorCode.BAD_SIGNATURE],
    ['forged by a non-member', chainId, signCut(crypto, chainId, 5, index, x.privateKey), ErrorCode.BAD_SIGNATURE],
  ];
  for (const [reason, chain, candidate, expect] of cases) t.is(code(verifyCut(crypto, chain, set, candidate)), expect, reason);
});

test('cut and vote decoding is strict', (t) => {
  const sig = new Uint8Array(64);
  const cases: [reason: string, decode: (b: Uint8Array) => unknown, bytes: Uint8Array, expect: number][] = [
    ['a cut of two fields', decodeCut, encodeCbor([1, 0]), ErrorCode.BAD_SHAPE],
    ['a cut signature of 63 bytes', decodeCut, encodeCbor([1, 0, new Uint8Array(63)]), ErrorCode.BAD_SHAPE],
    ['a negative cut height', decodeCut, encodeCbor([-1, 0, sig]), ErrorCode.BAD_SHAPE],
    ['a cut with a trailing byte', decodeCut, Uint8Array.of(...encodeCbor([1, 0, sig]), 0), ErrorCode.TRAILING_BYTES],
    ['a cut height not in shortest form', decodeCut, Uint8Array.of(0x83, 0x18, 0x01, 0x00, 0x58, 0x40, ...sig), ErrorCode.NON_CANONICAL],
    ['a vote of three fields', decodeVote, encodeCbor([1, new Uint8Array(32), 0]), ErrorCode.BAD_SHAPE],
    ['a vote header hash of 31 bytes', decodeVote, encodeCbor([1, new Uint8Array(31), 0, sig]), ErrorCode.BAD_SHAPE],
    ['a vote index as bytes', decodeVote, encodeCbor([1, new Uint8Array(32), new Uint8Array(1), sig]), ErrorCode.BAD_SHAPE],
  ];
  for (const [reason, decode, bytes, expect] of cases) {
    const error = t.throws(() => decode(bytes), undefined, reason) as { code?: number } | undefined;
    t.is(error?.code, expect, reason);
  }
});

// ---- votes ----

test('votes verify against the set and the header the member computed, and assemble into a commit', (t) => {
  const set = genesis.validators;
  const hash = crypto.sha256(Uint8Array.of(7));
  const indexOf = (k: KeyPair) => set.keys.findIndex((pk) => pk.every((v, i) => v === k.publicKey[i]));
  const votes = [c, a].map((k) => signVote(crypto, 9, hash, indexOf(k), k.privateKey));
  for (const v of votes) t.deepEqual(decodeVote(encodeVote(v)), v);
  const expected = { height: 9, headerHash: hash };
  const cases: [reason: string, vote: (typeof votes)[0], expect: number][] = [
    ['a member signed the header', votes[0]!, ErrorCode.OK],
    ['for another header hash', { ...votes[0]!, headerHash: crypto.sha256(Uint8Array.of(8)) }, ErrorCode.COMMIT_MISMATCH],
    ['for another height', { ...votes[0]!, height: 10 }, ErrorCode.COMMIT_MISMATCH],
    ['an index outside the set', { ...votes[0]!, validatorIndex: 3 }, ErrorCode.BAD_COMMIT],
    ["claims another member's index", { ...votes[0]!, validatorIndex: indexOf(b) }, ErrorCode.BAD_COMMIT_SIGNATURE],
    ['forged by a non-member', signVote(crypto, 9, hash, indexOf(b), x.privateKey), ErrorCode.BAD_COMMIT_SIGNATURE],
  ];
  for (const [reason, vote, expect] of cases) t.is(code(verifyVote(crypto, set, expected, vote)), expect, reason);

  const commit = commitFromVotes(9, hash, votes);
  t.deepEqual(commit.signatures.map((s) => s.index), [indexOf(a), indexOf(c)].sort((p, q) => p - q), 'ascending by index');
  t.true(verifyCommitSignatures(crypto, set, commit, hash).ok, 'a commit the light client accepts');
  t.deepEqual(commit, signCommit(crypto, 9, hash, [a, c].map((k) => ({ index: indexOf(k), privateKey: k.privateKey }))), 'the same as signCommit');
  t.is((t.throws(() => commitFromVotes(9, hash, [votes[0]!, votes[0]!])) as { code?: number }).code, ErrorCode.BAD_COMMIT, 'two votes of one index');
  t.is((t.throws(() => commitFromVotes(10, hash, votes)) as { code?: number }).code, ErrorCode.COMMIT_MISMATCH, 'a vote of another header');
});

// ---- GOVERN ----

/** Approvals by `signers` of `proposal`, counted in the state's current set. */
function approve(state: LedgerState, proposal: Proposal, signers: readonly KeyPair[], as?: readonly number[]): Approval[] {
  const set = state.validators()!;
  return signApprovals(crypto, chainId, validatorSetHash(crypto, set), proposal, signers.map((k, i) => ({
    index: as?.[i] ?? set.keys.findIndex((pk) => pk.every((v, j) => v === k.publicKey[j])),
    privateKey: k.privateKey,
  })));
}

/** A signed GOVERN (or other) transaction by `sender`, with the next seq of the account signing as it. */
function txBy(state: LedgerState, sender: Uint8Array, signer: KeyPair, kind: TxKind, body: CborValue): SignedTx {
  const seq = (state.account(sender)?.lastSeq ?? 0) + 1;
  return decodeTx(encodeTx(signTx(crypto, chainId, { kind, sender, seq, time: NOW, body }, signer.privateKey)));
}

function submit(state: LedgerState, tx: SignedTx): number {
  const key = signingKey(state, tx);
  if (!key.ok) return key.code;
  if (!verifyTxSignature(crypto, chainId, tx, key.value).ok) return ErrorCode.BAD_SIGNATURE;
  const verdict = admitTx(crypto, state, tx, NOW);
  if (!verdict.ok) return verdict.code;
  applyTx(crypto, state, tx, 1);
  return ErrorCode.OK;
}

const add = (k: KeyPair): Proposal => ({ action: GovernAction.ADD_MEMBER, key: k.publicKey });
const remove = (k: KeyPair): Proposal => ({ action: GovernAction.REMOVE_MEMBER, key: k.publicKey });
const threshold = (n: number): Proposal => ({ action: GovernAction.SET_THRESHOLD, threshold: n });
const keysOf = (state: LedgerState, which: 'validators' | 'nextValidators') => state[which]()!.keys.map((k) => keyId(crypto, k).join());

test('GOVERN admission and apply, row by row over a 2-of-3 consortium', (t) => {
  const state = LedgerState.fromGenesis(crypto, genesis);
  // Signed under the genesis set now, sent once the set has changed: must not count any more.
  const stale = governBody(threshold(3), approve(state, threshold(3), [a, b]));
  type Row = [reason: string, sender: KeyPair, signer: KeyPair, kind: TxKind, body: () => CborValue, expect: number, endBlock?: boolean];
  const gov = (p: Proposal, signers: KeyPair[], as?: number[]) => () => governBody(p, approve(state, p, signers, as));
  const rows: Row[] = [
    ['the operator is not a member', operator, operator, TxKind.GOVERN, gov(add(d), [a, b]), ErrorCode.NOT_PERMITTED],
    ['one approval is short of the threshold 2', a, a, TxKind.GOVERN, gov(add(d), [a]), ErrorCode.BAD_APPROVALS],
    ['no approvals at all', a, a, TxKind.GOVERN, () => governBody(add(d), []), ErrorCode.BAD_APPROVALS],
    ["a non-member forges b's approval", a, a, TxKind.GOVERN, () => governBody(add(d), [...approve(state, add(d), [a]), ...approve(state, add(d), [x], [state.validators()!.keys.findIndex((k) => k.every((v, i) => v === b.publicKey[i]))])]), ErrorCode.BAD_APPROVALS],
    ['approvals of another proposal', a, a, TxKind.GOVERN, () => governBody(add(d), approve(state, add(e), [a, b])), ErrorCode.BAD_APPROVALS],
    ['approval indices not ascending', a, a, TxKind.GOVERN, () => [[GovernAction.ADD_MEMBER, d.publicKey], approve(state, add(d), [a, b]).reverse().map((p) => [p.index, p.signature])], ErrorCode.BAD_APPROVALS],
    ['an approval index outside the set', a, a, TxKind.GOVERN, gov(add(d), [a, b], [0, 3]), ErrorCode.BAD_APPROVALS],
    ['removing a non-member', a, a, TxKind.GOVERN, gov(remove(d), [a, b]), ErrorCode.NOT_A_MEMBER],
    ['adding a member again', a, a, TxKind.GOVERN, gov(add(b), [a, b]), ErrorCode.DUPLICATE_DEVICE],
    ["adding the operator's key", a, a, TxKind.GOVERN, gov(add(operator), [a, b]), ErrorCode.NOT_PERMITTED],
    ['a threshold above the members', a, a, TxKind.GOVERN, gov(threshold(4), [a, b]), ErrorCode.BAD_VALIDATOR_SET],
    ['a and b add d', a, a, TxKind.GOVERN, gov(add(d), [a, b]), ErrorCode.OK, true],
    ['approvals made under the old set, replayed', a, a, TxKind.GOVERN, () => stale, ErrorCode.BAD_APPROVALS],
    ['the new member approves: threshold 3', d, d, TxKind.GOVERN, gov(threshold(3), [b, d]), ErrorCode.OK, true],
    ['two approvals no longer reach 3', a, a, TxKind.GOVERN, gov(remove(c), [a, b]), ErrorCode.BAD_APPROVALS],
    ['a, b and d remove c', a, a, TxKind.GOVERN, gov(remove(c), [a, b, d]), ErrorCode.OK, true],
    ['the removed member cannot send', c, c, TxKind.GOVERN, gov(threshold(2), [a, b, d]), ErrorCode.REVOKED],
    ["the removed member's approval does not count", a, a, TxKind.GOVERN, () => governBody(threshold(2), [...approve(state, threshold(2), [a, b]), ...approve(state, threshold(2), [c], [2])]), ErrorCode.BAD_APPROVALS],
    ['removing the same member twice', a, a, TxKind.GOVERN, gov(remove(c), [a, b, d]), ErrorCode.NOT_A_MEMBER],
    ['d rotates its key to e', d, d, TxKind.GOVERN, gov({ action: GovernAction.ROTATE_MEMBER_KEY, oldKey: d.publicKey, newKey: e.publicKey }, [a, b, d]), ErrorCode.OK, true],
    ["d's old key no longer signs for its account", d, d, TxKind.GOVERN, gov(threshold(2), [a, b, e]), ErrorCode.BAD_SIGNATURE],
    ['rotating a key that is no member', a, a, TxKind.GOVERN, gov({ action: GovernAction.ROTATE_MEMBER_KEY, oldKey: d.publicKey, newKey: x.publicKey }, [a, b, e]), ErrorCode.NOT_A_MEMBER],
    ["its account signs with e, and e's approval counts", d, e, TxKind.GOVERN, gov(threshold(2), [a, b, e]), ErrorCode.OK, true],
    ['in a consortium a member enrols a device', a, a, TxKind.ENROLL, () => enrollBody(device.publicKey), ErrorCode.OK],
    ['the removed member comes back with its key', b, b, TxKind.GOVERN, gov(add(c), [a, e]), ErrorCode.OK, true],
    ['a device key cannot become a member', a, a, TxKind.GOVERN, gov(add(device), [a, b]), ErrorCode.NOT_PERMITTED],
  ];
  for (const [reason, sender, signer, kind, body, expect, endBlock] of rows) {
    const before = state.root(crypto);
    const setsBefore = [keysOf(state, 'validators'), keysOf(state, 'nextValidators')];
    const got = submit(state, txBy(state, idOf(sender), signer, kind, body()));
    t.is(errorName(got), errorName(expect), reason);
    if (got !== ErrorCode.OK) {
      t.deepEqual(state.root(crypto), before, `${reason}: a rejection changes nothing`);
      t.deepEqual([keysOf(state, 'validators'), keysOf(state, 'nextValidators')], setsBefore, `${reason}: nor the sets`);
    }
    if (endBlock) {
      t.deepEqual(keysOf(state, 'validators'), setsBefore[0], `${reason}: the current set waits for the block boundary`);
      state.endBlock();
    }
  }
  const final = state.validators()!;
  t.is(final.threshold, 2);
  t.deepEqual(final.keys.map((k) => keyId(crypto, k).join()).sort(), [a, b, c, e].map((k) => idOf(k).join()).sort());
  t.is(state.account(idOf(c))!.status, AccountStatus.ACTIVE, 'c is back');
  t.is(state.account(idOf(d))!.role, AccountRole.VALIDATOR);
  t.deepEqual(state.account(idOf(d))!.key, e.publicKey, "d's account holds e");
});

const sorted = (...keys: KeyPair[]) => keys.map((k) => k.publicKey).sort(compareBytes);
const rekey = (t: number, keys: readonly Uint8Array[], groupKey: Uint8Array): Proposal => ({ action: GovernAction.REKEY, threshold: t, keys, groupKey });
/** An x-only 32 bytes that is no point: BIP-340's test vector 5 key. */
const OFF_CURVE = Uint8Array.from('eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34'.match(/../g)!.map((h) => parseInt(h, 16)));
const P_BYTES = Uint8Array.from('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'.match(/../g)!.map((h) => parseInt(h, 16)));

test('REKEY: an ECDSA set becomes a FROST set; then only REKEY changes it, row by row', (t) => {
  const state = LedgerState.fromGenesis(crypto, genesis);
  const g1 = testGroup(crypto, 'rekey g1').groupKey;
  const g2 = testGroup(crypto, 'rekey g2').groupKey;
  const g3 = testGroup(crypto, 'rekey g3').groupKey;
  type Row = [reason: string, sender: KeyPair, signer: KeyPair, body: () => CborValue, expect: number, endBlock?: boolean];
  const gov = (p: Proposal, signers: KeyPair[]) => () => governBody(p, approve(state, p, signers));
  const abcd = sorted(a, b, c, d);
  t.is(submit(state, txBy(state, idOf(a), a, TxKind.ENROLL, enrollBody(device.publicKey))), ErrorCode.OK);
  const rows: Row[] = [
    ['keys not sorted', a, a, gov(rekey(3, [...abcd].reverse(), g1), [a, b]), ErrorCode.BAD_VALIDATOR_SET],
    ['a key twice', a, a, gov(rekey(2, [abcd[0]!, abcd[0]!, abcd[1]!].sort(compareBytes), g1), [a, b]), ErrorCode.BAD_VALIDATOR_SET],
    ['a threshold above the keys', a, a, gov(rekey(5, abcd, g1), [a, b]), ErrorCode.BAD_VALIDATOR_SET],
    ['a group key off the curve', a, a, gov(rekey(3, abcd, OFF_CURVE), [a, b]), ErrorCode.BAD_VALIDATOR_SET],
    ['a group key x = p', a, a, gov(rekey(3, abcd, P_BYTES), [a, b]), ErrorCode.BAD_VALIDATOR_SET],
    ["the operator's key enters", a, a, gov(rekey(3, sorted(a, b, c, operator), g1), [a, b]), ErrorCode.NOT_PERMITTED],
    ['one approval is short of the threshold 2', a, a, gov(rekey(3, abcd, g1), [a]), ErrorCode.BAD_APPROVALS],
    ['a and b: 3 of a, b, c, d under g1 (ECDSA to FROST, d joins)', a, a, gov(rekey(3, abcd, g1), [a, b]), ErrorCode.OK, true],
    ['ADD_MEMBER on a FROST set', a, a, gov(add(e), [a, b, c]), ErrorCode.BAD_VALIDATOR_SET],
    ['REMOVE_MEMBER on a FROST set', a, a, gov(remove(d), [a, b, c]), ErrorCode.BAD_VALIDATOR_SET],
    ['ROTATE_MEMBER_KEY on a FROST set', d, d, gov({ action: GovernAction.ROTATE_MEMBER_KEY, oldKey: d.publicKey, newKey: e.publicKey }, [a, b, d]), ErrorCode.BAD_VALIDATOR_SET],
    ['SET_THRESHOLD on a FROST set', a, a, gov(threshold(2), [a, b, c]), ErrorCode.BAD_VALIDATOR_SET],
    ['a REKEY that keeps the group key (the old shares cannot sign for new members)', a, a, gov(rekey(3, sorted(a, b, c, d, e), g1), [a, b, c]), ErrorCode.BAD_VALIDATOR_SET],
    ['two approvals no longer reach 3', a, a, gov(rekey(3, sorted(a, b, c, d, e), g2), [a, b]), ErrorCode.BAD_APPROVALS],
    ['a, b and the new member d: e joins, c leaves, 3 of a, b, d, e under g2', d, d, gov(rekey(3, sorted(a, b, d, e), g2), [a, b, d]), ErrorCode.OK],
    ['and again in the same block (judged against next): back to a, b, c, d under g3', a, a, gov(rekey(3, abcd, g3), [a, c, d]), ErrorCode.OK, true],
    ['a device key cannot enter', a, a, gov(rekey(3, sorted(a, b, c, device), g2), [a, b, c]), ErrorCode.NOT_PERMITTED],
  ];
  for (const [reason, sender, signer, body, expect, endBlock] of rows) {
    const before = state.root(crypto);
    const setsBefore = [keysOf(state, 'validators'), keysOf(state, 'nextValidators')];
    const got = submit(state, txBy(state, idOf(sender), signer, TxKind.GOVERN, body()));
    t.is(errorName(got), errorName(expect), reason);
    if (got !== ErrorCode.OK) {
      t.deepEqual(state.root(crypto), before, `${reason}: a rejection changes nothing`);
      t.deepEqual([keysOf(state, 'validators'), keysOf(state, 'nextValidators')], setsBefore, `${reason}: nor the sets`);
    }
    if (endBlock) state.endBlock();
  }
  const final = state.validators()!;
  t.true(isFrostSet(final));
  t.deepEqual(final, makeValidatorSet(3, abcd, g3));
  t.is(state.account(idOf(d))!.role, AccountRole.VALIDATOR);
  t.is(state.account(idOf(d))!.status, AccountStatus.ACTIVE);
  t.is(state.account(idOf(e))!.status, AccountStatus.REVOKED, 'e entered, then left in the same block');
  t.is(state.account(idOf(c))!.status, AccountStatus.ACTIVE, 'c left and came back with its key');
});

test('REKEY bodies: the shape is checked when decoding (BAD_BODY), and the group key must be a point', (t) => {
  const g = testGroup(crypto, 'rekey shape').groupKey;
  const keys = sorted(a, b);
  const p = rekey(2, keys, g);
  t.deepEqual(proposalToCbor(p), [4, 2, keys, g]);
  t.deepEqual(parseGovern(governBody(p, [])).proposal, p);
  const cases: [reason: string, proposal: CborValue][] = [
    ['three fields', [4, 2, keys]],
    ['threshold 0', [4, 0, keys, g]],
    ['no keys', [4, 1, [], g]],
    ['65 keys', [4, 1, Array(65).fill(keys[0]), g]],
    ['a key of 32 bytes', [4, 1, [keys[0]!.subarray(1)], g]],
    ['a group key of 33 bytes', [4, 1, keys, Uint8Array.of(2, ...g)]],
    ['keys not an array', [4, 1, keys[0]!, g]],
  ];
  for (const [reason, proposal] of cases) {
    const error = t.throws(() => parseGovern([proposal, []]), undefined, reason) as { code?: number } | undefined;
    t.is(error?.code, ErrorCode.BAD_BODY, reason);
  }
  t.true(isXOnlyPublicKey(g));
  t.false(isXOnlyPublicKey(OFF_CURVE));
  t.false(isXOnlyPublicKey(P_BYTES));
  t.false(isXOnlyPublicKey(g.subarray(1)));
});

test('a device follows a REKEY: the old group signs the block announcing the new group, which signs on; the new group before or the old after is refused', (t) => {
  const options = makeTrustOptions();
  const g1 = testGroup(crypto, 'device g1');
  const g2 = testGroup(crypto, 'device g2');
  const frostGenesis = { ...genesis, validators: makeValidatorSet(2, sorted(a, b, c), g1.groupKey) };
  const frostChain = chainIdOf(crypto, frostGenesis);
  const state = LedgerState.fromGenesis(crypto, frostGenesis);
  const oldSet = state.validators()!;
  const proposal = rekey(3, sorted(a, b, c, d), g2.groupKey);
  const approvals = signApprovals(crypto, frostChain, validatorSetHash(crypto, oldSet), proposal, [a, b].map((k) => ({ index: oldSet.keys.findIndex((pk) => pk.every((v, i) => v === k.publicKey[i])), privateKey: k.privateKey })));
  const wire = encodeTx(signTx(crypto, frostChain, { kind: TxKind.GOVERN, sender: idOf(a), seq: 1, time: NOW, body: governBody(proposal, approvals) }, a.privateKey));
  t.true(admitTx(crypto, state, decodeTx(wire), NOW).ok);
  const h1 = buildHeader(crypto, { chainId: frostChain, height: 1, time: GENESIS_TIME + 1000, prevHash: genesisHash(crypto, frostGenesis) }, state, [{ tx: decodeTx(wire), id: txId(crypto, wire) }]);
  const newSet = state.validators()!;
  t.deepEqual(newSet, makeValidatorSet(3, sorted(a, b, c, d), g2.groupKey));
  t.deepEqual(h1.nextValidatorsHash, validatorSetHash(crypto, newSet));
  const h2 = buildHeader(crypto, { chainId: frostChain, height: 2, time: GENESIS_TIME + 2000, prevHash: headerHash(crypto, h1) }, state, []);
  const signed = (header: typeof h1, group: typeof g1) => makeGroupCommit(header.height, headerHash(crypto, header), groupSign(group, commitDigest(crypto, headerHash(crypto, header))));
  const now = GENESIS_TIME + 3000;
  const trust0 = trustFromGenesis(crypto, frostGenesis);
  t.is(code(verifyHeader(crypto, trust0, { header: h1, commit: signed(h1, g2) }, now, options)), ErrorCode.BAD_COMMIT_SIGNATURE, 'the new group before the change');
  const first = verifyHeader(crypto, trust0, { header: h1, commit: signed(h1, g1) }, now, options);
  if (!first.ok) return t.fail(`the old group announces the new one: ${first.reason}`);
  const trust1 = applyHeader(trust0, first.value);
  t.is(code(verifyHeader(crypto, trust1, { header: h2, commit: signed(h2, g1), validators: newSet }, now, options)), ErrorCode.BAD_COMMIT_SIGNATURE, 'the old group after the change');
  t.true(verifyHeader(crypto, trust1, decodeLightBlock(encodeLightBlock({ header: h2, commit: signed(h2, g2), validators: newSet })), now, options).ok, 'the new group signs on');
});

test('in a private chain a member may not enrol, nor REKEY (its one producer cannot sign for a group key); GOVERN on a state without sets is refused', (t) => {
  const privateGenesis = { ...genesis, permission: Permission.PRIVATE };
  const state = LedgerState.fromGenesis(crypto, privateGenesis);
  const tx = txBy(state, idOf(a), a, TxKind.ENROLL, enrollBody(device.publicKey));
  t.is(code(admitTx(crypto, state, tx, NOW)), ErrorCode.NOT_PERMITTED);
  const toFrost = rekey(2, sorted(a, b, c, d), testGroup(crypto, 'private rekey').groupKey);
  const rekeyTx = txBy(state, idOf(a), a, TxKind.GOVERN, governBody(toFrost, approve(state, toFrost, [a, b])));
  t.is(code(admitTx(crypto, state, rekeyTx, NOW)), ErrorCode.NOT_PERMITTED);
  const bare = LedgerState.fromEntries(state.accounts(), []);
  const govern = txBy(bare, idOf(a), a, TxKind.GOVERN, governBody(add(d), approve(state, add(d), [a, b])));
  t.is(code(admitTx(crypto, bare, govern, NOW)), ErrorCode.NOT_PERMITTED);
});

test('the sets are touched when they change, persisted by takeTouched, and restored by fromEntries', (t) => {
  const state = LedgerState.fromGenesis(crypto, genesis);
  t.deepEqual(state.takeTouched().validators, { current: genesis.validators, next: genesis.validators }, 'the genesis sets are written by the first block');
  state.endBlock();
  t.is(state.takeTouched().validators, undefined, 'a boundary without a change touches nothing');
  t.is(submit(state, txBy(state, idOf(a), a, TxKind.GOVERN, governBody(add(d), approve(state, add(d), [a, c])))), ErrorCode.OK);
  const touched = state.takeTouched();
  t.is(touched.validators?.current, genesis.validators);
  t.is(touched.validators?.next.keys.length, 4);
  state.endBlock();
  const sets = state.takeTouched().validators!;
  t.is(sets.current, sets.next);
  const restored = LedgerState.fromEntries(state.accounts(), state.blocked(), { chainId, permission: genesis.permission, ...sets });
  t.deepEqual(restored.root(crypto), state.root(crypto));
  t.is(restored.validators(), sets.current);
  t.is(restored.permission(), Permission.CONSORTIUM);
  t.deepEqual(restored.clone().chainContext(), restored.chainContext());
});

test('approval digests bind the chain, the set and the proposal', (t) => {
  const h = validatorSetHash(crypto, genesis.validators);
  const base = approvalDigest(crypto, chainId, h, add(d));
  t.notDeepEqual(approvalDigest(crypto, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), h, add(d)), base);
  t.notDeepEqual(approvalDigest(crypto, chainId, crypto.sha256(h), add(d)), base);
  t.notDeepEqual(approvalDigest(crypto, chainId, h, remove(d)), base);
  t.is((t.throws(() => approvalDigest(crypto, new Uint8Array(7), h, add(d))) as { code?: number }).code, ErrorCode.WRONG_CHAIN);
});

// ---- a light client follows the change ----

test('a device follows a set change proven by the old set, and refuses one signed by too few old members', (t) => {
  const options = makeTrustOptions();
  const state = LedgerState.fromGenesis(crypto, genesis);
  const oldSet = state.validators()!;
  const proposal = add(d);
  const govern = signTx(crypto, chainId, { kind: TxKind.GOVERN, sender: idOf(a), seq: 1, time: NOW, body: governBody(proposal, approve(state, proposal, [a, b])) }, a.privateKey);
  const wire = encodeTx(govern);
  t.true(admitTx(crypto, state, decodeTx(wire), NOW).ok);
  const indexIn = (set: typeof oldSet, k: KeyPair) => set.keys.findIndex((pk) => pk.every((v, i) => v === k.publicKey[i]));
  const sign = (set: typeof oldSet, height: number, hash: Uint8Array, keys: KeyPair[]) =>
    signCommit(crypto, height, hash, keys.map((k) => ({ index: indexIn(set, k), privateKey: k.privateKey })));
  // Block 1 holds the GOVERN: signed by the old set, it names the new set as the next one.
  const h1 = buildHeader(crypto, { chainId, height: 1, time: GENESIS_TIME + 1000, prevHash: genesisHash(crypto, genesis) }, state, [{ tx: decodeTx(wire), id: txId(crypto, wire) }]);
  const newSet = state.validators()!;
  t.is(newSet.keys.length, 4, 'after the boundary the state holds the new set');
  t.deepEqual(h1.validatorsHash, validatorSetHash(crypto, oldSet));
  t.deepEqual(h1.nextValidatorsHash, validatorSetHash(crypto, newSet));
  const hash1 = headerHash(crypto, h1);
  // Block 2 is signed by the new set (b and the new member d) and carries it.
  const h2 = buildHeader(crypto, { chainId, height: 2, time: GENESIS_TIME + 2000, prevHash: hash1 }, state, []);
  t.deepEqual(h2.validatorsHash, h1.nextValidatorsHash);
  const block2 = decodeLightBlock(encodeLightBlock({ header: h2, commit: sign(newSet, 2, headerHash(crypto, h2), [b, d]), validators: newSet }));
  const now = GENESIS_TIME + 3000;
  const genesisTrust = trustFromGenesis(crypto, genesis);
  const cases: [reason: string, commit: ReturnType<typeof sign>, expect: number][] = [
    ['two old members prove the change', sign(oldSet, 1, hash1, [a, c]), ErrorCode.OK],
    ['one old member alone', sign(oldSet, 1, hash1, [a]), ErrorCode.INSUFFICIENT_SIGNATURES],
    ["the new member signs at an old member's index", signCommit(crypto, 1, hash1, [{ index: indexIn(oldSet, a), privateKey: a.privateKey }, { index: indexIn(oldSet, c), privateKey: d.privateKey }]), ErrorCode.BAD_COMMIT_SIGNATURE],
  ];
  for (const [reason, commit, expect] of cases) {
    const first = verifyHeader(crypto, genesisTrust, decodeLightBlock(encodeLightBlock({ header: h1, commit })), now, options);
    t.is(errorName(code(first)), errorName(expect), reason);
    if (!first.ok) continue;
    const trusted = applyHeader(genesisTrust, first.value);
    const second = verifyHeader(crypto, trusted, block2, now, options);
    t.true(second.ok, `${reason}: then the new set's block`);
    // A light block carrying a set that block 1 did not name is refused, however well that set signed it.
    const forgedSet = makeValidatorSet(1, [x.publicKey]);
    const forged = verifyHeader(crypto, trusted, { header: { ...h2, validatorsHash: validatorSetHash(crypto, forgedSet) }, commit: sign(forgedSet, 2, headerHash(crypto, { ...h2, validatorsHash: validatorSetHash(crypto, forgedSet) }), [x]), validators: forgedSet }, now, options);
    t.is(code(forged), ErrorCode.VALSET_MISMATCH, `${reason}: a set block 1 did not name is refused`);
  }
  // A non-adjacent header past the change is refused: the device fetches the range.
  const skip = verifyHeader(crypto, genesisTrust, block2, now, options);
  t.is(code(skip), ErrorCode.VALSET_CHANGED);
});
