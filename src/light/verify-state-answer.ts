// A contract-state answer on a light peer (core layer, light): "key K of namespace N holds V" or
// "holds nothing", checked against the stateRoot of a header the verifier verified itself
// (docs/protocol.md §6.3.1, §6.3.3, §9.4 STATE_PROOF). Pure: the same function serves the light
// peer's proveState, the supply-chain custody and the credits balance checks, and any other
// verifier holding a verified header. Checks, cheap ones first:
//
//   1. BAD_SHAPE          namespace over 32 bytes or key over 64 (no such entry exists).
//   2. UNVERIFIED_HEADER  the answer is at another height than the verified header given.
//   3. BAD_SHAPE          a value that is not a byte string.
//   4. PROOF_SHAPE / BAD_PROOF  verifyStateProof against the header's stateRoot: a forged value,
//                         a proof for another key, a membership proof offered as absence (or the
//                         reverse), a proof against another root.

import type { Header } from '../chain/header.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { StateProof } from '../merkle/sparse-merkle-proof.js';
import { verifyStateProof } from '../merkle/sparse-merkle-proof.js';

/** A contract namespace is at most this long (a system contract's is 2 bytes, a deployed one's a 32-byte hash). */
export const MAX_STATE_NAMESPACE_BYTES = 32;
/** A state key is at most this long. */
export const MAX_STATE_KEY_BYTES = 64;

/** What a gateway claims (mqtt/state-answer.ts decodes it from a STATE_PROOF response). */
export interface StateProofAnswer {
  /** The block whose header's stateRoot the proof is against. */
  readonly height: number;
  /** Undefined: the gateway says the key holds nothing. */
  readonly value: Uint8Array | undefined;
  readonly proof: StateProof;
}

/** What a verified answer establishes. */
export interface StateFact {
  readonly present: boolean;
  /** The value, when present. */
  readonly value: Uint8Array | undefined;
  /** The height of the verified header the fact holds at. */
  readonly height: number;
}

export function checkStateAddress(namespace: Uint8Array, key: Uint8Array): Result<undefined> {
  if (!(namespace instanceof Uint8Array) || namespace.length > MAX_STATE_NAMESPACE_BYTES) return fail(ErrorCode.BAD_SHAPE, `namespace must be a byte string of at most ${MAX_STATE_NAMESPACE_BYTES} bytes`);
  if (!(key instanceof Uint8Array) || key.length > MAX_STATE_KEY_BYTES) return fail(ErrorCode.BAD_SHAPE, `key must be a byte string of at most ${MAX_STATE_KEY_BYTES} bytes`);
  return ok(undefined);
}

/**
 * Checks `answer` for key `key` of `namespace` against `header`, which the caller verified itself
 * (verifyHeader, verifyPastHeader, a checkpoint). Returns the fact, or the code of the first check
 * that failed (the list above). Never throws for any input.
 */
export function verifyStateAnswer(
  crypto: CryptoProvider,
  header: Header,
  namespace: Uint8Array,
  key: Uint8Array,
  answer: StateProofAnswer,
): Result<StateFact> {
  const address = checkStateAddress(namespace, key);
  if (!address.ok) return address;
  if (typeof answer !== 'object' || answer === null) return fail(ErrorCode.BAD_SHAPE, 'not an answer');
  if (answer.height !== header.height) return fail(ErrorCode.UNVERIFIED_HEADER, `answer at height ${String(answer.height)}, verified header at ${header.height}`);
  const { value } = answer;
  if (value !== undefined && !(value instanceof Uint8Array)) return fail(ErrorCode.BAD_SHAPE, 'value must be a byte string');
  const checked = verifyStateProof(crypto, header.stateRoot, namespace, key, value, answer.proof);
  if (!checked.ok) return checked;
  return ok(Object.freeze({ present: value !== undefined, value, height: header.height }));
}
