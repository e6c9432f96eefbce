// Every rule of the verifiers and every bound of the decoder is exercised by a
// shared vector that expects exactly its error code, so removing a rule fails
// that vector. This test keeps that true as rules are added.

import test from 'ava';
import cborVectors from './vectors/cbor.json' with { type: 'json' };
import checkpointVectors from './vectors/checkpoint.json' with { type: 'json' };
import lightVectors from './vectors/light.json' with { type: 'json' };
import merkleVectors from './vectors/merkle.json' with { type: 'json' };
import txVectors from './vectors/tx.json' with { type: 'json' };
import governVectors from './vectors/govern.json' with { type: 'json' };
import democracyVectors from './vectors/democracy.json' with { type: 'json' };
import useCaseVectors from './vectors/use-cases.json' with { type: 'json' };
import { ErrorCode, errorName } from '../src/errors/error-codes.js';

type Vector = { name: string; expect: { ok: boolean; code?: number } };
const codesIn = (vectors: readonly Vector[]) => new Set(vectors.filter((v) => !v.expect.ok).map((v) => v.expect.code));

const requirements: [string, readonly Vector[], number[]][] = [
  ['watch-rule reading verifier (§8.8) and its answer decoding', [...democracyVectors.verify, ...democracyVectors.decode], [
    ErrorCode.WRONG_SOURCE, ErrorCode.BAD_PROOF, ErrorCode.STALE_READING, ErrorCode.NO_READING, ErrorCode.UNVERIFIED_HEADER,
    ErrorCode.PROOF_SHAPE, ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_SHAPE, ErrorCode.BAD_KEY, ErrorCode.MALFORMED_CBOR,
  ]],
  ['CBOR decoder bounds and subset', cborVectors.vectors, [
    ErrorCode.MALFORMED_CBOR, ErrorCode.NON_CANONICAL, ErrorCode.TOO_LARGE, ErrorCode.TOO_DEEP, ErrorCode.TOO_MANY_ITEMS,
    ErrorCode.UNSUPPORTED_TYPE, ErrorCode.INT_OUT_OF_RANGE, ErrorCode.TRAILING_BYTES,
  ]],
  ['transaction checks', txVectors.verify, [
    ErrorCode.BAD_SIGNATURE, ErrorCode.UNKNOWN_KIND, ErrorCode.BAD_SHAPE, ErrorCode.BAD_BODY, ErrorCode.NON_CANONICAL, ErrorCode.TOO_LARGE,
  ]],
  ['header verifier', [...lightVectors.cases, ...lightVectors.decoding], [
    ErrorCode.TRUST_EXPIRED, ErrorCode.WRONG_CHAIN, ErrorCode.NOT_NEWER, ErrorCode.TIME_NOT_MONOTONIC, ErrorCode.FROM_FUTURE,
    ErrorCode.COMMIT_MISMATCH, ErrorCode.PREV_HASH_MISMATCH, ErrorCode.VALSET_MISMATCH, ErrorCode.VALSET_CHANGED,
    ErrorCode.INSUFFICIENT_SIGNATURES, ErrorCode.BAD_COMMIT, ErrorCode.BAD_COMMIT_SIGNATURE, ErrorCode.BAD_VALIDATOR_SET,
  ]],
  ['checkpoint verifier', checkpointVectors.cases, [
    ErrorCode.WRONG_CHAIN, ErrorCode.VALSET_MISMATCH, ErrorCode.FROM_FUTURE, ErrorCode.TRUST_EXPIRED, ErrorCode.CHECKPOINT_ROLLBACK,
    ErrorCode.BAD_CHECKPOINT_SIGNATURE,
  ]],
  ['GOVERN admission, cut markers and votes', [
    ...governVectors.steps.map((s) => ({ name: s.what, expect: s.expect === 0 ? { ok: true } : { ok: false, code: s.expect } })),
    ...governVectors.cut.cases, ...governVectors.vote.cases,
  ], [
    ErrorCode.BAD_APPROVALS, ErrorCode.NOT_A_MEMBER, ErrorCode.DUPLICATE_DEVICE, ErrorCode.BAD_VALIDATOR_SET, ErrorCode.NOT_PERMITTED, ErrorCode.REVOKED,
    ErrorCode.BAD_SIGNATURE, ErrorCode.BAD_COMMIT, ErrorCode.COMMIT_MISMATCH, ErrorCode.BAD_COMMIT_SIGNATURE, ErrorCode.BAD_SHAPE,
  ]],
  ['use-case contracts\' admission (§13.1.1, §13.2.1)', [...useCaseVectors.supplyChain.txs, ...useCaseVectors.transport.txs].map((t) => ({ name: t.what, expect: t.code === 0 ? { ok: true } : { ok: false, code: t.code } })), [
    ErrorCode.UNKNOWN_ITEM, ErrorCode.NOT_HOLDER, ErrorCode.ITEM_EXISTS, ErrorCode.BAD_TRAVELLER, ErrorCode.INSUFFICIENT_CREDITS, ErrorCode.UNKNOWN_OBSERVATION,
    ErrorCode.OBSERVATION_EXISTS, ErrorCode.UNKNOWN_ACCOUNT, ErrorCode.BAD_ARGS, ErrorCode.NOT_PERMITTED,
  ]],
  ['provenance and balance verifiers (§13.1.4, §13.2.3)', [...useCaseVectors.supplyChain.provenance.forged, ...useCaseVectors.transport.verify].map((c) => ({ name: c.what, expect: c.expect })), [
    ErrorCode.UNVERIFIED_HEADER, ErrorCode.BAD_PROVENANCE, ErrorCode.BAD_PROOF, ErrorCode.PROOF_SHAPE, ErrorCode.BAD_SHAPE, ErrorCode.NON_CANONICAL,
  ]],
  ['Merkle proofs', [...merkleVectors.proofs, ...merkleVectors.inclusion], [ErrorCode.BAD_PROOF, ErrorCode.PROOF_SHAPE]],
];

for (const [what, vectors, codes] of requirements) {
  test(`every rule of the ${what} has a vector`, (t) => {
    const present = codesIn(vectors);
    t.deepEqual(codes.filter((c) => !present.has(c)).map(errorName), []);
  });
}

test('each decoder bound is hit on its own limit', (t) => {
  const reasons = cborVectors.vectors.filter((v) => v.expect.code === ErrorCode.TOO_LARGE).map((v) => v.name);
  for (const bound of ['input over maxBytes', 'byte string over limit', 'array over limit', 'huge array claim', 'huge byte string claim']) {
    t.true(reasons.includes(bound), bound);
  }
});

test('error codes are unique and named', (t) => {
  const codes = Object.values(ErrorCode);
  t.is(new Set(codes).size, codes.length);
  for (const code of codes) t.is(ErrorCode[errorName(code) as keyof typeof ErrorCode], code);
  t.is(errorName(12345), 'UNKNOWN_12345');
});
