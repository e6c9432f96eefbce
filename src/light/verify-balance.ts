// A producer's own credit balance, checked on the device (core layer, light): use case II.3
// (docs/protocol.md §13.2.3). The device asks a gateway for its balance entry (request method 7
// STATE_PROOF [namespace, key] → height, value, proof) and believes it only against a header it
// verified itself. A pure function of (header, account id, answer); checks in order:
//
//   1. BAD_SHAPE          not an answer (the caller decoded something else)
//   2. UNVERIFIED_HEADER  the answer's height is not the verified header's
//   3. BAD_SHAPE / 1xx    a value that is not a byte string holding a canonical CBOR uint in
//                         1..MAX_BALANCE (no entry holds 0: a zero balance is no entry, proven
//                         by non-membership)
//   4. PROOF_SHAPE / BAD_PROOF  the state proof of `balance/<id>` under the contract's namespace
//                         against the header's stateRoot (§6.3.3): membership of that value,
//                         or non-membership (balance 0) when the value is absent

import { type Result, attempt, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { Header } from '../chain/header.js';
import type { StateProof } from '../merkle/sparse-merkle-proof.js';
import { verifyStateProof } from '../merkle/sparse-merkle-proof.js';
import { ContractId, contractNamespace } from '../contracts/contract.js';
import { balanceKey, decodeBalance } from '../contracts/transport-credits/transport-credits.js';

/** What a gateway answers for a state entry: the height of the state, the value (undefined: none) and its proof. */
export interface StateEntryAnswer {
  readonly height: number;
  readonly value: Uint8Array | undefined;
  /** Decoded, or its wire bytes (§6.3.3). */
  readonly proof: StateProof | Uint8Array;
}

export interface VerifiedBalance {
  readonly balance: number;
  /** The height of the state it is proven at. */
  readonly height: number;
}

export function verifyBalance(crypto: CryptoProvider, header: Header, accountId: Uint8Array, answer: StateEntryAnswer): Result<VerifiedBalance> {
  if (typeof answer !== 'object' || answer === null) return fail(ErrorCode.BAD_SHAPE, 'not an answer');
  if (answer.height !== header.height) return fail(ErrorCode.UNVERIFIED_HEADER, `answer at height ${answer.height}, verified header at ${header.height}`);
  let balance = 0;
  if (answer.value !== undefined) {
    if (!(answer.value instanceof Uint8Array)) return fail(ErrorCode.BAD_SHAPE, 'value must be a byte string');
    const decoded = attempt(() => decodeBalance(answer.value!));
    if (!decoded.ok) return decoded;
    balance = decoded.value;
  }
  const proven = verifyStateProof(crypto, header.stateRoot, contractNamespace(ContractId.TRANSPORT_CREDITS), balanceKey(accountId), answer.value, answer.proof);
  if (!proven.ok) return proven;
  return ok(Object.freeze({ balance, height: header.height }));
}
