// Approvals of a validator-set change (core layer, tx): what each member of the current set
// signs for a GOVERN transaction (docs/protocol.md §5.8.2). The digest binds the chain, the
// exact set the approvals are counted in (by its hash) and the proposal, so an approval is
// void on another chain, and once the set has changed, and for any other proposal.
//
// approval digest = H_GOVERN(CBOR([chainId, validatorsHash(current set), proposal]))

import { encodeCbor } from '../codec/cbor.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { SHA256_BYTES } from '../crypto/crypto-port.js';
import { DomainTag } from '../crypto/domain.js';
import { taggedHash } from '../crypto/hash.js';
import { type Approval, type Proposal, proposalToCbor } from './bodies.js';
import { CHAIN_ID_BYTES } from './tx.js';

/** The digest each approving member signs; `validatorsHash` is the hash of the set the approvals are counted in (§6.1). */
export function approvalDigest(crypto: CryptoProvider, chainId: Uint8Array, validatorsHash: Uint8Array, proposal: Proposal): Uint8Array {
  if (chainId.length !== CHAIN_ID_BYTES) throw new BotError(ErrorCode.WRONG_CHAIN, 'chain id must be 8 bytes');
  if (validatorsHash.length !== SHA256_BYTES) throw new BotError(ErrorCode.BAD_SHAPE, 'validators hash must be 32 bytes');
  return taggedHash(crypto, DomainTag.GOVERN, encodeCbor([chainId, validatorsHash, proposalToCbor(proposal)]));
}

/** Approvals of `proposal` by the given members (each with its index in the current set), ascending by index. */
export function signApprovals(
  crypto: CryptoProvider,
  chainId: Uint8Array,
  validatorsHash: Uint8Array,
  proposal: Proposal,
  signers: readonly { readonly index: number; readonly privateKey: Uint8Array }[],
): Approval[] {
  const digest = approvalDigest(crypto, chainId, validatorsHash, proposal);
  return [...signers]
    .sort((a, b) => a.index - b.index)
    .map(({ index, privateKey }) => Object.freeze({ index, signature: crypto.sign(digest, privateKey) }));
}
