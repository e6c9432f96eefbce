// Generates the shared test vectors in test/vectors/ (tools layer).
//
// The vectors are the single source of truth for every engine: the same suites
// check them on Node and under XS, and a native crypto provider must reproduce
// the signatures byte for byte. Run `npm run vectors` after a protocol change
// and commit the result; tests never regenerate them.
//
// Merkle roots and paths here come from a direct recursive transcription of
// RFC 6962 §2.1 (not from src/merkle), so the vectors check the core's
// level-by-level implementation against the RFC's definition.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareBytes, concatBytes } from '../../src/codec/bytes.js';
import { type CborValue, decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { SMALL_LIMITS } from '../../src/codec/limits.js';
import { ascii, hexToBytes as hexBytes } from '../../src/codec/bytes.js';
import { DomainTag } from '../../src/crypto/domain.js';
import { taggedHash } from '../../src/crypto/hash.js';
import { checkpointDigest } from '../../src/chain/checkpoint.js';
import { commitDigest, commitToCbor } from '../../src/chain/commit.js';
import { Permission } from '../../src/chain/genesis.js';
import { encodeHeader } from '../../src/chain/header.js';
import { type ValidatorSet, encodeValidatorSet, validatorSetHash } from '../../src/chain/validator-set.js';
import { inclusionProof } from '../../src/merkle/merkle.js';
import { encodeAck } from '../../src/mqtt/ack-message.js';
import { Method, encodeResponse } from '../../src/mqtt/messages.js';
import { encodeProofMessage } from '../../src/mqtt/proof-message.js';
import { DeviceTopic, chainTopics } from '../../src/mqtt/topics.js';
import { makeEnrollRequest } from '../../src/tx/enroll-request.js';
import { keyPairFromPrivate } from '../../src/tx/identity.js';
import { AccountRole, AccountStatus, LedgerState } from '../../src/contracts/ledger-state.js';
import { ContractId } from '../../src/contracts/contract-namespace.js';
import { smtKeyHash as smtKeyHashOf, smtLeafHash as smtLeafHashOf, smtValueHash as smtValueHashOf } from '../../src/merkle/sparse-merkle-hash.js';
import { admitTx, applyTx, restartBlockQuotas, signingKey } from '../../src/contracts/system-contracts.js';
import { chainIdOf, genesisHash as genesisHashOf } from '../../src/chain/genesis.js';
import { makeSelfEnrollConnectToken, openSelfEnrollConnectToken } from '../../src/mqtt/connect-auth.js';
import { leadingZeroBits, mintPowNonce, powDigest, selfEnrollBody } from '../../src/tx/self-enroll.js';
import { verifyTxSignature } from '../../src/tx/tx.js';
import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { type LightBlock, encodeLightBlock } from '../../src/chain/commit.js';
import { encodeCheckpoint, signCheckpoint } from '../../src/chain/checkpoint.js';
import { encodeGenesis } from '../../src/chain/genesis.js';
import { type Header, headerHash } from '../../src/chain/header.js';
import { makeValidatorSet } from '../../src/chain/validator-set.js';
import { makeTrustOptions, type TrustedState, trustFromGenesis } from '../../src/light/trust.js';
import { applyHeader, verifyHeader } from '../../src/light/verify-header.js';
import { encodeProof, proofToCbor } from '../../src/merkle/proof.js';
import { BlockReason, Quantity, TxKind } from '../../src/tx/kinds.js';
import { Role, blockReportBody, deviceBody, enrollBody, invokeBody, readingsBody, rotateKeyBody } from '../../src/tx/bodies.js';
import { keyId } from '../../src/tx/identity.js';
import { type UnsignedTx, encodeTx, signTx, txId, txSigningDigest } from '../../src/tx/tx.js';
import { GENESIS_TIME, makeBlock, makeFixture, testGroup, testKey } from '../../test/support/chain-fixture.js';
import { commitFromCbor, makeGroupCommit } from '../../src/chain/commit.js';
import { equalBytes } from '../../src/codec/bytes.js';
import { commitFromVotes, encodeVote, signVote } from '../../src/chain/vote.js';
import { cutDigest, encodeCut, signCut } from '../../src/chain/cut.js';
import { GovernAction, type Proposal, governBody, proposalToCbor } from '../../src/tx/bodies.js';
import { approvalDigest, signApprovals } from '../../src/tx/govern.js';
import type { KeyPair } from '../../src/tx/identity.js';
import { type Expect, hex, trustedToJson } from '../../test/support/hex-json.js';
import { sparseMerkleVectors } from './sparse-merkle-vectors.js';
import { democracyVectors } from './democracy-vectors.js';
import { useCaseVectors } from './use-case-vectors.js';
import { stateProofVectors } from './state-proof-vectors.js';
import { deployedVectors } from './deployed-vectors.js';

const crypto = createNobleCrypto();
const fixture = makeFixture(crypto);
const { chainId } = fixture;
const fail = (code: number): Expect => ({ ok: false, code });
const OK: Expect = { ok: true };

// ---------------------------------------------------------------- CBOR

function cborVectors() {
  const v: { name: string; reason: string; limits: 'tx' | 'header' | 'small'; hex: string; expect: Expect }[] = [];
  const add = (name: string, reason: string, bytes: string | Uint8Array, expect: Expect, limits: 'tx' | 'header' | 'small' = 'tx') =>
    v.push({ name, reason, limits, hex: typeof bytes === 'string' ? bytes : hex(bytes), expect });
  const nest = (depth: number) => '81'.repeat(depth - 1) + '00';
  add('empty array', 'smallest valid container', '80', OK);
  add('integers at every head width', 'shortest-form heads of each size', encodeCbor([0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -24, -25, -256, -257, -(2 ** 32), -(2 ** 32) - 1]), OK);
  add('max safe integer', '2^53 - 1 is the largest integer', '1b001fffffffffffff', OK);
  add('min safe integer', '-(2^53 - 1) is the smallest integer', '3b001ffffffffffffe', OK);
  add('depth at limit', 'tx profile allows depth 6', nest(6), OK);
  add('byte string at limit', '256 bytes allowed', '590100' + '00'.repeat(256), OK);
  add('array at limit', '256 elements allowed', '990100' + '00'.repeat(256), OK);
  add('items at limit', '1024 items in all', encodeCbor([255, 255, 255, 254].map((n) => Array(n).fill(0))), OK);

  add('empty input', 'nothing to decode', '', fail(ErrorCode.MALFORMED_CBOR));
  add('truncated array', 'array of 2 with one item', '8201', fail(ErrorCode.MALFORMED_CBOR));
  add('truncated byte string', 'declares 5 bytes, has 2', '450102', fail(ErrorCode.MALFORMED_CBOR));
  add('truncated head', '2-byte argument cut short', '19ff', fail(ErrorCode.MALFORMED_CBOR));
  add('reserved additional info', 'info 28 is reserved', '1c', fail(ErrorCode.MALFORMED_CBOR));
  add('impossible array length', 'declares more items than bytes left', '9818' + '00'.repeat(4), fail(ErrorCode.MALFORMED_CBOR));
  add('non-minimal uint8', '23 in a 1-byte argument', '1817', fail(ErrorCode.NON_CANONICAL));
  add('non-minimal uint16', '255 in a 2-byte argument', '1900ff', fail(ErrorCode.NON_CANONICAL));
  add('non-minimal uint32', '65535 in a 4-byte argument', '1a0000ffff', fail(ErrorCode.NON_CANONICAL));
  add('non-minimal uint64', '2^32 - 1 in an 8-byte argument', '1b00000000ffffffff', fail(ErrorCode.NON_CANONICAL));
  add('non-minimal array head', 'array of 1 with a 1-byte length', '980100', fail(ErrorCode.NON_CANONICAL));
  add('non-minimal negative', '-1 in a 1-byte argument', '3800', fail(ErrorCode.NON_CANONICAL));
  add('text string', 'text is not in the subset', '6161', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('map', 'maps are not in the subset (cbor-x writes non-minimal map heads)', 'a0', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('tag', 'tags are not in the subset (tag 64 typed arrays)', 'd84040', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('bignum tag', 'tag 2 bignum', 'c240', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('half float', 'floats never appear in signed data', 'f93c00', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('double float', 'floats never appear in signed data', 'fb3ff0000000000000', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('true', 'simple values are not in the subset', 'f5', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('null', 'simple values are not in the subset', 'f6', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('indefinite array', 'indefinite lengths have two encodings', '9f00ff', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('indefinite byte string', 'indefinite lengths have two encodings', '5f4100ff', fail(ErrorCode.UNSUPPORTED_TYPE));
  add('integer beyond 2^53 - 1', 'would lose precision in JS numbers', '1b0020000000000000', fail(ErrorCode.INT_OUT_OF_RANGE));
  add('negative beyond -(2^53 - 1)', 'would lose precision in JS numbers', '3b001fffffffffffff', fail(ErrorCode.INT_OUT_OF_RANGE));
  add('trailing bytes', 'one item, then more', '0000', fail(ErrorCode.TRAILING_BYTES));
  add('input over maxBytes', '4097 bytes in the tx profile', '5a00001001' + '00'.repeat(4097 - 5), fail(ErrorCode.TOO_LARGE));
  add('byte string over limit', '257 bytes > 256', '590101' + '00'.repeat(257), fail(ErrorCode.TOO_LARGE));
  add('array over limit', '257 elements > 256', '990101' + '00'.repeat(257), fail(ErrorCode.TOO_LARGE));
  add('huge array claim', 'bounded before allocation: 2^31 elements in 5 bytes', '9a7fffffff', fail(ErrorCode.TOO_LARGE));
  add('huge byte string claim', 'bounded before allocation: 4 GiB in 5 bytes', '5affffffff', fail(ErrorCode.TOO_LARGE));
  add('depth over limit', 'depth 7 > 6 in the tx profile', nest(7), fail(ErrorCode.TOO_DEEP));
  add('deep nesting attack', '2000 nested arrays must not reach the stack', '81'.repeat(2000) + '00', fail(ErrorCode.TOO_DEEP));
  add('items over limit', '1025 items > 1024', encodeCbor([255, 255, 255, 255].map((n) => Array(n).fill(0))), fail(ErrorCode.TOO_MANY_ITEMS));
  add('header profile depth', 'depth 6 > 5 in the header profile', nest(6), fail(ErrorCode.TOO_DEEP), 'header');
  add('small profile size', '2049 bytes > 2048 in the small profile', '5907fe' + '00'.repeat(2046), fail(ErrorCode.TOO_LARGE), 'small');
  return v;
}

// ---------------------------------------------------------------- transactions

const device = testKey(crypto, 'device-1');
const deviceId = keyId(crypto, device.publicKey);
const other = testKey(crypto, 'device-2');
const gateway = fixture.validatorKeys[0]!;
const T = Math.floor(GENESIS_TIME / 1000) + 3600;
const temps = (n: number) => [...Array(n)].map((_, i) => 2150 + ((i * 7) % 23) - 11);
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function txVectors() {
  const sign: object[] = [];
  const verify: object[] = [];
  const signed = (name: string, unsigned: UnsignedTx, key = device) => {
    const tx = signTx(crypto, chainId, unsigned, key.privateKey);
    const wire = encodeTx(tx);
    sign.push({
      name,
      privateKey: hex(key.privateKey),
      kind: tx.kind, sender: hex(tx.sender), seq: tx.seq, time: tx.time, body: hex(encodeCbor(tx.body)),
      digest: hex(txSigningDigest(crypto, chainId, tx)),
      signature: hex(tx.signature),
      wire: hex(wire),
      txId: hex(txId(crypto, wire)),
    });
    verify.push({ name, reason: 'valid', wire: hex(wire), publicKey: hex(key.publicKey), chainId: hex(chainId), expect: { ok: true, txId: hex(txId(crypto, wire)) } });
    return { tx, wire };
  };
  const reading = (seq: number, n: number): UnsignedTx => ({
    kind: TxKind.READINGS, sender: deviceId, seq, time: T,
    body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 60, values: temps(n) }]),
  });
  const one = signed('one reading', reading(1, 1));
  signed('32 readings', reading(2, 32));
  signed('two series', { kind: TxKind.READINGS, sender: deviceId, seq: 3, time: T, body: readingsBody([
    { quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 30, values: temps(4) },
    { quantity: Quantity.RELATIVE_HUMIDITY_PCT, scale: -1, interval: 30, values: [455, 456, 458, 457] },
  ]) });
  signed('large sequence number', reading(2 ** 40, 1));
  const operatorId = keyId(crypto, fixture.operator.publicKey);
  signed('enroll', { kind: TxKind.ENROLL, sender: operatorId, seq: 1, time: T, body: enrollBody(device.publicKey, Role.DEVICE) }, fixture.operator);
  signed('revoke', { kind: TxKind.REVOKE, sender: operatorId, seq: 2, time: T, body: deviceBody(deviceId) }, fixture.operator);
  signed('rotate key', { kind: TxKind.ROTATE_KEY, sender: deviceId, seq: 4, time: T, body: rotateKeyBody(other.publicKey) });
  const gatewayId = keyId(crypto, gateway.publicKey);
  signed('block report', { kind: TxKind.BLOCK_REPORT, sender: gatewayId, seq: 1, time: T, body: blockReportBody(deviceId, BlockReason.FLOOD) }, gateway);
  signed('block lift', { kind: TxKind.BLOCK_LIFT, sender: gatewayId, seq: 2, time: T, body: deviceBody(deviceId) }, gateway);
  signed('invoke', { kind: TxKind.INVOKE, sender: deviceId, seq: 5, time: T, body: invokeBody(2, 1, [new Uint8Array([1, 2, 3]), 42, [7, -7]]) });
  // A member adds v4, approved by v0..v2 of the genesis set (3 of 4) at their indices (§5.8.2).
  const addV4: Proposal = { action: GovernAction.ADD_MEMBER, key: fixture.validatorKeys[4]!.publicKey };
  const approvers = fixture.validatorKeys.slice(0, 3).map((k) => ({ index: fixture.setA.keys.findIndex((pk) => equalBytes(pk, k.publicKey)), privateKey: k.privateKey }));
  signed('govern', { kind: TxKind.GOVERN, sender: gatewayId, seq: 3, time: T, body: governBody(addV4, signApprovals(crypto, chainId, validatorSetHash(crypto, fixture.setA), addV4, approvers)) }, gateway);

  const bad = (name: string, reason: string, wire: Uint8Array | string, expect: Expect, publicKey = device.publicKey, chain = chainId) =>
    verify.push({ name, reason, wire: typeof wire === 'string' ? wire : hex(wire), publicKey: hex(publicKey), chainId: hex(chain), expect });
  const raw = (fields: CborValue[]) => encodeCbor(fields);
  const { tx } = one;
  const flipped = tx.signature.slice();
  flipped[10]! ^= 1;
  bad('flipped signature bit', 'signature no longer verifies', encodeTx({ ...tx, signature: flipped }), fail(ErrorCode.BAD_SIGNATURE));
  bad('signed by another key', 'verified against the enrolled key', encodeTx(signTx(crypto, chainId, tx, other.privateKey)), fail(ErrorCode.BAD_SIGNATURE));
  bad('other chain', 'the chain id is in the signed bytes, not on the wire', one.wire, fail(ErrorCode.BAD_SIGNATURE), device.publicKey, new Uint8Array(8).fill(0xee));
  const s = BigInt('0x' + hex(tx.signature.slice(32)));
  const highS = concatBytes(tx.signature.slice(0, 32), hexToFixed(SECP256K1_N - s));
  bad('high-S twin', 'the malleable twin (n - s) of a valid signature is refused', encodeTx({ ...tx, signature: highS }), fail(ErrorCode.BAD_SIGNATURE));
  bad('zero signature', 'r = s = 0', encodeTx({ ...tx, signature: new Uint8Array(64) }), fail(ErrorCode.BAD_SIGNATURE));
  const fields = [tx.kind, tx.sender, tx.seq, tx.time, tx.body, tx.signature] as CborValue[];
  const with_ = (i: number, value: CborValue) => raw(fields.map((f, j) => (j === i ? value : f)));
  bad('unknown kind', 'kind 8 is not in the table', with_(0, 8), fail(ErrorCode.UNKNOWN_KIND));
  bad('five fields', 'a transaction has six', raw(fields.slice(0, 5)), fail(ErrorCode.BAD_SHAPE));
  bad('short sender', 'ids are 8 bytes', with_(1, new Uint8Array(7)), fail(ErrorCode.BAD_SHAPE));
  bad('sequence zero', 'sequences start at 1', with_(2, 0), fail(ErrorCode.BAD_SHAPE));
  bad('negative time', 'time is unsigned', with_(3, -1), fail(ErrorCode.BAD_SHAPE));
  bad('short signature', 'signatures are 64 bytes', with_(5, new Uint8Array(63)), fail(ErrorCode.BAD_SHAPE));
  const series = (q: number, scale: number, interval: number, values: CborValue[]) => [[q, scale, interval, values]];
  bad('unknown quantity', 'quantity 99 is not in the table', with_(4, series(99, -2, 0, [1])), fail(ErrorCode.BAD_BODY));
  bad('scale too large', 'scale is within ±9', with_(4, series(1, 10, 0, [1])), fail(ErrorCode.BAD_BODY));
  bad('empty series', 'a series has at least one value', with_(4, series(1, -2, 60, [])), fail(ErrorCode.BAD_BODY));
  bad('interval on one reading', 'one reading has interval 0, so it has one encoding', with_(4, series(1, -2, 60, [1])), fail(ErrorCode.BAD_BODY));
  bad('reading beyond int32', 'mantissas are 32-bit signed', with_(4, series(1, -2, 0, [2 ** 31])), fail(ErrorCode.BAD_BODY));
  bad('nine series', 'at most 8 series', with_(4, [...Array(9)].map(() => [1, 0, 0, [1]])), fail(ErrorCode.BAD_BODY));
  bad('too many readings', '2 × 200 readings > 256', with_(4, [[1, 0, 1, Array(200).fill(1)], [2, 0, 1, Array(200).fill(1)]]), fail(ErrorCode.BAD_BODY));
  bad('float reading', 'a float in signed data', concatBytes(one.wire.slice(0, one.wire.length - 66 - 3), Uint8Array.of(0xf9, 0x3c, 0x00), one.wire.slice(one.wire.length - 66)), fail(ErrorCode.UNSUPPORTED_TYPE));
  bad('govern unknown action', 'actions are 0..3', raw([TxKind.GOVERN, tx.sender, 1, T, [[4, 1], []], tx.signature]), fail(ErrorCode.BAD_BODY));
  bad('govern threshold 0', 'a threshold is at least 1', raw([TxKind.GOVERN, tx.sender, 1, T, [[GovernAction.SET_THRESHOLD, 0], []], tx.signature]), fail(ErrorCode.BAD_BODY));
  bad('govern short approval signature', 'approval signatures are 64 bytes', raw([TxKind.GOVERN, tx.sender, 1, T, [[GovernAction.SET_THRESHOLD, 2], [[0, new Uint8Array(63)]]], tx.signature]), fail(ErrorCode.BAD_BODY));
  bad('enroll short key', 'keys are 33 bytes', raw([TxKind.ENROLL, tx.sender, 1, T, [new Uint8Array(32), 0], tx.signature]), fail(ErrorCode.BAD_BODY));
  bad('non-canonical seq', 'seq 1 written in two bytes', concatBytes(one.wire.slice(0, 11), Uint8Array.of(0x18, 0x01), one.wire.slice(12)), fail(ErrorCode.NON_CANONICAL));
  bad('oversized transaction', '4097 bytes', with_(4, [...Array(8)].map(() => [1, 0, 1, Array(256).fill(0x7fffffff)])), fail(ErrorCode.TOO_LARGE));
  return { chainId: hex(chainId), sign, verify };
}

function hexToFixed(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

// ---------------------------------------------------------------- Merkle (RFC 6962 §2.1, transcribed)

const H = (...parts: Uint8Array[]) => crypto.sha256(concatBytes(...parts));
const largestPowerOfTwoBelow = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return H();
  if (d.length === 1) return H(Uint8Array.of(0), d[0]!);
  const k = largestPowerOfTwoBelow(d.length);
  return H(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = largestPowerOfTwoBelow(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

function merkleVectors() {
  const leaves = (n: number) => [...Array(n)].map((_, i) => H(Uint8Array.of(i >> 8, i & 0xff)));
  const roots = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 100].map((n) => ({ size: n, leaves: leaves(n).map(hex), root: hex(mth(leaves(n))) }));
  const proofs: object[] = [];
  const add = (name: string, reason: string, leaf: Uint8Array, index: number, size: number, p: Uint8Array[], root: Uint8Array, expect: Expect) =>
    proofs.push({ name, reason, leaf: hex(leaf), index, size, path: p.map(hex), wire: hex(encodeProof({ index, size, path: p })), root: hex(root), expect });
  for (const [size, index] of [[1, 0], [2, 1], [3, 2], [5, 4], [7, 3], [8, 5], [17, 16], [100, 37], [4096, 4095]] as const) {
    const d = leaves(size);
    add(`valid ${index} of ${size}`, 'RFC 6962 path', d[index]!, index, size, path(index, d), mth(d), OK);
  }
  const d = leaves(7);
  const root = mth(d);
  const p = path(3, d);
  const forged = p.map((h, i) => (i === 1 ? H(h) : h));
  add('forged sibling', 'one path hash replaced', d[3]!, 3, 7, forged, root, fail(ErrorCode.BAD_PROOF));
  add('wrong index', 'the path of leaf 3 presented as leaf 2', d[3]!, 2, 7, p, root, fail(ErrorCode.BAD_PROOF));
  add('wrong leaf', 'another leaf with leaf 3’s path', d[4]!, 3, 7, p, root, fail(ErrorCode.BAD_PROOF));
  add('wrong size, other shape', 'leaf 3 of 9 needs 4 hashes', d[3]!, 3, 9, p, root, fail(ErrorCode.BAD_PROOF));
  // Documented, not a bug: the root does not bind the tree size when the path has the same shape.
  // verifyTxInclusion closes this by requiring size == header.txCount (see the inclusion vectors).
  add('size not bound by the root', 'leaf 3 of 7 and of 8 share a path: accepted here', d[3]!, 3, 8, p, root, OK);
  add('path too short', 'last hash dropped', d[3]!, 3, 7, p.slice(0, -1), root, fail(ErrorCode.BAD_PROOF));
  add('path too long', 'an extra hash appended', d[3]!, 3, 7, [...p, root], root, fail(ErrorCode.BAD_PROOF));
  // An inner node (hash of leaves 2 and 3) offered as a leaf of a half-size tree: the 0x00/0x01 prefixes make it fail.
  const inner = mth(d.slice(2, 4));
  add('inner node as leaf', 'node hash presented as a transaction id', inner, 1, 4, [mth(d.slice(0, 2)), mth(d.slice(4))], root, fail(ErrorCode.BAD_PROOF));
  add('index not below size', 'index 7 of 7', d[3]!, 7, 7, p, root, fail(ErrorCode.PROOF_SHAPE));
  add('empty tree', 'size 0 has no leaves', d[3]!, 0, 0, [], root, fail(ErrorCode.PROOF_SHAPE));
  add('path over 32 hashes', 'no tree of < 2^32 leaves is that deep', d[3]!, 3, 7, Array(33).fill(root), root, fail(ErrorCode.PROOF_SHAPE));
  // Against a block header: the header's txCount pins the tree size.
  const block = makeBlock(fixture, { height: 3, time: GENESIS_TIME + 3000, prevHash: H(), validators: fixture.setA, txRoot: root, txCount: 7 });
  const inclusion = [
    { name: 'final against its header', reason: 'size matches txCount, root matches txRoot', size: 7, index: 3, expect: OK },
    { name: 'size differs from txCount', reason: 'the same path presented for 8 leaves', size: 8, index: 3, expect: fail(ErrorCode.PROOF_SHAPE) },
    { name: 'index differs', reason: 'the path of leaf 3 as leaf 2', size: 7, index: 2, expect: fail(ErrorCode.BAD_PROOF) },
  ].map((c) => ({ ...c, header: hex(encodeCbor(encodeHeaderFields(block.header))), txId: hex(d[3]!), proof: hex(encodeProof({ index: c.index, size: c.size, path: p })) }));
  return { roots, proofs, inclusion };
}

// ---------------------------------------------------------------- light client

function lightVectors() {
  const options = makeTrustOptions({ trustPeriodMs: 7 * 24 * 3600 * 1000, maxClockDriftMs: 10_000 });
  const genesisTrust = trustFromGenesis(crypto, fixture.genesis);
  const { setA } = fixture;
  const setB = makeValidatorSet(2, fixture.validatorKeys.slice(2, 5).map((k) => k.publicKey));
  const setC = makeValidatorSet(2, fixture.validatorKeys.slice(3, 6).map((k) => k.publicKey));
  const cases: object[] = [];
  const t = (s: number) => GENESIS_TIME + s * 1000;
  const add = (name: string, reason: string, trusted: TrustedState, block: LightBlock, now: number, expect: Expect) =>
    cases.push({ name, reason, trusted: trustedToJson(trusted), block: hex(encodeLightBlock(block)), now, expect });
  const accept = (trusted: TrustedState, block: LightBlock, now: number) => {
    const r = verifyHeader(crypto, trusted, block, now, options);
    if (!r.ok) throw new Error(`fixture block rejected: ${r.reason}`);
    return applyHeader(trusted, r.value);
  };
  const okExpect = (b: LightBlock): Expect => ({ ok: true, height: b.header.height, headerHash: hex(headerHash(crypto, b.header)), nextValidatorsHash: hex(b.header.nextValidatorsHash) });

  const h1 = makeBlock(fixture, { height: 1, time: t(1), prevHash: fixture.genesisHash, validators: setA });
  add('adjacent from genesis', '3 of 4 sign block 1, linked to genesis', genesisTrust, h1, t(2), okExpect(h1));
  const at1 = accept(genesisTrust, h1, t(2));
  const h2 = makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, signerIndices: [0, 1, 2, 3] });
  add('all four sign', 'more than the threshold is fine', at1, h2, t(3), okExpect(h2));
  const h1000 = makeBlock(fixture, { height: 1000, time: t(1000), prevHash: crypto.sha256(Uint8Array.of(9)), validators: setA, signerIndices: [1, 2, 3] });
  add('skip while set unchanged', 'one commit check across 999 blocks', at1, h1000, t(1001), okExpect(h1000));

  // A validator-set change: block 5 (set A) names B as next; block 6 is signed by B.
  const h5 = makeBlock(fixture, { height: 5, time: t(5), prevHash: crypto.sha256(Uint8Array.of(5)), validators: setA, nextValidators: setB });
  const at5 = accept(at1, h5, t(6));
  add('skip to a header announcing a change', 'signed by the trusted set; names B as next', at1, h5, t(6), okExpect(h5));
  const h6 = makeBlock(fixture, { height: 6, time: t(6), prevHash: headerHash(crypto, h5.header), validators: setB, includeValidators: true });
  add('validator set change, adjacent', 'B was named by A in block 5 and signs block 6', at5, h6, t(7), okExpect(h6));

  add('trust expired', 'trusted header older than the trust period', at1, h2, t(1) + options.trustPeriodMs + 1, fail(ErrorCode.TRUST_EXPIRED));
  add('wrong chain', 'validly signed header of another chain id', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, chainId: new Uint8Array(8).fill(7) }), t(3), fail(ErrorCode.WRONG_CHAIN));
  add('same height', 'height does not move forward', at1,
    makeBlock(fixture, { height: 1, time: t(3), prevHash: fixture.genesisHash, validators: setA }), t(4), fail(ErrorCode.NOT_NEWER));
  add('stale header', 'lower than trusted', at5, h2, t(7), fail(ErrorCode.NOT_NEWER));
  add('time not forward', 'same time as the trusted header', at1,
    makeBlock(fixture, { height: 2, time: t(1), prevHash: headerHash(crypto, h1.header), validators: setA }), t(3), fail(ErrorCode.TIME_NOT_MONOTONIC));
  add('from the future', 'time beyond now + drift', at1,
    makeBlock(fixture, { height: 2, time: t(3) + options.maxClockDriftMs + 1, prevHash: headerHash(crypto, h1.header), validators: setA }), t(3), fail(ErrorCode.FROM_FUTURE));
  add('commit for another header', 'signatures over a different header hash', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, tamperCommit: (c) => ({ ...c, headerHash: h1.commit.headerHash }) }), t(3), fail(ErrorCode.COMMIT_MISMATCH));
  add('commit for another height', 'commit height differs', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, tamperCommit: (c) => ({ ...c, height: 3 }) }), t(3), fail(ErrorCode.COMMIT_MISMATCH));
  add('broken link', 'adjacent header whose prevHash is not the trusted hash', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: crypto.sha256(Uint8Array.of(1)), validators: setA }), t(3), fail(ErrorCode.PREV_HASH_MISMATCH));
  add('unannounced set, adjacent', 'B signs block 2 but block 1 named A as next', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setB, includeValidators: true }), t(3), fail(ErrorCode.VALSET_MISMATCH));
  add('supplied set does not match', 'block 6 names B, the message carries C', at5,
    { ...h6, validators: setC }, t(7), fail(ErrorCode.VALSET_MISMATCH));
  add('new set missing', 'block 6 names B, no set supplied', at5, { header: h6.header, commit: h6.commit }, t(7), fail(ErrorCode.VALSET_MISMATCH));
  add('skip past an announced change', 'block 5 named B as next; A may not vouch for block 7', at5,
    makeBlock(fixture, { height: 7, time: t(7), prevHash: crypto.sha256(Uint8Array.of(6)), validators: setA }), t(8), fail(ErrorCode.VALSET_CHANGED));
  add('skip across a change', 'B signs block 9; only A is trusted', at1,
    makeBlock(fixture, { height: 9, time: t(9), prevHash: crypto.sha256(Uint8Array.of(8)), validators: setB, includeValidators: true }), t(10), fail(ErrorCode.VALSET_CHANGED));
  add('under threshold', '2 of 4 signatures, threshold 3', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, signerIndices: [0, 1] }), t(3), fail(ErrorCode.INSUFFICIENT_SIGNATURES));
  add('duplicate signer', 'validator 0 counted twice', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, signerIndices: [0, 1],
      tamperCommit: (c) => ({ ...c, signatures: [c.signatures[0]!, c.signatures[0]!, c.signatures[1]!] }) }), t(3), fail(ErrorCode.BAD_COMMIT));
  add('unsorted signers', 'indices must ascend', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA, tamperCommit: (c) => ({ ...c, signatures: [...c.signatures].reverse() }) }), t(3), fail(ErrorCode.BAD_COMMIT));
  add('index outside the set', 'index 4 of a 4-member set', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA,
      tamperCommit: (c) => ({ ...c, signatures: [...c.signatures.slice(0, 2), { index: 4, signature: c.signatures[2]!.signature }] }) }), t(3), fail(ErrorCode.BAD_COMMIT));
  const outsider = testKey(crypto, 'outsider');
  add('signature by a non-member', 'an outsider signs in validator 1’s slot', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA,
      tamperCommit: (c) => ({ ...c, signatures: c.signatures.map((s) => (s.index === 1 ? { index: 1, signature: crypto.sign(crypto.sha256(Uint8Array.of(0)), outsider.privateKey) } : s)) }) }), t(3), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  add('signature over another header', 'validator 2’s signature from block 1 reused', at1,
    makeBlock(fixture, { height: 2, time: t(2), prevHash: headerHash(crypto, h1.header), validators: setA,
      tamperCommit: (c) => ({ ...c, signatures: c.signatures.map((s, i) => (i === 2 ? h1.commit.signatures[2]! : s)) }) }), t(3), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  const decoding = [
    { name: 'truncated light block', reason: 'last byte cut', hex: hex(encodeLightBlock(h1)).slice(0, -2), expect: fail(ErrorCode.MALFORMED_CBOR) },
    { name: 'header version 2', reason: 'unknown header version', hex: hex(encodeCbor([[2, ...(encodeHeaderFields(h1.header).slice(1))], [1, h1.commit.headerHash, []]])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: '65 signatures', reason: 'more than any set could hold', hex: hex(encodeCbor([encodeHeaderFields(h1.header), [1, h1.commit.headerHash, Array(65).fill([0, new Uint8Array(64)])]])), expect: fail(ErrorCode.TOO_LARGE) },
    { name: 'unsorted validator set', reason: 'a set has one encoding', hex: hex(encodeCbor([encodeHeaderFields(h1.header), [1, h1.commit.headerHash, []], [1, [...setA.keys].reverse()]])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
  ];
  return { options, cases, decoding };
}

function encodeHeaderFields(h: Header): CborValue[] {
  return [1, h.chainId, h.height, h.time, h.prevHash, h.txRoot, h.txCount, h.stateRoot, h.validatorsHash, h.nextValidatorsHash];
}

// ---------------------------------------------------------------- BIP-340 and FROST commits (§4, §6.1, §6.4)

// BIP-340's own test vectors (bitcoin/bips, bip-0340/test-vectors.csv, indices 0–14: the ones with
// 32-byte messages, the only length a commit digest has): public key, message, signature, valid.
const BIP340 = [
  [0, 'f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9', '0000000000000000000000000000000000000000000000000000000000000000', 'e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca821525f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0', true, ''],
  [1, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '6896bd60eeae296db48a229ff71dfe071bde413e6d43f917dc8dcf8c78de33418906d11ac976abccb20b091292bff4ea897efcb639ea871cfa95f6de339e4b0a', true, ''],
  [2, 'dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8', '7e2d58d8b3bcdf1abadec7829054f90dda9805aab56c77333024b9d0a508b75c', '5831aaeed7b44bb74e5eab94ba9d4294c49bcf2a60728d8b4c200f50dd313c1bab745879a5ad954a72c45a91c3a51d3c7adea98d82f8481e0e1e03674a6f3fb7', true, ''],
  [3, '25d1dff95105f5253c4022f628a996ad3a0d95fbf21d468a1b33f8c160d8f517', 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', '7eb0509757e246f19449885651611cb965ecc1a187dd51b64fda1edc9637d5ec97582b9cb13db3933705b32ba982af5af25fd78881ebb32771fc5922efc66ea3', true, 'test fails if msg is reduced modulo p or n'],
  [4, 'd69c3509bb99e412e68b0fe8544e72837dfa30746d8be2aa65975f29d22dc7b9', '4df3c3f68fcc83b27e9d42c90431a72499f17875c81a599b566c9889b9696703', '00000000000000000000003b78ce563f89a0ed9414f5aa28ad0d96d6795f9c6376afb1548af603b3eb45c9f8207dee1060cb71c04e80f593060b07d28308d7f4', true, ''],
  [5, 'eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '6cff5c3ba86c69ea4b7376f31a9bcb4f74c1976089b2d9963da2e5543e17776969e89b4c5564d00349106b8497785dd7d1d713a8ae82b32fa79d5f7fc407d39b', false, 'public key not on the curve'],
  [6, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', 'fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a14602975563cc27944640ac607cd107ae10923d9ef7a73c643e166be5ebeafa34b1ac553e2', false, 'has_even_y(R) is false'],
  [7, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '1fa62e331edbc21c394792d2ab1100a7b432b013df3f6ff4f99fcb33e0e1515f28890b3edb6e7189b630448b515ce4f8622a954cfe545735aaea5134fccdb2bd', false, 'negated message'],
  [8, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '6cff5c3ba86c69ea4b7376f31a9bcb4f74c1976089b2d9963da2e5543e177769961764b3aa9b2ffcb6ef947b6887a226e8d7c93e00c5ed0c1834ff0d0c2e6da6', false, 'negated s value'],
  [9, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '0000000000000000000000000000000000000000000000000000000000000000123dda8328af9c23a94c1feecfd123ba4fb73476f0d594dcb65c6425bd186051', false, 'sG - eP is infinite (x(inf) taken as 0)'],
  [10, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '00000000000000000000000000000000000000000000000000000000000000017615fbaf5ae28864013c099742deadb4dba87f11ac6754f93780d5a1837cf197', false, 'sG - eP is infinite (x(inf) taken as 1)'],
  [11, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '4a298dacae57395a15d0795ddbfd1dcb564da82b0f269bc70a74f8220429ba1d69e89b4c5564d00349106b8497785dd7d1d713a8ae82b32fa79d5f7fc407d39b', false, 'sig[0:32] is not an X coordinate on the curve'],
  [12, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f69e89b4c5564d00349106b8497785dd7d1d713a8ae82b32fa79d5f7fc407d39b', false, 'sig[0:32] is equal to field size'],
  [13, 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '6cff5c3ba86c69ea4b7376f31a9bcb4f74c1976089b2d9963da2e5543e177769fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', false, 'sig[32:64] is equal to curve order'],
  [14, 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30', '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89', '6cff5c3ba86c69ea4b7376f31a9bcb4f74c1976089b2d9963da2e5543e17776969e89b4c5564d00349106b8497785dd7d1d713a8ae82b32fa79d5f7fc407d39b', false, 'public key is not a valid X coordinate because it exceeds the field size'],
] as const;

function schnorrVectors() {
  const bip340 = BIP340.map(([index, publicKey, message, signature, valid, comment]) => {
    if (crypto.verifySchnorr(hexBytes(signature), hexBytes(message), hexBytes(publicKey)) !== valid) throw new Error(`BIP-340 vector ${index} disagrees with noble`);
    return { name: `BIP-340 #${index}${comment ? `: ${comment}` : ''}`, publicKey, message, signature, valid };
  });
  // Shapes a device must answer false to, never throw on (verifySchnorr checks sizes first).
  const [, pk1, msg1, sig1] = BIP340[1];
  const shapes = [
    { name: 'signature of 63 bytes', publicKey: pk1, message: msg1, signature: sig1.slice(0, -2), valid: false },
    { name: 'signature of 65 bytes', publicKey: pk1, message: msg1, signature: `${sig1}00`, valid: false },
    { name: 'message of 31 bytes', publicKey: pk1, message: msg1.slice(0, -2), signature: sig1, valid: false },
    { name: 'compressed 33-byte key instead of x-only', publicKey: `02${pk1}`, message: msg1, signature: sig1, valid: false },
    { name: 'all-zero key', publicKey: '00'.repeat(32), message: msg1, signature: sig1, valid: false },
  ];
  for (const v of shapes) if (crypto.verifySchnorr(hexBytes(v.signature), hexBytes(v.message), hexBytes(v.publicKey))) throw new Error(v.name);

  // FROST sets: the members of set A with a group key (a 1-of-1 group stands in for FROST's output).
  const options = makeTrustOptions({ trustPeriodMs: 7 * 24 * 3600 * 1000, maxClockDriftMs: 10_000 });
  const { setA, validatorKeys } = fixture;
  const g1 = testGroup(crypto, 'g1');
  const g2 = testGroup(crypto, 'g2');
  const outsiderGroup = testGroup(crypto, 'outsider');
  const setF1 = makeValidatorSet(3, setA.keys, g1.groupKey);
  const setF1g2 = makeValidatorSet(3, setA.keys, g2.groupKey);
  // Membership change: v0 leaves, v4 joins, key generation re-run → a new group key.
  const setF2 = makeValidatorSet(3, validatorKeys.slice(1, 5).map((k) => k.publicKey), g2.groupKey);
  const sets = [
    { name: 'ECDSA set A (unchanged two-field form)', hex: hex(encodeValidatorSet(setA)), hash: hex(validatorSetHash(crypto, setA)), groupKey: null },
    { name: 'FROST set F1: set A’s members, group key g1', hex: hex(encodeValidatorSet(setF1)), hash: hex(validatorSetHash(crypto, setF1)), groupKey: hex(g1.groupKey) },
    { name: 'same members, group key g2: another hash', hex: hex(encodeValidatorSet(setF1g2)), hash: hex(validatorSetHash(crypto, setF1g2)), groupKey: hex(g2.groupKey) },
    { name: 'FROST set F2: v1..v4, group key g2', hex: hex(encodeValidatorSet(setF2)), hash: hex(validatorSetHash(crypto, setF2)), groupKey: hex(g2.groupKey) },
  ];
  const setDecoding = [
    { name: 'group key of 31 bytes', reason: 'x-only keys are 32 bytes', hex: hex(encodeCbor([3, setA.keys, g1.groupKey.subarray(1)])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'group key of 33 bytes', reason: 'a compressed key is not an x-only key', hex: hex(encodeCbor([3, setA.keys, Uint8Array.of(2, ...g1.groupKey)])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'group key not a byte string', reason: 'the third field is a bstr', hex: hex(encodeCbor([3, setA.keys, [g1.groupKey]])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'four fields', reason: 'a set is [threshold, keys] or [threshold, keys, groupKey]', hex: hex(encodeCbor([3, setA.keys, g1.groupKey, 0])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'unsorted keys with a group key', reason: 'a FROST set has one encoding too', hex: hex(encodeCbor([3, [...setA.keys].reverse(), g1.groupKey])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
  ];

  const cases: object[] = [];
  const t = (s: number) => GENESIS_TIME + s * 1000;
  const add = (name: string, reason: string, trusted: TrustedState, block: LightBlock, now: number, expect: Expect) =>
    cases.push({ name, reason, trusted: trustedToJson(trusted), block: hex(encodeLightBlock(block)), now, expect });
  const accept = (trusted: TrustedState, block: LightBlock, now: number) => {
    const r = verifyHeader(crypto, trusted, block, now, options);
    if (!r.ok) throw new Error(`fixture block rejected: ${r.reason}`);
    return applyHeader(trusted, r.value);
  };
  const okExpect = (b: LightBlock): Expect => ({ ok: true, height: b.header.height, headerHash: hex(headerHash(crypto, b.header)), nextValidatorsHash: hex(b.header.nextValidatorsHash) });
  const genesisTrust = trustFromGenesis(crypto, fixture.genesis);
  const link = (b: LightBlock) => headerHash(crypto, b.header);

  // The consortium moves from ECDSA to FROST: set A announces F1 in block 1, F1's group key signs block 2.
  const h1 = makeBlock(fixture, { height: 1, time: t(1), prevHash: fixture.genesisHash, validators: setA, nextValidators: setF1 });
  const at1 = accept(genesisTrust, h1, t(2));
  const h2 = makeBlock(fixture, { height: 2, time: t(2), prevHash: link(h1), validators: setF1, includeValidators: true, group: g1 });
  add('ECDSA set hands over to a FROST set', 'A named F1 in block 1 (3 ECDSA signatures); g1 signs block 2', at1, h2, t(3), okExpect(h2));
  const at2 = accept(at1, h2, t(3));
  const h3 = makeBlock(fixture, { height: 3, time: t(3), prevHash: link(h2), validators: setF1, group: g1 });
  add('one Schnorr signature, adjacent', 'F1 trusted; g1 signs block 3', at2, h3, t(4), okExpect(h3));
  const h500 = makeBlock(fixture, { height: 500, time: t(500), prevHash: crypto.sha256(Uint8Array.of(4)), validators: setF1, group: g1 });
  add('skip on one Schnorr signature', 'F1 unchanged: one check across 497 blocks', at2, h500, t(501), okExpect(h500));
  const at3 = accept(at2, h3, t(4));

  add('wrong signature', 'one bit of s flipped', at2,
    makeBlock(fixture, { height: 3, time: t(3), prevHash: link(h2), validators: setF1, group: g1,
      tamperCommit: (c) => makeGroupCommit(c.height, c.headerHash, Uint8Array.from(c.groupSignature!, (b, i) => (i === 63 ? b ^ 1 : b))) }), t(4), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  add('signature over another header', 'g1’s signature of block 2 reused for block 3', at2,
    makeBlock(fixture, { height: 3, time: t(3), prevHash: link(h2), validators: setF1, group: g1,
      tamperCommit: (c) => makeGroupCommit(c.height, c.headerHash, h2.commit.groupSignature!) }), t(4), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  add('signed by another group key', 'a valid BIP-340 signature, but not by g1', at2,
    makeBlock(fixture, { height: 3, time: t(3), prevHash: link(h2), validators: setF1, group: outsiderGroup }), t(4), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  add('ECDSA commit for a FROST set', 'three member signatures where F1 commits with g1', at2,
    makeBlock(fixture, { height: 3, time: t(3), prevHash: link(h2), validators: setF1 }), t(4), fail(ErrorCode.BAD_COMMIT));
  add('FROST commit for an ECDSA set', 'a group signature where set A needs 3 ECDSA signatures', genesisTrust,
    makeBlock(fixture, { height: 1, time: t(1), prevHash: fixture.genesisHash, validators: setA, group: g1 }), t(2), fail(ErrorCode.BAD_COMMIT));
  add('group key swapped in the set', 'same members with g2 hash differently from the F1 that was named', at2,
    makeBlock(fixture, { height: 3, time: t(3), prevHash: link(h2), validators: setF1g2, includeValidators: true, group: g2 }), t(4), fail(ErrorCode.VALSET_MISMATCH));

  // A membership change: block 4 (signed by g1) announces F2; g2 signs block 5.
  const h4 = makeBlock(fixture, { height: 4, time: t(4), prevHash: link(h3), validators: setF1, nextValidators: setF2, group: g1 });
  add('old group key announces the new set', 'g1 signs block 4, which names F2 (group key g2) as next', at3, h4, t(5), okExpect(h4));
  const at4 = accept(at3, h4, t(5));
  const h5 = makeBlock(fixture, { height: 5, time: t(5), prevHash: link(h4), validators: setF2, includeValidators: true, group: g2 });
  add('group key change proven by the old group key', 'g1 named F2 in block 4; g2 signs block 5', at4, h5, t(6), okExpect(h5));
  const at5 = accept(at4, h5, t(6));
  const h6 = makeBlock(fixture, { height: 6, time: t(6), prevHash: link(h5), validators: setF2, group: g2 });
  add('the new group key signs on', 'F2 trusted; g2 signs block 6', at5, h6, t(7), okExpect(h6));
  add('old group key after the change', 'g1 signs block 6, but F2 is trusted', at5,
    makeBlock(fixture, { height: 6, time: t(6), prevHash: link(h5), validators: setF2, group: g1 }), t(7), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  add('change signed by the new key only', 'block 4 names F2 but is signed by g2; F1 is trusted', at3,
    makeBlock(fixture, { height: 4, time: t(4), prevHash: link(h3), validators: setF1, nextValidators: setF2, group: g2 }), t(5), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  add('new set claimed without the old one', 'g2 signs block 4 as F2 with F2 supplied; F1 named F1 as next', at3,
    makeBlock(fixture, { height: 4, time: t(4), prevHash: link(h3), validators: setF2, includeValidators: true, group: g2 }), t(5), fail(ErrorCode.VALSET_MISMATCH));
  add('skip across a group key change', 'g2 signs block 9; only F1 is trusted', at3,
    makeBlock(fixture, { height: 9, time: t(9), prevHash: crypto.sha256(Uint8Array.of(8)), validators: setF2, includeValidators: true, group: g2 }), t(10), fail(ErrorCode.VALSET_CHANGED));

  const frostCommit = commitFromCbor(decodeCbor(encodeCbor([3, h3.commit.headerHash, h3.commit.groupSignature!]), SMALL_LIMITS));
  if (!equalBytes(frostCommit.groupSignature!, h3.commit.groupSignature!)) throw new Error('FROST commit round trip');
  const decoding = [
    { name: 'FROST light block', reason: 'decodes and re-encodes byte for byte', hex: hex(encodeLightBlock(h5)), expect: OK },
    { name: 'group signature of 63 bytes', reason: 'BIP-340 signatures are 64 bytes', hex: hex(encodeCbor([encodeHeaderFields(h3.header), [3, h3.commit.headerHash, h3.commit.groupSignature!.subarray(1)]])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'group signature of 65 bytes', reason: 'refused by the header profile before allocation', hex: hex(encodeCbor([encodeHeaderFields(h3.header), [3, h3.commit.headerHash, Uint8Array.of(...h3.commit.groupSignature!, 0)]])), expect: fail(ErrorCode.TOO_LARGE) },
    { name: 'commit of four fields', reason: 'a group signature next to an ECDSA list', hex: hex(encodeCbor([encodeHeaderFields(h3.header), [3, h3.commit.headerHash, h3.commit.groupSignature!, []]])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'FROST set with a bad group key', reason: 'the supplied set is decoded strictly too', hex: hex(encodeCbor([encodeHeaderFields(h5.header), [5, h5.commit.headerHash, h5.commit.groupSignature!], [3, setF2.keys, g2.groupKey.subarray(2)]])), expect: fail(ErrorCode.BAD_SHAPE) },
  ];
  const sizes = { ecdsaLightBlock: encodeLightBlock(h1).length, frostLightBlock: encodeLightBlock(h3).length };
  return { bip340: [...bip340, ...shapes], sets, setDecoding, options, cases, decoding, sizes };
}

// ---------------------------------------------------------------- checkpoints

function checkpointVectors() {
  const options = makeTrustOptions({ trustPeriodMs: 7 * 24 * 3600 * 1000, maxClockDriftMs: 10_000 });
  const day = 24 * 3600 * 1000;
  const t = GENESIS_TIME + 30 * day;
  const block = makeBlock(fixture, { height: 50_000, time: t, prevHash: crypto.sha256(Uint8Array.of(1)), validators: fixture.setA });
  const anchor = { chainId: hex(chainId), operatorKey: hex(fixture.operator.publicKey) };
  const good = signCheckpoint(crypto, block.header, fixture.setA, fixture.operator.privateKey);
  const stale = trustFromGenesis(crypto, fixture.genesis);
  const cases: object[] = [];
  const add = (name: string, reason: string, checkpoint: Uint8Array, now: number, current: TrustedState | undefined, expect: Expect) =>
    cases.push({ name, reason, checkpoint: hex(checkpoint), now, current: current ? trustedToJson(current) : null, expect });
  add('re-anchor after expiry', 'operator-signed, fresh, above the stale trust', encodeCheckpoint(good), t + day, stale, { ok: true, height: 50_000, headerHash: hex(headerHash(crypto, block.header)) });
  add('first anchor', 'no trust yet', encodeCheckpoint(good), t + day, undefined, { ok: true, height: 50_000, headerHash: hex(headerHash(crypto, block.header)) });
  const otherChain = makeBlock(fixture, { height: 50_000, time: t, prevHash: crypto.sha256(Uint8Array.of(1)), validators: fixture.setA, chainId: new Uint8Array(8).fill(3) });
  add('other chain', 'checkpoint header of another chain', encodeCheckpoint(signCheckpoint(crypto, otherChain.header, fixture.setA, fixture.operator.privateKey)), t + day, stale, fail(ErrorCode.WRONG_CHAIN));
  const setB = makeValidatorSet(2, fixture.validatorKeys.slice(2, 5).map((k) => k.publicKey));
  add('set does not match header', 'validators are not the header’s', encodeCheckpoint({ ...good, validators: setB }), t + day, stale, fail(ErrorCode.VALSET_MISMATCH));
  add('from the future', 'checkpoint time beyond now + drift', encodeCheckpoint(good), t - options.maxClockDriftMs - 1, stale, fail(ErrorCode.FROM_FUTURE));
  add('stale checkpoint', 'older than the trust period', encodeCheckpoint(good), t + options.trustPeriodMs + 1, stale, fail(ErrorCode.TRUST_EXPIRED));
  add('rollback', 'below the height already trusted', encodeCheckpoint(good), t + day, { ...stale, height: 60_000 }, fail(ErrorCode.CHECKPOINT_ROLLBACK));
  add('not the operator', 'signed by a validator, not the operator', encodeCheckpoint(signCheckpoint(crypto, block.header, fixture.setA, fixture.validatorKeys[0]!.privateKey)), t + day, stale, fail(ErrorCode.BAD_CHECKPOINT_SIGNATURE));
  return { options, anchor, cases };
}

// ---------------------------------------------------------------- genesis

function genesisVectors() {
  return { genesis: hex(encodeGenesis(fixture.genesis)), chainId: hex(chainId), genesisHash: hex(fixture.genesisHash), operatorKey: hex(fixture.operator.publicKey) };
}

// ---------------------------------------------------------------- headers below the trusted height (§8.7)

function pastHeaderVectors() {
  const options = makeTrustOptions({ trustPeriodMs: 7 * 24 * 3600 * 1000, maxClockDriftMs: 10_000 });
  const { setA } = fixture;
  const setB = makeValidatorSet(2, fixture.validatorKeys.slice(2, 5).map((k) => k.publicKey));
  const t = (s: number) => GENESIS_TIME + s * 1000;
  const h10 = makeBlock(fixture, { height: 10, time: t(10), prevHash: crypto.sha256(Uint8Array.of(10)), validators: setA });
  const r = verifyHeader(crypto, trustFromGenesis(crypto, fixture.genesis), h10, t(11), options);
  if (!r.ok) throw new Error(`past-header fixture rejected: ${r.reason}`);
  const trusted = applyHeader(trustFromGenesis(crypto, fixture.genesis), r.value);
  const past = (height: number, time: number, extra: Partial<Parameters<typeof makeBlock>[1]> = {}) =>
    makeBlock(fixture, { height, time, prevHash: crypto.sha256(Uint8Array.of(height)), validators: setA, ...extra });
  const h4 = past(4, t(4));
  const cases: object[] = [];
  const add = (name: string, reason: string, block: LightBlock, now: number, expect: Expect) =>
    cases.push({ name, reason, block: hex(encodeLightBlock(block)), now, expect });
  add('a skipped block below the trusted one', 'signed by the trusted set, older', h4, t(12), { ok: true, height: 4, headerHash: hex(headerHash(crypto, h4.header)) });
  add('the trusted header itself', 'same height, same hash', h10, t(12), { ok: true, height: 10, headerHash: hex(headerHash(crypto, h10.header)) });
  add('trust expired', 'the trusted header is past the trust period', h4, t(10) + options.trustPeriodMs + 1, fail(ErrorCode.TRUST_EXPIRED));
  add('other chain', 'validly signed header of another chain', past(4, t(4), { chainId: new Uint8Array(8).fill(7) }), t(12), fail(ErrorCode.WRONG_CHAIN));
  add('height 0', 'the genesis has no header', past(0, t(0)), t(12), fail(ErrorCode.BAD_SHAPE));
  add('above the trusted height', 'verify it forward instead', past(11, t(11)), t(12), fail(ErrorCode.ABOVE_TRUSTED));
  add('not older than the trusted header', 'below the trusted height, same time', past(4, t(10)), t(12), fail(ErrorCode.TIME_NOT_MONOTONIC));
  add('a rival at the trusted height', 'same height and time, another header', past(10, t(10), { prevHash: crypto.sha256(Uint8Array.of(99)) }), t(12), fail(ErrorCode.COMMIT_MISMATCH));
  add('commit for another header', 'signatures over block 10', past(4, t(4), { tamperCommit: (c) => ({ ...c, headerHash: h10.commit.headerHash }) }), t(12), fail(ErrorCode.COMMIT_MISMATCH));
  add('another set', 'signed by a set the device does not trust now', past(4, t(4), { validators: setB, includeValidators: true }), t(12), fail(ErrorCode.VALSET_MISMATCH));
  add('under threshold', '2 of 4 signatures, threshold 3', past(4, t(4), { signerIndices: [0, 1] }), t(12), fail(ErrorCode.INSUFFICIENT_SIGNATURES));
  add('a signature over another header', 'validator 2’s signature from block 10', past(4, t(4), { tamperCommit: (c) => ({ ...c, signatures: c.signatures.map((s, i) => (i === 2 ? h10.commit.signatures[2]! : s)) }) }), t(12), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  return { options, trusted: trustedToJson(trusted), cases };
}

// ---------------------------------------------------------------- state root (§6.3.1)

/**
 * A small ledger built by real transactions: the genesis accounts (operator, four validators), a
 * device that sends and rotates its key, one revoked, one blocked, and a gateway. Each step is a
 * signed transaction with the block height it is applied at and the admission code it must get;
 * after each height the state root, and at the end every leaf in order.
 */
function stateVectors() {
  const state = LedgerState.fromGenesis(crypto, fixture.genesis);
  const now = T + 600;
  const operatorId = keyId(crypto, fixture.operator.publicKey);
  const reporter = fixture.validatorKeys[0]!;
  const reporterId = keyId(crypto, reporter.publicKey);
  const active = testKey(crypto, 'state device active');
  const revoked = testKey(crypto, 'state device revoked');
  const blocked = testKey(crypto, 'state device blocked');
  const gw = testKey(crypto, 'state gateway');
  const rotated = testKey(crypto, 'state device active, second key');
  const id = (k: { publicKey: Uint8Array }) => keyId(crypto, k.publicKey);
  const names = new Map<string, string>([[hex(operatorId), 'operator'], [hex(id(active)), 'device (active, key rotated)'], [hex(id(revoked)), 'device (revoked)'],
    [hex(id(blocked)), 'device (blocked)'], [hex(id(gw)), 'gateway']]);
  fixture.validatorKeys.slice(0, 4).forEach((k, i) => names.set(hex(id(k)), `validator v${i}`));
  const one = readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2150] }]);
  const steps: object[] = [];
  const roots: { height: number; stateRoot: string }[] = [];
  const step = (height: number, what: string, key: { privateKey: Uint8Array }, unsigned: Omit<UnsignedTx, 'time'>, expect: number) => {
    const tx = signTx(crypto, chainId, { ...unsigned, time: T }, key.privateKey);
    const verdict = admitTx(crypto, state, tx, now);
    const code = verdict.ok ? ErrorCode.OK : verdict.code;
    if (code !== expect) throw new Error(`state step ${what}: ${code}, want ${expect}`);
    if (verdict.ok) applyTx(crypto, state, tx, height);
    steps.push({ height, what, wire: hex(encodeTx(tx)), expect: code });
  };
  const close = (height: number) => roots.push({ height, stateRoot: hex(state.root(crypto)) });
  roots.push({ height: 0, stateRoot: hex(state.root(crypto)) });
  step(1, 'operator enrols a device', fixture.operator, { kind: TxKind.ENROLL, sender: operatorId, seq: 1, body: enrollBody(active.publicKey, Role.DEVICE) }, ErrorCode.OK);
  step(1, 'operator enrols a second device', fixture.operator, { kind: TxKind.ENROLL, sender: operatorId, seq: 2, body: enrollBody(revoked.publicKey, Role.DEVICE) }, ErrorCode.OK);
  step(1, 'operator enrols a third device', fixture.operator, { kind: TxKind.ENROLL, sender: operatorId, seq: 3, body: enrollBody(blocked.publicKey, Role.DEVICE) }, ErrorCode.OK);
  step(1, 'operator enrols a gateway (ENROLL role 1 → account role 3)', fixture.operator, { kind: TxKind.ENROLL, sender: operatorId, seq: 4, body: enrollBody(gw.publicKey, Role.GATEWAY) }, ErrorCode.OK);
  close(1);
  step(2, 'the device sends readings', active, { kind: TxKind.READINGS, sender: id(active), seq: 1, body: one }, ErrorCode.OK);
  step(2, 'and again after a gap', active, { kind: TxKind.READINGS, sender: id(active), seq: 65, body: one }, ErrorCode.OK);
  step(2, 'the third device sends readings', blocked, { kind: TxKind.READINGS, sender: id(blocked), seq: 1, body: one }, ErrorCode.OK);
  step(2, 'operator revokes the second device', fixture.operator, { kind: TxKind.REVOKE, sender: operatorId, seq: 5, body: deviceBody(id(revoked)) }, ErrorCode.OK);
  close(2);
  step(3, 'validator v0 reports the third device', reporter, { kind: TxKind.BLOCK_REPORT, sender: reporterId, seq: 1, body: blockReportBody(id(blocked), BlockReason.FLOOD) }, ErrorCode.OK);
  step(3, "a rotation to the operator's key is refused", active, { kind: TxKind.ROTATE_KEY, sender: id(active), seq: 66, body: rotateKeyBody(fixture.operator.publicKey) }, ErrorCode.DUPLICATE_DEVICE);
  step(3, 'the device rotates its key (its id stays)', active, { kind: TxKind.ROTATE_KEY, sender: id(active), seq: 66, body: rotateKeyBody(rotated.publicKey) }, ErrorCode.OK);
  step(3, 'the gateway sends readings', gw, { kind: TxKind.READINGS, sender: id(gw), seq: 7, body: one }, ErrorCode.OK);
  close(3);
  // The leaves of the authenticated state (§6.3.1), by namespace then key: a verifier rebuilds the root from them.
  const leaves = state.leaves()
    .sort((a, b) => compareBytes(a.contract, b.contract) || compareBytes(a.key, b.key))
    .map((leaf) => {
      const keyHash = smtKeyHashOf(crypto, leaf.contract, leaf.key);
      const valueHash = smtValueHashOf(crypto, leaf.value!);
      return {
        what: `${leaf.contract[1] === ContractId.REGISTRY ? 'account' : 'blocklist'}: ${names.get(hex(leaf.key)) ?? '?'}`,
        contract: hex(leaf.contract), key: hex(leaf.key), value: hex(leaf.value!),
        keyHash: hex(keyHash), leafHash: hex(smtLeafHashOf(crypto, keyHash, valueHash)),
      };
    });
  return {
    genesis: hex(encodeGenesis(fixture.genesis)),
    now,
    accountRole: AccountRole,
    accountStatus: AccountStatus,
    steps,
    roots,
    leaves,
    stateRoot: hex(state.root(crypto)),
  };
}

// ---------------------------------------------------------------- public chain (§6.2 7th field, §5.3.1 self-enrolment, §6.3.2 quotas)

/**
 * A public genesis (its encoding, chain id and hash), proof-of-work cases, a self-enrolling CONNECT
 * token, and a run of transactions with block cuts, each with the code a gateway must give it
 * (sender key lookup, signature, admission, in that order).
 */
function publicVectors() {
  const limits = { powBits: 8, maxTxsPerBlockPerDevice: 2, maxSelfEnrolPerBlock: 1 };
  const genesis = { ...fixture.genesis, permission: Permission.PUBLIC, publicLimits: limits };
  const id = chainIdOf(crypto, genesis);
  const [a, b] = [testKey(crypto, 'public device a'), testKey(crypto, 'public device b')];
  const nonceA = mintPowNonce(crypto, id, a.publicKey, limits.powBits);
  const nonceB = mintPowNonce(crypto, id, b.publicKey, limits.powBits);
  const pow = (what: string, key: Uint8Array, nonce: Uint8Array, powBits: number) => {
    const digest = powDigest(crypto, id, key, nonce);
    return { what, key: hex(key), nonce: hex(nonce), powBits, preimage: hex(encodeCbor([id, key, nonce])), digest: hex(digest), leadingZeroBits: leadingZeroBits(digest), ok: leadingZeroBits(digest) >= powBits };
  };
  let weak = new Uint8Array(8);
  for (let i = 0; leadingZeroBits(powDigest(crypto, id, a.publicKey, weak)) >= limits.powBits; i++) weak = Uint8Array.of(0, 0, 0, 0, 0, 0, i >> 8, i & 0xff);
  const powCases = [
    pow('the minted nonce (the first from 0 up)', a.publicKey, nonceA, limits.powBits),
    pow('too few leading zero bits', a.publicKey, weak, limits.powBits),
    pow("device a's nonce for device b's key", b.publicKey, nonceA, limits.powBits),
    pow('powBits 0: any nonce', a.publicKey, weak, 0),
  ];
  const state = LedgerState.fromGenesis(crypto, genesis);
  const now = T + 600;
  const steps: object[] = [];
  let height = 1;
  const step = (what: string, key: { privateKey: Uint8Array }, unsigned: Omit<UnsignedTx, 'time'>, expect: number) => {
    const tx = signTx(crypto, id, { ...unsigned, time: T }, key.privateKey);
    const signer = signingKey(state, tx);
    let code: number = signer.ok ? ErrorCode.OK : signer.code;
    if (signer.ok && !verifyTxSignature(crypto, id, tx, signer.value).ok) code = ErrorCode.BAD_SIGNATURE;
    if (code === ErrorCode.OK) {
      const verdict = admitTx(crypto, state, tx, now);
      code = verdict.ok ? ErrorCode.OK : verdict.code;
      if (verdict.ok) applyTx(crypto, state, tx, height);
    }
    if (code !== expect) throw new Error(`public step ${what}: ${code}, want ${expect}`);
    steps.push({ height, what, wire: hex(encodeTx(tx)), expect: code });
  };
  const cut = () => {
    steps.push({ height, cut: true, stateRoot: hex(state.root(crypto)) });
    restartBlockQuotas(state, []);
    height++;
  };
  const idA = keyId(crypto, a.publicKey);
  const idB = keyId(crypto, b.publicKey);
  const enrolA = { kind: TxKind.ENROLL, sender: idA, seq: 1, body: selfEnrollBody(a.publicKey, nonceA) };
  const reading = (sender: Uint8Array, seq: number) => ({ kind: TxKind.READINGS, sender, seq, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2150 + seq] }]) });
  step('readings of a device not enrolled', a, reading(idA, 1), ErrorCode.UNKNOWN_SENDER);
  step('self-enrolment with too weak a proof of work', a, { ...enrolA, body: selfEnrollBody(a.publicKey, weak) }, ErrorCode.BAD_POW);
  step('self-enrolment signed by another key than the body key', b, enrolA, ErrorCode.BAD_SIGNATURE);
  step('self-enrolment', a, enrolA, ErrorCode.OK);
  step('the same again: a replay', a, enrolA, ErrorCode.REPLAY);
  step('a second self-enrolment in the block: over maxSelfEnrolPerBlock', b, { kind: TxKind.ENROLL, sender: idB, seq: 1, body: selfEnrollBody(b.publicKey, nonceB) }, ErrorCode.QUOTA_EXCEEDED);
  step("the device's second transaction of the block", a, reading(idA, 2), ErrorCode.OK);
  step('its third: over maxTxsPerBlockPerDevice', a, reading(idA, 3), ErrorCode.QUOTA_EXCEEDED);
  cut();
  step('the next block: the device again', a, reading(idA, 3), ErrorCode.OK);
  step('and the second self-enrolment', b, { kind: TxKind.ENROLL, sender: idB, seq: 1, body: selfEnrollBody(b.publicKey, nonceB) }, ErrorCode.OK);
  cut();
  const privateState = LedgerState.fromGenesis(crypto, fixture.genesis);
  const onPrivate = signTx(crypto, chainId, { ...enrolA, time: T, body: selfEnrollBody(a.publicKey, mintPowNonce(crypto, chainId, a.publicKey, limits.powBits)) }, a.privateKey);
  const privateVerdict = admitTx(crypto, privateState, onPrivate, now);
  const timeMs = GENESIS_TIME + 5000;
  const token = makeSelfEnrollConnectToken(crypto, id, a, timeMs, nonceA);
  openSelfEnrollConnectToken(crypto, id, idA, hex(token), limits.powBits);
  return {
    genesis: hex(encodeGenesis(genesis)), chainId: hex(id), genesisHash: hex(genesisHashOf(crypto, genesis)), publicLimits: limits,
    pow: powCases,
    now, steps,
    onPrivateChain: { genesis: hex(encodeGenesis(fixture.genesis)), wire: hex(encodeTx(onPrivate)), expect: privateVerdict.ok ? 0 : privateVerdict.code, signingKey: (() => { const k = signingKey(privateState, onPrivate); return k.ok ? 0 : k.code; })() },
    connect: { deviceId: hex(idA), timeMs, powBits: limits.powBits, password: hex(token), publicKey: hex(a.publicKey) },
  };
}

// ---------------------------------------------------------------- identities, enrolment, messages, topics, worked examples

/** Every structure of the protocol document not covered by another file, and the document's own examples. */
function messageVectors() {
  const tags = Object.entries(DomainTag).map(([name, bytes]) => ({ name, ascii: String.fromCharCode(...bytes), hex: hex(bytes) }));

  const keyOf = (privateKey: Uint8Array) => {
    const publicKey = crypto.publicKey(privateKey);
    return { privateKey: hex(privateKey), publicKey: hex(publicKey), keyId: hex(keyId(crypto, publicKey)) };
  };
  const keys = [keyOf(new Uint8Array(32).fill(1)), keyOf(fixture.operator.privateKey), keyOf(device.privateKey)];
  const compressed = device.publicKey;
  const uncompressedPrefix = Uint8Array.of(0x04, ...compressed.slice(1));
  const badKeys = [
    { name: '32-byte key', publicKey: hex(compressed.slice(1)), expect: fail(ErrorCode.BAD_KEY) },
    { name: 'prefix 0x04', publicKey: hex(uncompressedPrefix), expect: fail(ErrorCode.BAD_KEY) },
  ];

  const enrolWire = makeEnrollRequest(crypto, chainId, device);
  const [, enrolSig] = decodeCbor(enrolWire, SMALL_LIMITS) as [Uint8Array, Uint8Array];
  const flippedEnrol = enrolSig.slice();
  flippedEnrol[5]! ^= 1;
  const enrol = { chainId: hex(chainId), publicKey: hex(device.publicKey), digest: hex(taggedHash(crypto, DomainTag.ENROLL_REQUEST, chainId, device.publicKey)), wire: hex(enrolWire) };
  const enrolCases = [
    { name: 'valid', wire: hex(enrolWire), chainId: hex(chainId), expect: { ok: true, publicKey: hex(device.publicKey) } },
    { name: 'other chain', wire: hex(enrolWire), chainId: hex(new Uint8Array(8).fill(0xee)), expect: fail(ErrorCode.BAD_SIGNATURE) },
    { name: 'flipped signature bit', wire: hex(encodeCbor([device.publicKey, flippedEnrol])), chainId: hex(chainId), expect: fail(ErrorCode.BAD_SIGNATURE) },
    { name: 'three items', wire: hex(encodeCbor([device.publicKey, enrolSig, 0])), chainId: hex(chainId), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: '32-byte key', wire: hex(encodeCbor([compressed.slice(1), enrolSig])), chainId: hex(chainId), expect: fail(ErrorCode.BAD_KEY) },
    { name: 'key prefix 0x04', wire: hex(encodeCbor([uncompressedPrefix, enrolSig])), chainId: hex(chainId), expect: fail(ErrorCode.BAD_KEY) },
    { name: '63-byte signature', wire: hex(encodeCbor([device.publicKey, enrolSig.slice(1)])), chainId: hex(chainId), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'a map', wire: 'a0', chainId: hex(chainId), expect: fail(ErrorCode.UNSUPPORTED_TYPE) },
  ];

  const { setA } = fixture;
  const k = setA.keys;
  const validatorSets = {
    valid: { wire: hex(encodeValidatorSet(setA)), threshold: setA.threshold, keys: k.map(hex), validatorsHash: hex(validatorSetHash(crypto, setA)) },
    cases: [
      { name: 'threshold 0', wire: hex(encodeCbor([0, [...k]])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
      { name: 'threshold above n', wire: hex(encodeCbor([5, [...k]])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
      { name: 'no keys', wire: hex(encodeCbor([1, []])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
      { name: 'unsorted keys', wire: hex(encodeCbor([3, [...k].reverse()])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
      { name: 'a key twice', wire: hex(encodeCbor([3, [k[0]!, k[0]!, k[1]!, k[2]!]])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
      { name: 'key prefix 0x04', wire: hex(encodeCbor([1, [Uint8Array.of(0x04, ...k[0]!.slice(1))]])), expect: fail(ErrorCode.BAD_VALIDATOR_SET) },
      { name: '32-byte key', wire: hex(encodeCbor([1, [k[0]!.slice(1)]])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'three items', wire: hex(encodeCbor([1, [k[0]!], 0])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: '65 keys', wire: hex(encodeCbor([1, Array(65).fill(k[0]!)])), expect: fail(ErrorCode.TOO_LARGE) },
    ],
  };

  const block = makeBlock(fixture, { height: 1, time: GENESIS_TIME + 1000, prevHash: fixture.genesisHash, validators: setA });
  const hHash = headerHash(crypto, block.header);
  const header = {
    header: hex(encodeHeader(block.header)),
    headerHash: hex(hHash),
    commitDigest: hex(commitDigest(crypto, hHash)),
    checkpointDigest: hex(checkpointDigest(crypto, block.header)),
    commit: hex(encodeCbor(commitToCbor(block.commit))),
    lightBlock: hex(encodeLightBlock(block)),
    cases: [
      { name: 'nine fields', wire: hex(encodeCbor(encodeHeaderFields(block.header).slice(0, 9))), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'version 2', wire: hex(encodeCbor([2, ...encodeHeaderFields(block.header).slice(1)])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: '7-byte chain id', wire: hex(encodeCbor(encodeHeaderFields(block.header).map((f, i) => (i === 1 ? new Uint8Array(7) : f)))), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: '31-byte txRoot', wire: hex(encodeCbor(encodeHeaderFields(block.header).map((f, i) => (i === 5 ? new Uint8Array(31) : f)))), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'negative height', wire: hex(encodeCbor(encodeHeaderFields(block.header).map((f, i) => (i === 2 ? -1 : f)))), expect: fail(ErrorCode.BAD_SHAPE) },
    ],
  };

  const acks = {
    encode: [[1, 0], [2, ErrorCode.REPLAY], [2 ** 40, ErrorCode.TIME_OUT_OF_RANGE], [5, 999]].map(([seq, code]) => ({ seq, code, wire: hex(encodeAck({ seq: seq!, code: code! })) })),
    cases: [
      { name: 'a code this build does not know is kept', wire: hex(encodeCbor([3, 999])), expect: { ok: true, seq: 3, code: 999 } },
      { name: 'one item', wire: '8101', expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'negative code', wire: hex(encodeCbor([1, -1])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'seq a byte string', wire: hex(encodeCbor([new Uint8Array(1), 0])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'non-canonical seq', wire: '82180100', expect: fail(ErrorCode.NON_CANONICAL) },
      { name: 'a map', wire: 'a0', expect: fail(ErrorCode.UNSUPPORTED_TYPE) },
    ],
  };

  // §5.9 and §9.3 of the document: private key 01×32, chain id 0123456789abcdef (fixed, not from a genesis).
  const docChain = hexBytes('0123456789abcdef');
  const docKey = keyPairFromPrivate(crypto, new Uint8Array(32).fill(1));
  const docSender = keyId(crypto, docKey.publicKey);
  const example1 = signTx(crypto, docChain, { kind: TxKind.READINGS, sender: docSender, seq: 1, time: 1_767_225_600, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2137] }]) }, docKey.privateKey);
  const example2 = signTx(crypto, docChain, { kind: TxKind.READINGS, sender: docSender, seq: 2, time: 1_767_225_660, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 60, values: [...Array(32)].map((_, j) => 2137 + ((7 * j) % 23) - 11) }]) }, docKey.privateKey);
  const wire1 = encodeTx(example1);
  const wire2 = encodeTx(example2);
  const docIds = [txId(crypto, wire1), txId(crypto, wire2)];
  const docProof = inclusionProof(crypto, docIds, 0);
  const docProof2 = inclusionProof(crypto, docIds, 1);
  const okProof = proofToCbor(docProof);
  const proofMessages = {
    // §9.3: a PROOF response's one proof, and the push of both transactions' proofs in one message.
    example: { seq: 1, height: 7, leaf: hex(docIds[0]!), root: hex(merkleRootOf(docIds)), wire: hex(encodeProofMessage({ height: 7, proofs: [{ seq: 1, proof: docProof }] })) },
    both: {
      height: 7, seqs: [1, 2], leaves: docIds.map(hex), root: hex(merkleRootOf(docIds)),
      wire: hex(encodeProofMessage({ height: 7, proofs: [{ seq: 1, proof: docProof }, { seq: 2, proof: docProof2 }] })),
    },
    cases: [
      { name: 'two items', wire: hex(encodeCbor([1, 7])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'path hash of 31 bytes', wire: hex(encodeCbor([7, 1, [0, 2, [new Uint8Array(31)]]])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'path over 64 hashes', wire: hex(encodeCbor([7, 1, [0, 2, Array(65).fill(new Uint8Array(32))]])), expect: fail(ErrorCode.TOO_LARGE) },
      { name: 'height alone, no proof', wire: hex(encodeCbor([7])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'a seq without its proof', wire: hex(encodeCbor([7, 1, okProof, 2])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'seqs not ascending', wire: hex(encodeCbor([7, 2, okProof, 1, okProof])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'a seq twice', wire: hex(encodeCbor([7, 1, okProof, 1, okProof])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'pairs nested instead of flat ([height, [[seq, proof]]]): too deep for SMALL_LIMITS', wire: hex(encodeCbor([7, [[1, okProof]]])), expect: fail(ErrorCode.TOO_DEEP) },
      { name: 'a proof where a seq belongs', wire: hex(encodeCbor([7, okProof, 1])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'a negative seq', wire: hex(encodeCbor([7, -1, okProof])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'more than 2048 bytes (5 proofs of 12 hashes)', wire: hex(encodeCbor([7, ...[1, 2, 3, 4, 5].flatMap((seq) => [seq, [0, 4096, Array(12).fill(new Uint8Array(32))]])])), expect: fail(ErrorCode.TOO_LARGE) },
    ],
  };
  const genesisExample = encodeGenesis({
    name: ascii('example'), time: 1_767_225_600_000, permission: Permission.CONSORTIUM,
    validators: makeValidatorSet(3, [2, 3, 4, 5].map((b) => crypto.publicKey(new Uint8Array(32).fill(b)))),
    operatorKey: crypto.publicKey(new Uint8Array(32).fill(9)),
  });
  const documentExamples = {
    keyId: keyOf(new Uint8Array(32).fill(1)),
    transaction1: { wire: hex(wire1), digest: hex(txSigningDigest(crypto, docChain, example1)), txId: hex(docIds[0]!), size: wire1.length },
    transaction2: { wire: hex(wire2), txId: hex(docIds[1]!), size: wire2.length },
    genesis: { wire: hex(genesisExample), size: genesisExample.length, genesisHash: hex(taggedHash(crypto, DomainTag.GENESIS, genesisExample)), chainId: hex(taggedHash(crypto, DomainTag.GENESIS, genesisExample).slice(0, 8)) },
  };

  const req = (id: CborValue, method: CborValue, params: CborValue) => hex(encodeCbor([id, method, params]));
  const requests = {
    example: { wire: '830101820514', id: 1, method: Method.HEADER_RANGE, params: hex(encodeCbor([5, 20])) },
    // answerId: the requestId a gateway answers a request that does not decode with (§9.4).
    cases: [
      { name: 'CHECKPOINT []', wire: req(7, Method.CHECKPOINT, []), answerId: 7, expect: { ok: true, id: 7, method: Method.CHECKPOINT, params: '80' } },
      { name: 'largest request id', wire: req(2 ** 32 - 1, Method.PROOF, [3]), answerId: 2 ** 32 - 1, expect: { ok: true, id: 2 ** 32 - 1, method: Method.PROOF, params: '8103' } },
      { name: 'empty', wire: '', answerId: 0, expect: fail(ErrorCode.MALFORMED_CBOR) },
      { name: 'two items', wire: hex(encodeCbor([1, 5])), answerId: 0, expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'request id 2^32', wire: req(2 ** 32, Method.CHECKPOINT, []), answerId: 0, expect: fail(ErrorCode.BAD_REQUEST) },
      { name: 'request id negative', wire: req(-1, Method.CHECKPOINT, []), answerId: 0, expect: fail(ErrorCode.BAD_REQUEST) },
      { name: 'unknown method 99', wire: req(8, 99, []), answerId: 8, expect: fail(ErrorCode.BAD_REQUEST) },
      { name: 'method 0', wire: req(9, 0, []), answerId: 9, expect: fail(ErrorCode.BAD_REQUEST) },
      { name: 'method a byte string', wire: req(10, new Uint8Array(1), []), answerId: 10, expect: fail(ErrorCode.BAD_REQUEST) },
      { name: 'params not an array', wire: req(11, Method.CHECKPOINT, 0), answerId: 11, expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'too deep for SMALL_LIMITS', wire: req(12, Method.STATE, [[[0]]]), answerId: 0, expect: fail(ErrorCode.TOO_DEEP) },
    ],
  };
  const responses = {
    encode: [
      { id: 1, code: 0, payloads: [hex(encodeValidatorSet(setA))] },
      { id: 2, code: ErrorCode.NOT_FOUND, payloads: [] },
      { id: 0, code: ErrorCode.BAD_REQUEST, payloads: [] },
    ].map((r) => ({ ...r, wire: hex(encodeResponse({ id: r.id, code: r.code, payloads: r.payloads.map(hexBytes) })) })),
    cases: [
      { name: 'a code this build does not know is kept', wire: hex(encodeCbor([4, 999, []])), expect: { ok: true, id: 4, code: 999, payloads: 0 } },
      { name: 'payload not a byte string', wire: hex(encodeCbor([4, 0, [1]])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: 'payloads not an array', wire: hex(encodeCbor([4, 0, new Uint8Array(1)])), expect: fail(ErrorCode.BAD_SHAPE) },
      { name: '33 payloads', wire: hex(encodeCbor([4, 0, Array(33).fill(new Uint8Array(1))])), expect: fail(ErrorCode.TOO_LARGE) },
    ],
  };

  const topicChain = docChain;
  const topicDevice = docSender;
  const t = chainTopics(topicChain);
  const topics = {
    chainId: hex(topicChain),
    deviceId: hex(topicDevice),
    up: t.up, header: t.header, checkpoint: t.checkpoint, allRequests: t.allRequests,
    device: Object.values(DeviceTopic).map((kind) => ({ kind, topic: t.device(topicDevice, kind) })),
    parse: [
      { topic: t.device(topicDevice, DeviceTopic.REQUEST), expect: { deviceId: hex(topicDevice), kind: DeviceTopic.REQUEST } },
      { topic: t.device(topicDevice, DeviceTopic.REQUEST).toUpperCase(), expect: null },
      { topic: t.device(topicDevice, DeviceTopic.REQUEST).replace(hex(topicDevice), hex(topicDevice).toUpperCase()), expect: null },
      { topic: `${t.device(topicDevice, DeviceTopic.REQUEST)}/x`, expect: null },
      { topic: t.device(topicDevice, DeviceTopic.REQUEST).replace('/req', '/up'), expect: null },
      { topic: t.up, expect: null },
      { topic: chainTopics(new Uint8Array(8)).device(topicDevice, DeviceTopic.ACK), expect: null },
    ],
  };
  return { tags, keys, badKeys, enrol, enrolCases, validatorSets, header, acks, proofMessages, requests, responses, topics, documentExamples };
}

// ---------------------------------------------------------------- membership: GOVERN, cut markers, votes (§5.8.2, §6.8, §6.9)

function governVectors() {
  const genesis = fixture.genesis; // CONSORTIUM, 3 of v0..v3
  const state = LedgerState.fromGenesis(crypto, genesis);
  const now = T + 600;
  const [v0, v1, v2, v3, v4, v5] = fixture.validatorKeys as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];
  const id = (k: KeyPair) => keyId(crypto, k.publicKey);
  const indexOf = (k: KeyPair) => state.validators()!.keys.findIndex((pk) => equalBytes(pk, k.publicKey));
  const approvals = (p: Proposal, signers: KeyPair[], at?: number[]) =>
    signApprovals(crypto, chainId, validatorSetHash(crypto, state.validators()!), p, signers.map((k, i) => ({ index: at?.[i] ?? indexOf(k), privateKey: k.privateKey })));
  const seqs = new Map<string, number>();
  const steps: object[] = [];
  const blocks: object[] = [];
  const step = (height: number, what: string, signer: KeyPair, sender: KeyPair, kind: TxKind, body: CborValue, expect: number) => {
    const seq = (seqs.get(hex(id(sender))) ?? 0) + 1;
    const tx = signTx(crypto, chainId, { kind, sender: id(sender), seq, time: T, body }, signer.privateKey);
    const verdict = admitTx(crypto, state, tx, now);
    const code = verdict.ok ? ErrorCode.OK : verdict.code;
    if (code !== expect) throw new Error(`govern step ${what}: ${code}, want ${expect}`);
    if (verdict.ok) {
      applyTx(crypto, state, tx, height);
      seqs.set(hex(id(sender)), seq);
    }
    steps.push({ height, what, wire: hex(encodeTx(tx)), expect: code });
  };
  /** The sets of each block (height → [signing set, next set]), for the light blocks below. */
  const setsAt = new Map<number, [ValidatorSet, ValidatorSet]>();
  /** The block boundary: what the block's header names, then next → current. */
  const close = (height: number) => {
    setsAt.set(height, [state.validators()!, state.nextValidators()!]);
    blocks.push({
      height, stateRoot: hex(state.root(crypto)),
      validatorsHash: hex(validatorSetHash(crypto, state.validators()!)), nextValidatorsHash: hex(validatorSetHash(crypto, state.nextValidators()!)),
      nextValidators: hex(encodeValidatorSet(state.nextValidators()!)),
    });
    state.endBlock();
  };
  const add = (k: KeyPair): Proposal => ({ action: GovernAction.ADD_MEMBER, key: k.publicKey });
  const removeMember = (k: KeyPair): Proposal => ({ action: GovernAction.REMOVE_MEMBER, key: k.publicKey });
  const threshold = (t: number): Proposal => ({ action: GovernAction.SET_THRESHOLD, threshold: t });
  const stale = governBody(threshold(2), approvals(threshold(2), [v0, v1, v2]));
  step(1, 'two approvals are short of the threshold 3', v0, v0, TxKind.GOVERN, governBody(add(v4), approvals(add(v4), [v0, v1])), ErrorCode.BAD_APPROVALS);
  step(1, 'a non-member signs at a member index', v0, v0, TxKind.GOVERN, governBody(add(v4), [...approvals(add(v4), [v0, v1]), ...approvals(add(v4), [v5], [indexOf(v2)])]), ErrorCode.BAD_APPROVALS);
  step(1, 'approvals not in ascending index order', v0, v0, TxKind.GOVERN, [proposalToCbor(add(v4)), approvals(add(v4), [v0, v1, v2]).reverse().map((a) => [a.index, a.signature])], ErrorCode.BAD_APPROVALS);
  step(1, 'the operator may not govern', fixture.operator, fixture.operator, TxKind.GOVERN, governBody(add(v4), approvals(add(v4), [v0, v1, v2])), ErrorCode.NOT_PERMITTED);
  step(1, 'removing a key that is no member', v0, v0, TxKind.GOVERN, governBody(removeMember(v5), approvals(removeMember(v5), [v0, v1, v2])), ErrorCode.NOT_A_MEMBER);
  step(1, 'adding a member twice', v0, v0, TxKind.GOVERN, governBody(add(v1), approvals(add(v1), [v0, v1, v2])), ErrorCode.DUPLICATE_DEVICE);
  step(1, 'a threshold above the members', v0, v0, TxKind.GOVERN, governBody(threshold(5), approvals(threshold(5), [v0, v1, v2])), ErrorCode.BAD_VALIDATOR_SET);
  step(1, 'v0, v1, v2 add v4', v0, v0, TxKind.GOVERN, governBody(add(v4), approvals(add(v4), [v0, v1, v2])), ErrorCode.OK);
  close(1);
  step(2, 'approvals made under the old set, replayed', v1, v1, TxKind.GOVERN, stale, ErrorCode.BAD_APPROVALS);
  step(2, 'v1, v2, v4 remove v3', v1, v1, TxKind.GOVERN, governBody(removeMember(v3), approvals(removeMember(v3), [v1, v2, v4])), ErrorCode.OK);
  step(2, 'and lower the threshold to 2 (the same current set counts)', v1, v1, TxKind.GOVERN, governBody(threshold(2), approvals(threshold(2), [v0, v3, v4])), ErrorCode.OK);
  close(2);
  step(3, 'the removed member is revoked', v3, v3, TxKind.GOVERN, governBody(threshold(3), approvals(threshold(3), [v0, v1])), ErrorCode.REVOKED);
  const rotate: Proposal = { action: GovernAction.ROTATE_MEMBER_KEY, oldKey: v4.publicKey, newKey: v5.publicKey };
  step(3, 'v4 rotates its member key to v5', v4, v4, TxKind.GOVERN, governBody(rotate, approvals(rotate, [v0, v4])), ErrorCode.OK);
  step(3, 'in a consortium a member enrols a device', v0, v0, TxKind.ENROLL, enrollBody(device.publicKey, Role.DEVICE), ErrorCode.OK);
  close(3);

  // REKEY (action 4): the ECDSA set 2 of v0, v1, v2, v5 becomes FROST set F1 (3 of v0..v3, group key
  // g1) — v5 leaves, v3 comes back — then F1 re-keys to F2 (3 of v0, v1, v2, v3, v5, group key g2).
  const g1 = testGroup(crypto, 'rekey g1');
  const g2 = testGroup(crypto, 'rekey g2');
  const sortedKeys = (...ks: KeyPair[]) => ks.map((k) => k.publicKey).sort(compareBytes);
  type Rekey = Extract<Proposal, { action: typeof GovernAction.REKEY }>;
  const rekey = (t: number, keys: readonly Uint8Array[], groupKey: Uint8Array): Rekey => ({ action: GovernAction.REKEY, threshold: t, keys, groupKey });
  const offCurve = hexBytes('eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34');
  const toF1 = rekey(3, sortedKeys(v0, v1, v2, v3), g1.groupKey);
  step(4, 'rekey keys not sorted', v0, v0, TxKind.GOVERN, governBody(rekey(3, [...toF1.keys].reverse(), g1.groupKey), approvals(rekey(3, [...toF1.keys].reverse(), g1.groupKey), [v0, v1])), ErrorCode.BAD_VALIDATOR_SET);
  step(4, 'rekey with a key twice', v0, v0, TxKind.GOVERN, governBody(rekey(2, [toF1.keys[0]!, ...toF1.keys], g1.groupKey), approvals(rekey(2, [toF1.keys[0]!, ...toF1.keys], g1.groupKey), [v0, v1])), ErrorCode.BAD_VALIDATOR_SET);
  step(4, 'rekey threshold above its keys', v0, v0, TxKind.GOVERN, governBody(rekey(5, toF1.keys, g1.groupKey), approvals(rekey(5, toF1.keys, g1.groupKey), [v0, v1])), ErrorCode.BAD_VALIDATOR_SET);
  step(4, 'rekey group key not on the curve', v0, v0, TxKind.GOVERN, governBody(rekey(3, toF1.keys, offCurve), approvals(rekey(3, toF1.keys, offCurve), [v0, v1])), ErrorCode.BAD_VALIDATOR_SET);
  const withDevice = rekey(3, [...toF1.keys.slice(0, 3), device.publicKey].sort(compareBytes), g1.groupKey);
  step(4, 'rekey bringing in a device key', v0, v0, TxKind.GOVERN, governBody(withDevice, approvals(withDevice, [v0, v1])), ErrorCode.NOT_PERMITTED);
  step(4, 'v0, v1 rekey to 3 of v0..v3 under g1: ECDSA to FROST, v5 leaves, v3 comes back', v0, v0, TxKind.GOVERN, governBody(toF1, approvals(toF1, [v0, v1])), ErrorCode.OK);
  close(4);
  step(5, 'ADD_MEMBER on a FROST set', v0, v0, TxKind.GOVERN, governBody(add(v5), approvals(add(v5), [v0, v1, v2])), ErrorCode.BAD_VALIDATOR_SET);
  step(5, 'SET_THRESHOLD on a FROST set', v0, v0, TxKind.GOVERN, governBody(threshold(2), approvals(threshold(2), [v0, v1, v2])), ErrorCode.BAD_VALIDATOR_SET);
  const withV4 = rekey(3, sortedKeys(v0, v1, v2, v3, v4), g2.groupKey);
  step(5, "rekey to v4, whose id is a removed member's account (holding v5)", v0, v0, TxKind.GOVERN, governBody(withV4, approvals(withV4, [v0, v1, v2])), ErrorCode.DUPLICATE_DEVICE);
  const toF2 = rekey(3, sortedKeys(v0, v1, v2, v3, v5), g2.groupKey);
  step(5, 'v0, v1 short of F1’s threshold 3', v1, v1, TxKind.GOVERN, governBody(toF2, approvals(toF2, [v0, v1])), ErrorCode.BAD_APPROVALS);
  step(5, 'v0, v1, v3 rekey to 3 of v0, v1, v2, v3, v5 under g2: v5 comes back', v1, v1, TxKind.GOVERN, governBody(toF2, approvals(toF2, [v0, v1, v3])), ErrorCode.OK);
  close(5);
  // A device follows the chain from genesis across both REKEYs (§8.3): the old set (ECDSA, then g1)
  // signs the block announcing the new one, the new group key every block after.
  const options = makeTrustOptions({ trustPeriodMs: 7 * 24 * 3600 * 1000, maxClockDriftMs: 10_000 });
  const groups = new Map([[hex(g1.groupKey), g1], [hex(g2.groupKey), g2]]);
  const blockAt = (h: number, prevHash: Uint8Array, signWith?: typeof g1) => {
    const [validators, nextValidators] = setsAt.get(h)!;
    const previous = setsAt.get(h - 1);
    const includeValidators = previous !== undefined && !equalBytes(validatorSetHash(crypto, previous[0]), validatorSetHash(crypto, validators));
    const group = signWith ?? (validators.groupKey ? groups.get(hex(validators.groupKey)) : undefined);
    return makeBlock(fixture, { height: h, time: GENESIS_TIME + h * 1000, prevHash, validators, nextValidators, includeValidators, ...(group ? { group } : {}) });
  };
  const light: object[] = [];
  const lightAdd = (name: string, reason: string, trusted: TrustedState, block: LightBlock, expect: Expect) =>
    light.push({ name, reason, trusted: trustedToJson(trusted), block: hex(encodeLightBlock(block)), now: GENESIS_TIME + 10_000, expect });
  const okExpect = (b: LightBlock): Expect => ({ ok: true, height: b.header.height, headerHash: hex(headerHash(crypto, b.header)), nextValidatorsHash: hex(b.header.nextValidatorsHash) });
  let trusted = trustFromGenesis(crypto, genesis);
  const trustedAt: TrustedState[] = [trusted];
  let prev = genesisHashOf(crypto, genesis);
  const why = ['ECDSA, adds v4', 'ECDSA, removes v3', 'ECDSA, rotates v4 to v5', 'ECDSA 2 of 4, names F1 (the first REKEY)', 'g1 signs (F1 carried), names F2 (the second REKEY)', 'g2 signs (F2 carried)'];
  for (let h = 1; h <= 6; h++) {
    if (h === 6) setsAt.set(6, [setsAt.get(5)![1], setsAt.get(5)![1]]);
    const block = blockAt(h, prev);
    lightAdd(`rekey chain: block ${h}`, why[h - 1]!, trusted, block, okExpect(block));
    const r = verifyHeader(crypto, trusted, block, GENESIS_TIME + 10_000, options);
    if (!r.ok) throw new Error(`rekey chain block ${h}: ${r.reason}`);
    trusted = applyHeader(trusted, r.value);
    trustedAt.push(trusted);
    prev = headerHash(crypto, block.header);
  }
  const hashOf = (h: number) => trustedAt[h]!.headerHash;
  lightAdd('rekey chain: the new group before the change', 'block 5 announces F2 but is signed by g2; F1 is trusted', trustedAt[4]!, blockAt(5, hashOf(4), g2), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  lightAdd('rekey chain: the first FROST block signed by its members with ECDSA', 'block 5 is F1’s: one group signature, not 3 ECDSA ones', trustedAt[4]!,
    makeBlock(fixture, { height: 5, time: GENESIS_TIME + 5000, prevHash: hashOf(4), validators: setsAt.get(5)![0], nextValidators: setsAt.get(5)![1], includeValidators: true }), fail(ErrorCode.BAD_COMMIT));
  lightAdd('rekey chain: the old group after the change', 'block 6 is F2’s, signed by g1', trustedAt[5]!, blockAt(6, hashOf(5), g1), fail(ErrorCode.BAD_COMMIT_SIGNATURE));
  lightAdd('rekey chain: skipping across the change', 'block 6 from trust at block 4 (which named F1, not F2)', trustedAt[4]!, blockAt(6, hashOf(5)), fail(ErrorCode.VALSET_CHANGED));

  const proposal = add(v3);
  const approvalCase = {
    chainId: hex(chainId), validatorsHash: hex(validatorSetHash(crypto, genesis.validators)), proposal: hex(encodeCbor(proposalToCbor(proposal))),
    digest: hex(approvalDigest(crypto, chainId, validatorSetHash(crypto, genesis.validators), proposal)),
  };

  // Cut markers and votes, under the genesis set: v1's index in it.
  const set = genesis.validators;
  const i1 = set.keys.findIndex((pk) => equalBytes(pk, v1.publicKey));
  const cut = signCut(crypto, chainId, 7, i1, v1.privateKey);
  const cutCases = [
    { name: 'the member at its index signed it', cut: hex(encodeCut(cut)), expect: OK },
    { name: "another member's index", cut: hex(encodeCut({ ...cut, proposerIndex: (i1 + 1) % 4 })), expect: fail(ErrorCode.BAD_SIGNATURE) },
    { name: 'an index outside the set', cut: hex(encodeCut({ ...cut, proposerIndex: 4 })), expect: fail(ErrorCode.BAD_COMMIT) },
    { name: 'replayed for another height', cut: hex(encodeCut({ ...cut, height: 8 })), expect: fail(ErrorCode.BAD_SIGNATURE) },
    { name: 'a signature of 63 bytes', cut: hex(encodeCbor([7, i1, cut.signature.subarray(1)])), expect: fail(ErrorCode.BAD_SHAPE) },
    { name: 'four fields', cut: hex(encodeCbor([7, i1, cut.signature, 0])), expect: fail(ErrorCode.BAD_SHAPE) },
  ];
  const hash = crypto.sha256(ascii('a header'));
  const vote = signVote(crypto, 7, hash, i1, v1.privateKey);
  const i2 = set.keys.findIndex((pk) => equalBytes(pk, v2.publicKey));
  const voteCases = [
    { name: 'the member at its index signed the header', vote: hex(encodeVote(vote)), expect: OK },
    { name: 'for another header hash', vote: hex(encodeVote({ ...vote, headerHash: crypto.sha256(hash) })), expect: fail(ErrorCode.COMMIT_MISMATCH) },
    { name: 'an index outside the set', vote: hex(encodeVote({ ...vote, validatorIndex: 4 })), expect: fail(ErrorCode.BAD_COMMIT) },
    { name: "another member's index", vote: hex(encodeVote({ ...vote, validatorIndex: i2 })), expect: fail(ErrorCode.BAD_COMMIT_SIGNATURE) },
    { name: 'a header hash of 31 bytes', vote: hex(encodeCbor([7, hash.subarray(1), i1, vote.signature])), expect: fail(ErrorCode.BAD_SHAPE) },
  ];
  const votes = [v2, v0, v1].map((k) => signVote(crypto, 7, hash, set.keys.findIndex((pk) => equalBytes(pk, k.publicKey)), k.privateKey));
  return {
    genesis: hex(encodeGenesis(genesis)),
    now,
    steps,
    blocks,
    light: { options, cases: light },
    rekeyProposal: { cbor: hex(encodeCbor(proposalToCbor(toF1))), bytes: encodeCbor(proposalToCbor(toF1)).length },
    approval: approvalCase,
    cut: { chainId: hex(chainId), validators: hex(encodeValidatorSet(set)), height: 7, digest: hex(cutDigest(crypto, chainId, 7)), cases: cutCases },
    vote: {
      validators: hex(encodeValidatorSet(set)), height: 7, headerHash: hex(hash), cases: voteCases,
      // Three votes in arrival order, and the commit they make (§6.4, ascending by index).
      votes: votes.map((v) => hex(encodeVote(v))), commit: hex(encodeCbor(commitToCbor(commitFromVotes(7, hash, votes)))),
    },
  };
}

function merkleRootOf(ids: Uint8Array[]): Uint8Array {
  return mth(ids);
}

const dir = fileURLToPath(new URL('../../test/vectors/', import.meta.url));
const files: Record<string, unknown> = {
  'cbor.json': { vectors: cborVectors() },
  'tx.json': txVectors(),
  'merkle.json': merkleVectors(),
  'light.json': lightVectors(),
  'checkpoint.json': checkpointVectors(),
  'genesis.json': genesisVectors(),
  'state.json': stateVectors(),
  'messages.json': messageVectors(),
  'past-header.json': pastHeaderVectors(),
  'public.json': publicVectors(),
  'govern.json': governVectors(),
  'schnorr.json': schnorrVectors(),
  'sparse-merkle.json': sparseMerkleVectors(crypto),
  'democracy.json': democracyVectors(crypto),
  'use-cases.json': useCaseVectors(crypto),
  'state-proof.json': stateProofVectors(crypto),
  'deployed.json': await deployedVectors(crypto),
};
for (const [name, content] of Object.entries(files)) {
  writeFileSync(dir + name, JSON.stringify(content, null, 1) + '\n');
  console.log(`wrote test/vectors/${name}`);
}

// ---------------------------------------------------------------- connect token (docs/protocol.md §9.6)

{
  const { keyPairFromPrivate } = await import('../../src/tx/identity.js');
  const { connectDigest, makeConnectToken, openConnectToken } = await import('../../src/mqtt/connect-auth.js');
  const crypto = createNobleCrypto();
  const keys = keyPairFromPrivate(crypto, new Uint8Array(32).fill(1));
  const chain = Uint8Array.from([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
  const device = keyId(crypto, keys.publicKey);
  const timeMs = 1_767_225_600_000;
  const token = makeConnectToken(crypto, chain, keys, timeMs);
  const other = makeConnectToken(crypto, new Uint8Array(8), keys, timeMs);
  const reject = (password: string) => {
    try {
      openConnectToken(crypto, chain, device, keys.publicKey, password);
      return undefined;
    } catch (error) {
      return { error: (error as { code: number }).code };
    }
  };
  const cases = [
    { name: 'valid', password: hex(token), expect: { ok: timeMs } },
    { name: 'signed for another chain', password: hex(other), expect: reject(hex(other)) },
    { name: 'one bit of the signature flipped', password: hex(token).slice(0, -1) + '8', expect: reject(hex(token).slice(0, -1) + '8') },
    { name: 'uppercase hex', password: hex(token).toUpperCase(), expect: reject(hex(token).toUpperCase()) },
    { name: 'not an array of two', password: hex(encodeCbor([timeMs])), expect: reject(hex(encodeCbor([timeMs]))) },
  ];
  const content = { chainId: hex(chain), publicKey: hex(keys.publicKey), deviceId: hex(device), timeMs, preimage: hex(encodeCbor([chain, device, timeMs])), digest: hex(connectDigest(crypto, chain, device, timeMs)), token: hex(token), cases };
  writeFileSync(dir + 'connect.json', JSON.stringify(content, null, 1) + '\n');
  console.log('wrote test/vectors/connect.json');
}
