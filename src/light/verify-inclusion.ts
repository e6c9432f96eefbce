// Finality of a transaction on a light peer (core layer): its inclusion proof
// must check against a header the peer verified itself. Checks in order:
//
//   1. PROOF_SHAPE  the proof's tree size is not the header's txCount. The root alone
//                   does not bind the size: a path for leaf 3 of 7 also checks as
//                   leaf 3 of 8 against the same root, so the header's count must.
//   2. PROOF_SHAPE / BAD_PROOF  verifyInclusion against the header's txRoot.

import { type Result, fail } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { Header } from '../chain/header.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { verifyInclusion } from '../merkle/proof.js';

export function verifyTxInclusion(crypto: CryptoProvider, header: Header, txId: Uint8Array, proof: InclusionProof): Result<undefined> {
  if (proof.size !== header.txCount) return fail(ErrorCode.PROOF_SHAPE, `proof for ${proof.size} leaves, block has ${header.txCount}`);
  return verifyInclusion(crypto, txId, proof, header.txRoot);
}
