// Finding a transaction's contract (core layer, contracts): by kind for the system contracts'
// own kinds, by the INVOKE body's contract id otherwise. A linear scan: a chain has a handful
// of contracts, and no module-level table (a preloaded module is read-only on a device).

import type { CborValue } from '../codec/cbor.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { type Result, fail } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { TxKind } from '../tx/kinds.js';
import type { SignedTx } from '../tx/tx.js';
import { type Contract, contractNamespace } from './contract.js';
import type { LedgerState } from './ledger-state.js';
import { CONTRACTS } from './registered.js';

export function contractById(id: number): Contract | undefined {
  return CONTRACTS.find((c) => c.id === id);
}

/** The contract that owns `tx`: INVOKE's by its body's id, any other kind's by the kind. */
export function contractOf(tx: SignedTx): Contract | undefined {
  if (tx.kind === TxKind.INVOKE) return contractById((tx.body as readonly unknown[])[0] as number);
  return CONTRACTS.find((c) => c.kinds.includes(tx.kind));
}

/** Answers query `method` of contract `id` on `state`: BAD_REQUEST for an unknown contract or method. */
export function queryContract(crypto: CryptoProvider, state: LedgerState, id: number, method: number, args: readonly CborValue[]): Result<CborValue | undefined> {
  const contract = contractById(id);
  if (!contract) return fail(ErrorCode.BAD_REQUEST, `no contract ${id}`);
  if (!(method in contract.queries)) return fail(ErrorCode.BAD_REQUEST, `contract ${contract.name} has no query ${method}`);
  return contract.query({ crypto, state, store: state.storeOf(contractNamespace(id)), method, args });
}
