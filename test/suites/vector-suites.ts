// Every shared vector, run against one crypto provider (test layer, platform-neutral).
// Called by ava on Node and by test/xs/vectors-entry.ts under XS.

import cborVectors from '../vectors/cbor.json' with { type: 'json' };
import checkpointVectors from '../vectors/checkpoint.json' with { type: 'json' };
import connectVectors from '../vectors/connect.json' with { type: 'json' };
import genesisVectors from '../vectors/genesis.json' with { type: 'json' };
import lightVectors from '../vectors/light.json' with { type: 'json' };
import merkleVectors from '../vectors/merkle.json' with { type: 'json' };
import messageVectors from '../vectors/messages.json' with { type: 'json' };
import pastHeaderVectors from '../vectors/past-header.json' with { type: 'json' };
import publicVectors from '../vectors/public.json' with { type: 'json' };
import stateVectors from '../vectors/state.json' with { type: 'json' };
import txVectors from '../vectors/tx.json' with { type: 'json' };
import governVectors from '../vectors/govern.json' with { type: 'json' };
import { deployedSuite } from './deployed-suite.js';
import schnorrVectors from '../vectors/schnorr.json' with { type: 'json' };
import { cutDigest, decodeCut, verifyCut } from '../../src/chain/cut.js';
import { commitFromVotes, decodeVote, verifyVote } from '../../src/chain/vote.js';
import { parseProposal, proposalToCbor } from '../../src/tx/bodies.js';
import { approvalDigest } from '../../src/tx/govern.js';
import { type CborValue, decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { equalBytes } from '../../src/codec/bytes.js';
import { smtKeyHash, smtLeafHash, smtValueHash } from '../../src/merkle/sparse-merkle-hash.js';
import { SparseMerkleTree } from '../../src/merkle/sparse-merkle-tree.js';
import { HEADER_LIMITS, SMALL_LIMITS, TX_LIMITS } from '../../src/codec/limits.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { decodeCheckpoint } from '../../src/chain/checkpoint.js';
import { decodeLightBlock } from '../../src/chain/commit.js';
import { chainIdOf, decodeGenesis, encodeGenesis, genesisHash } from '../../src/chain/genesis.js';
import { decodeHeader, headerHash } from '../../src/chain/header.js';
import { type TrustOptions, makeTrustOptions } from '../../src/light/trust.js';
import { verifyTxInclusion } from '../../src/light/verify-inclusion.js';
import { verifyCheckpoint } from '../../src/light/verify-checkpoint.js';
import { applyHeader, verifyHeader } from '../../src/light/verify-header.js';
import { verifyPastHeader } from '../../src/light/verify-past-header.js';
import { inclusionProofs, merkleRoot } from '../../src/merkle/merkle.js';
import { decodeProof, verifyInclusion } from '../../src/merkle/proof.js';
import { connectDigest, openConnectToken } from '../../src/mqtt/connect-auth.js';
import { decodeTx, encodeTx, signTx, txId, txSigningDigest, verifyTxSignature } from '../../src/tx/tx.js';
import { LedgerState } from '../../src/contracts/ledger-state.js';
import { ascii } from '../../src/codec/bytes.js';
import { DomainTag } from '../../src/crypto/domain.js';
import { taggedHash } from '../../src/crypto/hash.js';
import { checkpointDigest } from '../../src/chain/checkpoint.js';
import { commitDigest, commitFromCbor, commitToCbor, encodeLightBlock } from '../../src/chain/commit.js';
import { encodeHeader } from '../../src/chain/header.js';
import { decodeValidatorSet, encodeValidatorSet, validatorSetHash } from '../../src/chain/validator-set.js';
import { inclusionProof } from '../../src/merkle/merkle.js';
import { decodeAck, encodeAck } from '../../src/mqtt/ack-message.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, requestIdOf } from '../../src/mqtt/messages.js';
import { decodeProofMessage, encodeProofMessage, packProofMessages } from '../../src/mqtt/proof-message.js';
import { type DeviceTopic, chainTopics, parseDeviceTopic } from '../../src/mqtt/topics.js';
import { makeEnrollRequest, openEnrollRequest } from '../../src/tx/enroll-request.js';
import { keyId, keyPairFromPrivate } from '../../src/tx/identity.js';
import { admitTx, applyTx, restartBlockQuotas, signingKey } from '../../src/contracts/system-contracts.js';
import { checkPow, leadingZeroBits, powDigest } from '../../src/tx/self-enroll.js';
import { openSelfEnrollConnectToken } from '../../src/mqtt/connect-auth.js';
import type { TxKind } from '../../src/tx/kinds.js';
import { type Expect, type TrustedStateJson, hex, trustedFromJson, unhex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, expectOutcome, runVector } from './check.js';
import { sparseMerkleSuite } from './sparse-merkle-suite.js';
import { democracySuite } from './democracy-suite.js';
import { useCaseSuite } from './use-case-suite.js';
import { stateProofSuite } from './state-proof-suite.js';

const profiles = { tx: TX_LIMITS, header: HEADER_LIMITS, small: SMALL_LIMITS } as const;

function cborSuite(): VectorResult[] {
  return cborVectors.vectors.map((v) =>
    runVector('cbor', v.name, () => {
      const bytes = unhex(v.hex);
      expectOutcome(() => decodeCbor(bytes, profiles[v.limits as keyof typeof profiles]), v.expect as Expect, (value) => {
        expectEqual(hex(encodeCbor(value)), v.hex, 're-encoding');
      });
    }),
  );
}

function txSuite(crypto: CryptoProvider): VectorResult[] {
  const chainId = unhex(txVectors.chainId);
  const signing = txVectors.sign.map((v) =>
    runVector('tx-sign', v.name, () => {
      const unsigned = { kind: v.kind as TxKind, sender: unhex(v.sender), seq: v.seq, time: v.time, body: decodeCbor(unhex(v.body), TX_LIMITS) };
      expectEqual(hex(txSigningDigest(crypto, chainId, unsigned)), v.digest, 'digest');
      const tx = signTx(crypto, chainId, unsigned, unhex(v.privateKey));
      expectEqual(hex(tx.signature), v.signature, 'RFC 6979 signature');
      const wire = encodeTx(tx);
      expectEqual(hex(wire), v.wire, 'wire bytes');
      expectEqual(hex(txId(crypto, wire)), v.txId, 'tx id');
    }),
  );
  const verifying = txVectors.verify.map((v) =>
    runVector('tx-verify', v.name, () => {
      const wire = unhex(v.wire);
      expectOutcome(
        () => {
          const tx = decodeTx(wire);
          return verifyTxSignature(crypto, unhex(v.chainId), tx, unhex(v.publicKey));
        },
        v.expect as Expect,
        () => expectEqual(hex(txId(crypto, wire)), (v.expect as { txId: string }).txId, 'tx id'),
      );
    }),
  );
  return [...signing, ...verifying];
}

function merkleSuite(crypto: CryptoProvider): VectorResult[] {
  const roots = merkleVectors.roots.map((v) =>
    runVector('merkle-root', `root of ${v.size}`, () => {
      const leaves = v.leaves.map(unhex);
      const root = merkleRoot(crypto, leaves);
      expectEqual(hex(root), v.root, 'root');
      // Every proof the core builds must verify against the RFC's root.
      inclusionProofs(crypto, leaves).forEach((p, i) => {
        const r = verifyInclusion(crypto, leaves[i]!, p, root);
        if (!r.ok) throw new Error(`own proof ${i} rejected: ${r.reason}`);
      });
    }),
  );
  const proofs = merkleVectors.proofs.map((v) =>
    runVector('merkle-proof', v.name, () => {
      const proof = decodeProof(unhex(v.wire));
      expectEqual(proof.path.map(hex).join(), v.path.join(), 'decoded path');
      expectOutcome(() => verifyInclusion(crypto, unhex(v.leaf), proof, unhex(v.root)), v.expect as Expect);
    }),
  );
  const inclusion = merkleVectors.inclusion.map((v) =>
    runVector('inclusion', v.name, () => {
      const header = decodeHeader(unhex(v.header));
      expectOutcome(() => verifyTxInclusion(crypto, header, unhex(v.txId), decodeProof(unhex(v.proof))), v.expect as Expect);
    }),
  );
  return [...roots, ...proofs, ...inclusion];
}

/** One light-client case: verifyHeader from a trusted state, and the trust it moves to when accepted. */
function lightCase(
  crypto: CryptoProvider,
  suite: string,
  v: { name: string; trusted: TrustedStateJson; block: string; now: number; expect: unknown },
  options: TrustOptions,
): VectorResult {
  return runVector(suite, v.name, () => {
    const trusted = trustedFromJson(v.trusted);
    expectOutcome(() => verifyHeader(crypto, trusted, decodeLightBlock(unhex(v.block)), v.now, options), v.expect as Expect, (verified) => {
      const next = applyHeader(trusted, verified);
      const want = v.expect as { height: number; headerHash: string; nextValidatorsHash: string };
      expectEqual(next.height, want.height, 'trusted height');
      expectEqual(hex(next.headerHash), want.headerHash, 'trusted hash');
      expectEqual(hex(next.nextValidatorsHash), want.nextValidatorsHash, 'next validators');
    });
  });
}

function lightSuite(crypto: CryptoProvider): VectorResult[] {
  const options = makeTrustOptions(lightVectors.options);
  const cases = lightVectors.cases.map((v) => lightCase(crypto, 'light', v, options));
  const decoding = lightVectors.decoding.map((v) =>
    runVector('light-decode', v.name, () => expectOutcome(() => decodeLightBlock(unhex(v.hex)), v.expect as Expect)),
  );
  return [...cases, ...decoding];
}

/** BIP-340 verification, FROST-set encodings and light blocks with one group signature (§4, §6.1, §6.4, §8.3). */
function schnorrSuite(crypto: CryptoProvider): VectorResult[] {
  const bip340 = schnorrVectors.bip340.map((v) =>
    runVector('bip340', v.name, () => {
      expectEqual(crypto.verifySchnorr(unhex(v.signature), unhex(v.message), unhex(v.publicKey)), v.valid, 'verifySchnorr');
    }),
  );
  const sets = schnorrVectors.sets.map((v) =>
    runVector('frost-set', v.name, () => {
      const set = decodeValidatorSet(unhex(v.hex));
      expectEqual(set.groupKey ? hex(set.groupKey) : null, v.groupKey, 'group key');
      expectEqual(hex(encodeValidatorSet(set)), v.hex, 're-encoding');
      expectEqual(hex(validatorSetHash(crypto, set)), v.hash, 'hash');
    }),
  );
  const setDecoding = schnorrVectors.setDecoding.map((v) =>
    runVector('frost-set-decode', v.name, () => expectOutcome(() => decodeValidatorSet(unhex(v.hex)), v.expect as Expect)),
  );
  const options = makeTrustOptions(schnorrVectors.options);
  const cases = schnorrVectors.cases.map((v) => lightCase(crypto, 'frost-light', v, options));
  const decoding = schnorrVectors.decoding.map((v) =>
    runVector('frost-light-decode', v.name, () =>
      expectOutcome(() => decodeLightBlock(unhex(v.hex)), v.expect as Expect, (block) => {
        expectEqual(hex(encodeLightBlock(block)), v.hex, 're-encoding');
      })),
  );
  return [...bip340, ...sets, ...setDecoding, ...cases, ...decoding];
}

function checkpointSuite(crypto: CryptoProvider): VectorResult[] {
  const options = makeTrustOptions(checkpointVectors.options);
  const anchor = { chainId: unhex(checkpointVectors.anchor.chainId), operatorKey: unhex(checkpointVectors.anchor.operatorKey) };
  return checkpointVectors.cases.map((v) =>
    runVector('checkpoint', v.name, () => {
      const current = v.current ? trustedFromJson(v.current) : undefined;
      expectOutcome(() => verifyCheckpoint(crypto, anchor, current, decodeCheckpoint(unhex(v.checkpoint)), v.now, options), v.expect as Expect, (state) => {
        const want = v.expect as { height: number; headerHash: string };
        expectEqual(state.height, want.height, 'anchored height');
        expectEqual(hex(state.headerHash), want.headerHash, 'anchored hash');
      });
    }),
  );
}

function genesisSuite(crypto: CryptoProvider): VectorResult[] {
  return [
    runVector('genesis', 'chain id and genesis hash', () => {
      const bytes = unhex(genesisVectors.genesis);
      const genesis = decodeGenesis(bytes);
      expectEqual(equalBytes(encodeGenesis(genesis), bytes), true, 'canonical genesis');
      expectEqual(hex(chainIdOf(crypto, genesis)), genesisVectors.chainId, 'chain id');
      expectEqual(hex(genesisHash(crypto, genesis)), genesisVectors.genesisHash, 'genesis hash');
    }),
  ];
}

function pastHeaderSuite(crypto: CryptoProvider): VectorResult[] {
  const options = makeTrustOptions(pastHeaderVectors.options);
  const trusted = trustedFromJson(pastHeaderVectors.trusted);
  return pastHeaderVectors.cases.map((v) =>
    runVector('past-header', v.name, () => {
      expectOutcome(() => verifyPastHeader(crypto, trusted, decodeLightBlock(unhex(v.block)), v.now, options), v.expect as Expect, (verified) => {
        const want = v.expect as { height: number; headerHash: string };
        expectEqual(verified.header.height, want.height, 'height');
        expectEqual(hex(verified.headerHash), want.headerHash, 'header hash');
      });
    }),
  );
}

/** The state root (§6.3.1) of a ledger rebuilt from the genesis by the vector's transactions, height by height. */
function stateSuite(crypto: CryptoProvider): VectorResult[] {
  const genesis = decodeGenesis(unhex(stateVectors.genesis));
  const chainId = chainIdOf(crypto, genesis);
  const state = LedgerState.fromGenesis(crypto, genesis);
  const roots = new Map(stateVectors.roots.map((r) => [r.height, r.stateRoot]));
  const results: VectorResult[] = [runVector('state', 'genesis accounts', () => expectEqual(hex(state.root(crypto)), roots.get(0), 'state root at height 0'))];
  stateVectors.steps.forEach((step, i) => {
    results.push(runVector('state', step.what, () => {
      const tx = decodeTx(unhex(step.wire));
      const key = signingKey(state, tx);
      if (!key.ok) throw new Error(`sender refused: ${key.reason}`);
      const signed = verifyTxSignature(crypto, chainId, tx, key.value);
      if (!signed.ok) throw new Error(`signature refused: ${signed.reason}`);
      const verdict = admitTx(crypto, state, tx, stateVectors.now);
      expectEqual(verdict.ok ? 0 : verdict.code, step.expect, 'admission code');
      if (verdict.ok) applyTx(crypto, state, tx, step.height);
      const next = stateVectors.steps[i + 1];
      if (!next || next.height !== step.height) expectEqual(hex(state.root(crypto)), roots.get(step.height), `state root at height ${step.height}`);
    }));
  });
  results.push(runVector('state', 'leaves in order, their hashes and the root', () => {
    const listed = stateVectors.leaves.map((l) => ({ contract: unhex(l.contract), key: unhex(l.key), value: unhex(l.value) }));
    const held = new Map(state.leaves().map((l) => [hex(l.contract) + hex(l.key), hex(l.value!)]));
    expectEqual(held.size, listed.length, 'leaf count');
    listed.forEach((leaf, i) => {
      expectEqual(held.get(hex(leaf.contract) + hex(leaf.key)), stateVectors.leaves[i]!.value, `leaf ${i} (${stateVectors.leaves[i]!.what})`);
      const keyHash = smtKeyHash(crypto, leaf.contract, leaf.key);
      expectEqual(hex(keyHash), stateVectors.leaves[i]!.keyHash, `key hash ${i}`);
      expectEqual(hex(smtLeafHash(crypto, keyHash, smtValueHash(crypto, leaf.value))), stateVectors.leaves[i]!.leafHash, `leaf hash ${i}`);
    });
    const tree = new SparseMerkleTree(crypto);
    expectEqual(hex(tree.update(tree.emptyRoot, listed)), stateVectors.stateRoot, 'root of the listed leaves');
    expectEqual(hex(state.root(crypto)), stateVectors.stateRoot, 'state root');
  }));
  return results;
}

/** Identities, enrolment, validator set, header digests, MQTT messages, topics and the document's worked examples. */
function messageSuite(crypto: CryptoProvider): VectorResult[] {
  const v = messageVectors;
  const chainId = unhex(v.enrol.chainId);
  const out: VectorResult[] = [];
  const add = (suite: string, name: string, body: () => void) => out.push(runVector(suite, name, body));
  add('tags', 'domain tags', () => {
    expectEqual(v.tags.length, Object.keys(DomainTag).length, 'tag count');
    for (const tag of v.tags) {
      expectEqual(hex(DomainTag[tag.name as keyof typeof DomainTag]), tag.hex, `tag ${tag.name}`);
      expectEqual(hex(ascii(tag.ascii)), tag.hex, `tag ${tag.name} is its ASCII`);
    }
  });
  for (const k of v.keys) {
    add('identity', `key ${k.keyId}`, () => {
      expectEqual(hex(crypto.publicKey(unhex(k.privateKey))), k.publicKey, 'compressed public key');
      expectEqual(hex(keyId(crypto, unhex(k.publicKey))), k.keyId, 'key id');
    });
  }
  for (const b of v.badKeys) add('identity', b.name, () => expectOutcome(() => keyId(crypto, unhex(b.publicKey)), b.expect as Expect));
  add('enrol', 'made by the device', () => {
    const privateKey = unhex(v.keys.find((k) => k.publicKey === v.enrol.publicKey)?.privateKey ?? '');
    expectEqual(hex(taggedHash(crypto, DomainTag.ENROLL_REQUEST, chainId, unhex(v.enrol.publicKey))), v.enrol.digest, 'digest');
    expectEqual(hex(makeEnrollRequest(crypto, chainId, keyPairFromPrivate(crypto, privateKey))), v.enrol.wire, 'wire');
  });
  for (const c of v.enrolCases) {
    add('enrol', c.name, () => expectOutcome(() => openEnrollRequest(crypto, unhex(c.chainId), unhex(c.wire)), c.expect as Expect, (r) => {
      expectEqual(hex(r.publicKey), (c.expect as { publicKey: string }).publicKey, 'public key');
    }));
  }
  add('validators', 'encoding and hash', () => {
    const set = decodeValidatorSet(unhex(v.validatorSets.valid.wire));
    expectEqual(set.threshold, v.validatorSets.valid.threshold, 'threshold');
    expectEqual(set.keys.map(hex).join(), v.validatorSets.valid.keys.join(), 'keys');
    expectEqual(hex(encodeValidatorSet(set)), v.validatorSets.valid.wire, 're-encoding');
    expectEqual(hex(validatorSetHash(crypto, set)), v.validatorSets.valid.validatorsHash, 'validators hash');
  });
  for (const c of v.validatorSets.cases) add('validators', c.name, () => expectOutcome(() => decodeValidatorSet(unhex(c.wire)), c.expect as Expect));
  add('header', 'hash and digests', () => {
    const header = decodeHeader(unhex(v.header.header));
    expectEqual(hex(encodeHeader(header)), v.header.header, 're-encoding');
    expectEqual(hex(headerHash(crypto, header)), v.header.headerHash, 'header hash');
    expectEqual(hex(commitDigest(crypto, unhex(v.header.headerHash))), v.header.commitDigest, 'commit digest');
    expectEqual(hex(checkpointDigest(crypto, header)), v.header.checkpointDigest, 'checkpoint digest');
    const block = decodeLightBlock(unhex(v.header.lightBlock));
    expectEqual(hex(encodeCbor(commitToCbor(block.commit))), v.header.commit, 'commit');
    expectEqual(hex(encodeCbor(commitToCbor(commitFromCbor(decodeCbor(unhex(v.header.commit), HEADER_LIMITS))))), v.header.commit, 'commit re-encoding');
    expectEqual(hex(encodeLightBlock(block)), v.header.lightBlock, 'light block re-encoding');
    for (const s of block.commit.signatures) {
      if (!crypto.verify(s.signature, unhex(v.header.commitDigest), block.validators?.keys[s.index] ?? decodeValidatorSet(unhex(v.validatorSets.valid.wire)).keys[s.index]!)) {
        throw new Error(`commit signature ${s.index} does not verify over the commit digest`);
      }
    }
  });
  for (const c of v.header.cases) add('header', c.name, () => expectOutcome(() => decodeHeader(unhex(c.wire)), c.expect as Expect));
  for (const a of v.acks.encode) add('ack', `encode [${a.seq}, ${a.code}]`, () => expectEqual(hex(encodeAck({ seq: a.seq, code: a.code })), a.wire, 'ack'));
  for (const c of v.acks.cases) {
    add('ack', c.name, () => expectOutcome(() => decodeAck(unhex(c.wire)), c.expect as Expect, (ack) => {
      const want = c.expect as { seq: number; code: number };
      expectEqual(ack.seq, want.seq, 'seq');
      expectEqual(ack.code, want.code, 'code');
    }));
  }
  add('proof-message', 'the document’s example', () => {
    const e = v.proofMessages.example;
    const m = decodeProofMessage(unhex(e.wire));
    expectEqual(m.proofs.length, 1, 'one proof');
    expectEqual(m.proofs[0]!.seq, e.seq, 'seq');
    expectEqual(m.height, e.height, 'height');
    expectEqual(hex(encodeProofMessage(m)), e.wire, 're-encoding');
    const r = verifyInclusion(crypto, unhex(e.leaf), m.proofs[0]!.proof, unhex(e.root));
    if (!r.ok) throw new Error(`proof rejected: ${r.reason}`);
    const ids = [v.documentExamples.transaction1.txId, v.documentExamples.transaction2.txId].map(unhex);
    expectEqual(hex(encodeProofMessage({ height: 7, proofs: [{ seq: 1, proof: inclusionProof(crypto, ids, 0) }] })), e.wire, 'built from the two transactions');
  });
  add('proof-message', 'the document’s example of two proofs in one message', () => {
    const e = v.proofMessages.both;
    const m = decodeProofMessage(unhex(e.wire));
    expectEqual(m.height, e.height, 'height');
    expectEqual(m.proofs.map((p) => p.seq).join(','), e.seqs.join(','), 'seqs');
    m.proofs.forEach((p, i) => {
      const r = verifyInclusion(crypto, unhex(e.leaves[i]!), p.proof, unhex(e.root));
      if (!r.ok) throw new Error(`proof ${i} rejected: ${r.reason}`);
    });
    expectEqual(hex(encodeProofMessage(m)), e.wire, 're-encoding');
    expectEqual(hex(packProofMessages(e.height, m.proofs)[0]!), e.wire, 'packed: one message');
  });
  for (const c of v.proofMessages.cases) add('proof-message', c.name, () => expectOutcome(() => decodeProofMessage(unhex(c.wire)), c.expect as Expect));
  add('request', 'the document’s example', () => {
    const r = decodeRequest(unhex(v.requests.example.wire));
    expectEqual(r.id, v.requests.example.id, 'id');
    expectEqual(r.method, v.requests.example.method, 'method');
    expectEqual(hex(encodeCbor(r.params as CborValue[])), v.requests.example.params, 'params');
    expectEqual(hex(encodeRequest(r)), v.requests.example.wire, 're-encoding');
  });
  for (const c of v.requests.cases) {
    add('request', c.name, () => {
      const bytes = unhex(c.wire);
      expectEqual(requestIdOf(bytes), c.answerId, 'id a gateway answers with');
      expectOutcome(() => decodeRequest(bytes), c.expect as Expect, (r) => {
        const want = c.expect as { id: number; method: number; params: string };
        expectEqual(r.id, want.id, 'id');
        expectEqual(r.method, want.method, 'method');
        expectEqual(hex(encodeCbor(r.params as CborValue[])), want.params, 'params');
      });
    });
  }
  for (const r of v.responses.encode) {
    add('response', `encode [${r.id}, ${r.code}]`, () => {
      expectEqual(hex(encodeResponse({ id: r.id, code: r.code, payloads: r.payloads.map(unhex) })), r.wire, 'response');
      const back = decodeResponse(unhex(r.wire));
      expectEqual(back.payloads.map(hex).join(), r.payloads.join(), 'payloads');
    });
  }
  for (const c of v.responses.cases) {
    add('response', c.name, () => expectOutcome(() => decodeResponse(unhex(c.wire)), c.expect as Expect, (r) => {
      const want = c.expect as { id: number; code: number; payloads: number };
      expectEqual(r.id, want.id, 'id');
      expectEqual(r.code, want.code, 'code');
      expectEqual(r.payloads.length, want.payloads, 'payload count');
    }));
  }
  add('topics', 'names', () => {
    const t = chainTopics(unhex(v.topics.chainId));
    expectEqual(t.up, v.topics.up, 'up');
    expectEqual(t.header, v.topics.header, 'header');
    expectEqual(t.checkpoint, v.topics.checkpoint, 'checkpoint');
    expectEqual(t.allRequests, v.topics.allRequests, 'all requests');
    for (const d of v.topics.device) expectEqual(t.device(unhex(v.topics.deviceId), d.kind as DeviceTopic), d.topic, d.kind);
  });
  for (const p of v.topics.parse) {
    add('topics', `parse ${p.topic}`, () => {
      const parsed = parseDeviceTopic(unhex(v.topics.chainId), p.topic);
      expectEqual(parsed ? `${hex(parsed.deviceId)} ${parsed.topic}` : 'none', p.expect ? `${p.expect.deviceId} ${p.expect.kind}` : 'none', 'parsed');
    });
  }
  add('document', 'worked examples of the protocol document', () => {
    const d = v.documentExamples;
    const docKey = keyPairFromPrivate(crypto, unhex(d.keyId.privateKey));
    expectEqual(hex(docKey.publicKey), d.keyId.publicKey, '§3.2 public key');
    expectEqual(hex(keyId(crypto, docKey.publicKey)), d.keyId.keyId, '§3.2 key id');
    const docChain = unhex(v.topics.chainId);
    for (const [name, e] of [['example 1', d.transaction1], ['example 2', d.transaction2]] as const) {
      const tx = decodeTx(unhex(e.wire));
      expectEqual(hex(encodeTx(signTx(crypto, docChain, tx, docKey.privateKey))), e.wire, `§5.9 ${name}: RFC 6979 signature`);
      expectEqual(hex(txId(crypto, unhex(e.wire))), e.txId, `§5.9 ${name}: tx id`);
      expectEqual(unhex(e.wire).length, e.size, `§5.9 ${name}: size`);
    }
    expectEqual(hex(txSigningDigest(crypto, docChain, decodeTx(unhex(d.transaction1.wire)))), d.transaction1.digest, '§5.9 example 1: digest');
    const genesis = decodeGenesis(unhex(d.genesis.wire));
    expectEqual(hex(genesisHash(crypto, genesis)), d.genesis.genesisHash, '§6.2 genesis hash');
    expectEqual(hex(chainIdOf(crypto, genesis)), d.genesis.chainId, '§6.2 chain id');
  });
  return out;
}

/** The CONNECT password (docs/protocol.md §9.6): its digest, and which tokens open. */
function connectSuite(crypto: CryptoProvider): VectorResult[] {
  const v = connectVectors;
  const chain = unhex(v.chainId);
  const device = unhex(v.deviceId);
  return [
    runVector('connect', 'digest', () => expectEqual(hex(connectDigest(crypto, chain, device, v.timeMs)), v.digest, 'connect digest')),
    ...v.cases.map((c) =>
      runVector('connect', c.name, () => {
        let outcome: { ok: number } | { error: number };
        try {
          outcome = { ok: openConnectToken(crypto, chain, device, unhex(v.publicKey), c.password) };
        } catch (error) {
          outcome = { error: (error as { code: number }).code };
        }
        expectEqual(JSON.stringify(outcome), JSON.stringify(c.expect), 'outcome');
      }),
    ),
  ];
}

/** GOVERN admission and the sets each block names (§5.8.2, §6.3.2), approval digest, cut markers (§6.8), votes (§6.9). */
function governSuite(crypto: CryptoProvider): VectorResult[] {
  const v = governVectors;
  const genesis = decodeGenesis(unhex(v.genesis));
  const chainId = chainIdOf(crypto, genesis);
  const state = LedgerState.fromGenesis(crypto, genesis);
  const results: VectorResult[] = v.steps.map((step, i) => runVector('govern', step.what, () => {
    const tx = decodeTx(unhex(step.wire));
    const key = signingKey(state, tx);
    let code: number = key.ok ? 0 : key.code;
    if (key.ok) {
      const signed = verifyTxSignature(crypto, chainId, tx, key.value);
      if (!signed.ok) throw new Error(`signature refused: ${signed.reason}`);
      const verdict = admitTx(crypto, state, tx, v.now);
      code = verdict.ok ? 0 : verdict.code;
      if (verdict.ok) applyTx(crypto, state, tx, step.height);
    }
    expectEqual(code, step.expect, 'admission code');
    const next = v.steps[i + 1];
    if (!next || next.height !== step.height) {
      const block = v.blocks.find((b) => b.height === step.height)!;
      expectEqual(hex(state.root(crypto)), block.stateRoot, `state root at height ${step.height}`);
      expectEqual(hex(validatorSetHash(crypto, state.validators()!)), block.validatorsHash, `validatorsHash of block ${step.height}`);
      expectEqual(hex(validatorSetHash(crypto, state.nextValidators()!)), block.nextValidatorsHash, `nextValidatorsHash of block ${step.height}`);
      expectEqual(hex(encodeValidatorSet(state.nextValidators()!)), block.nextValidators, `next set of block ${step.height}`);
      state.endBlock();
    }
  }));
  const lightOptions = makeTrustOptions(v.light.options);
  for (const c of v.light.cases) results.push(lightCase(crypto, 'govern-light', c, lightOptions));
  results.push(runVector('govern', 'REKEY proposal bytes', () => {
    const proposal = parseProposal(decodeCbor(unhex(v.rekeyProposal.cbor), TX_LIMITS));
    expectEqual(hex(encodeCbor(proposalToCbor(proposal))), v.rekeyProposal.cbor, 're-encoding');
  }));
  results.push(runVector('govern', 'approval digest', () => {
    const a = v.approval;
    const proposal = parseProposal(decodeCbor(unhex(a.proposal), TX_LIMITS));
    expectEqual(hex(approvalDigest(crypto, unhex(a.chainId), unhex(a.validatorsHash), proposal)), a.digest, 'approval digest');
  }));
  const cutSet = decodeValidatorSet(unhex(v.cut.validators));
  const cutChain = unhex(v.cut.chainId);
  results.push(runVector('cut', 'digest', () => expectEqual(hex(cutDigest(crypto, cutChain, v.cut.height)), v.cut.digest, 'cut digest')));
  for (const c of v.cut.cases) {
    results.push(runVector('cut', c.name, () => expectOutcome(() => verifyCut(crypto, cutChain, cutSet, decodeCut(unhex(c.cut))), c.expect as Expect)));
  }
  const voteSet = decodeValidatorSet(unhex(v.vote.validators));
  const expected = { height: v.vote.height, headerHash: unhex(v.vote.headerHash) };
  for (const c of v.vote.cases) {
    results.push(runVector('vote', c.name, () => expectOutcome(() => verifyVote(crypto, voteSet, expected, decodeVote(unhex(c.vote))), c.expect as Expect)));
  }
  results.push(runVector('vote', 'votes assemble into the commit', () => {
    const votes = v.vote.votes.map((w) => decodeVote(unhex(w)));
    for (const vote of votes) if (!verifyVote(crypto, voteSet, expected, vote).ok) throw new Error('a vote does not verify');
    expectEqual(hex(encodeCbor(commitToCbor(commitFromVotes(expected.height, expected.headerHash, votes)))), v.vote.commit, 'commit');
  }));
  return results;
}

/** All suites; `crypto` is the provider under test (noble by default, native ones must match). */
/** A public chain: its genesis (7 fields), proofs of work, a self-enrolling CONNECT token, and transactions with block cuts. */
function publicSuite(crypto: CryptoProvider): VectorResult[] {
  const v = publicVectors;
  const genesis = decodeGenesis(unhex(v.genesis));
  const chainId = chainIdOf(crypto, genesis);
  const results: VectorResult[] = [runVector('public', 'public genesis: 7th field, chain id and hash', () => {
    expectEqual(equalBytes(encodeGenesis(genesis), unhex(v.genesis)), true, 'canonical genesis');
    expectEqual(genesis.permission, 2, 'permission PUBLIC');
    expectEqual(JSON.stringify(genesis.publicLimits), JSON.stringify(v.publicLimits), 'public limits');
    expectEqual(hex(chainId), v.chainId, 'chain id');
    expectEqual(hex(genesisHash(crypto, genesis)), v.genesisHash, 'genesis hash');
  })];
  for (const c of v.pow) {
    results.push(runVector('public', `proof of work: ${c.what}`, () => {
      expectEqual(hex(encodeCbor([chainId, unhex(c.key), unhex(c.nonce)])), c.preimage, 'preimage');
      const digest = powDigest(crypto, chainId, unhex(c.key), unhex(c.nonce));
      expectEqual(hex(digest), c.digest, 'digest');
      expectEqual(leadingZeroBits(digest), c.leadingZeroBits, 'leading zero bits');
      expectEqual(checkPow(crypto, chainId, unhex(c.key), unhex(c.nonce), c.powBits), c.ok, 'verdict');
    }));
  }
  results.push(runVector('public', 'self-enrolling CONNECT token', () => {
    const opened = openSelfEnrollConnectToken(crypto, chainId, unhex(v.connect.deviceId), v.connect.password, v.connect.powBits);
    expectEqual(opened.timeMs, v.connect.timeMs, 'time');
    expectEqual(hex(opened.publicKey), v.connect.publicKey, 'key');
  }));
  const state = LedgerState.fromGenesis(crypto, genesis);
  for (const step of v.steps) {
    if ('cut' in step) {
      results.push(runVector('public', `block ${step.height} cut`, () => {
        expectEqual(hex(state.root(crypto)), step.stateRoot, 'state root');
        restartBlockQuotas(state, []);
      }));
      continue;
    }
    results.push(runVector('public', step.what!, () => {
      const tx = decodeTx(unhex(step.wire!));
      const key = signingKey(state, tx);
      let code: number = key.ok ? 0 : key.code;
      if (key.ok && !verifyTxSignature(crypto, chainId, tx, key.value).ok) code = 200;
      if (code === 0) {
        const verdict = admitTx(crypto, state, tx, v.now);
        code = verdict.ok ? 0 : verdict.code;
        if (verdict.ok) applyTx(crypto, state, tx, step.height);
      }
      expectEqual(code, step.expect, 'code');
    }));
  }
  results.push(runVector('public', 'a self-enrolment on a private chain', () => {
    const privateGenesis = decodeGenesis(unhex(v.onPrivateChain.genesis));
    const privateState = LedgerState.fromGenesis(crypto, privateGenesis);
    const tx = decodeTx(unhex(v.onPrivateChain.wire));
    const key = signingKey(privateState, tx);
    expectEqual(key.ok ? 0 : key.code, v.onPrivateChain.signingKey, 'sender key lookup');
    const verdict = admitTx(crypto, privateState, tx, v.now);
    expectEqual(verdict.ok ? 0 : verdict.code, v.onPrivateChain.expect, 'admission');
  }));
  return results;
}

export function runAllVectorSuites(crypto: CryptoProvider): VectorResult[] {
  return [...cborSuite(), ...txSuite(crypto), ...merkleSuite(crypto), ...lightSuite(crypto), ...checkpointSuite(crypto), ...genesisSuite(crypto), ...stateSuite(crypto), ...messageSuite(crypto), ...pastHeaderSuite(crypto), ...connectSuite(crypto), ...publicSuite(crypto), ...governSuite(crypto), ...schnorrSuite(crypto), ...sparseMerkleSuite(crypto), ...democracySuite(crypto), ...useCaseSuite(crypto), ...stateProofSuite(crypto), ...deployedSuite(crypto)];
}
