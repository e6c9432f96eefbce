// Every shared vector, run against one crypto provider (test layer, platform-neutral).
// Called by ava on Node and by test/xs/vectors-entry.ts under XS.

import cborVectors from '../vectors/cbor.json' with { type: 'json' };
import checkpointVectors from '../vectors/checkpoint.json' with { type: 'json' };
import connectVectors from '../vectors/connect.json' with { type: 'json' };
import genesisVectors from '../vectors/genesis.json' with { type: 'json' };
import lightVectors from '../vectors/light.json' with { type: 'json' };
import merkleVectors from '../vectors/merkle.json' with { type: 'json' };
import txVectors from '../vectors/tx.json' with { type: 'json' };
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { equalBytes } from '../../src/codec/bytes.js';
import { HEADER_LIMITS, SMALL_LIMITS, TX_LIMITS } from '../../src/codec/limits.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { decodeCheckpoint } from '../../src/chain/checkpoint.js';
import { decodeLightBlock } from '../../src/chain/commit.js';
import { chainIdOf, decodeGenesis, encodeGenesis, genesisHash } from '../../src/chain/genesis.js';
import { decodeHeader } from '../../src/chain/header.js';
import { makeTrustOptions } from '../../src/light/trust.js';
import { verifyTxInclusion } from '../../src/light/verify-inclusion.js';
import { verifyCheckpoint } from '../../src/light/verify-checkpoint.js';
import { applyHeader, verifyHeader } from '../../src/light/verify-header.js';
import { inclusionProofs, merkleRoot } from '../../src/merkle/merkle.js';
import { decodeProof, verifyInclusion } from '../../src/merkle/proof.js';
import { connectDigest, openConnectToken } from '../../src/mqtt/connect-auth.js';
import { decodeTx, encodeTx, signTx, txId, txSigningDigest, verifyTxSignature } from '../../src/tx/tx.js';
import type { TxKind } from '../../src/tx/kinds.js';
import { type Expect, hex, trustedFromJson, unhex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, expectOutcome, runVector } from './check.js';

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

function lightSuite(crypto: CryptoProvider): VectorResult[] {
  const options = makeTrustOptions(lightVectors.options);
  const cases = lightVectors.cases.map((v) =>
    runVector('light', v.name, () => {
      const trusted = trustedFromJson(v.trusted);
      expectOutcome(() => verifyHeader(crypto, trusted, decodeLightBlock(unhex(v.block)), v.now, options), v.expect as Expect, (verified) => {
        const next = applyHeader(trusted, verified);
        const want = v.expect as { height: number; headerHash: string; nextValidatorsHash: string };
        expectEqual(next.height, want.height, 'trusted height');
        expectEqual(hex(next.headerHash), want.headerHash, 'trusted hash');
        expectEqual(hex(next.nextValidatorsHash), want.nextValidatorsHash, 'next validators');
      });
    }),
  );
  const decoding = lightVectors.decoding.map((v) =>
    runVector('light-decode', v.name, () => expectOutcome(() => decodeLightBlock(unhex(v.hex)), v.expect as Expect)),
  );
  return [...cases, ...decoding];
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

/** All suites; `crypto` is the provider under test (noble by default, native ones must match). */
export function runAllVectorSuites(crypto: CryptoProvider): VectorResult[] {
  return [...cborSuite(), ...txSuite(crypto), ...merkleSuite(crypto), ...lightSuite(crypto), ...checkpointSuite(crypto), ...genesisSuite(crypto), ...connectSuite(crypto)];
}
