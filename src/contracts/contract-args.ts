// INVOKE argument readers for the built-in use-case contracts (core layer, contracts): each
// returns the value or a BAD_ARGS Result naming the field, so a contract's admit reads its
// arguments one line each and never throws on a device's bad input.

import type { CborValue } from '../codec/cbor.js';
import { concatBytes } from '../codec/bytes.js';
import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { SignedTx } from '../tx/tx.js';
import { type Account, AccountStatus, type LedgerState } from './ledger-state.js';

/** The INVOKE body's method and arguments (the body's shape was checked at decoding, §5.6). */
export function invokeArgs(tx: SignedTx): { readonly method: number; readonly args: readonly CborValue[] } {
  const body = tx.body as readonly CborValue[];
  return { method: body[1] as number, args: body[2] as readonly CborValue[] };
}

/** Exactly `count` arguments. */
export function argCount(args: readonly CborValue[], count: number, what: string): Result<undefined> {
  return args.length === count ? ok(undefined) : fail(ErrorCode.BAD_ARGS, `${what} takes ${count} arguments`);
}

/** A byte string of `min`..`max` bytes. */
export function bytesArg(value: CborValue | undefined, min: number, max: number, what: string): Result<Uint8Array> {
  if (!(value instanceof Uint8Array) || value.length < min || value.length > max) {
    return fail(ErrorCode.BAD_ARGS, min === max ? `${what} must be ${min} bytes` : `${what} must be ${min}..${max} bytes`);
  }
  return ok(value);
}

/** An unsigned integer in `min`..`max`. */
export function uintArg(value: CborValue | undefined, min: number, max: number, what: string): Result<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return fail(ErrorCode.BAD_ARGS, `${what} must be an integer in ${min}..${max}`);
  return ok(value);
}

/** The account `id` if it is active (not revoked); undefined otherwise. */
export function activeAccount(state: LedgerState, id: Uint8Array): Account | undefined {
  const account = state.account(id);
  return account && account.status === AccountStatus.ACTIVE ? account : undefined;
}

/** A store key: an ASCII prefix, then parts (the prefixes are the layout of docs/protocol.md §13). */
export function entryKey(prefix: string, ...parts: Uint8Array[]): Uint8Array {
  const head = new Uint8Array(prefix.length);
  for (let i = 0; i < prefix.length; i++) head[i] = prefix.charCodeAt(i);
  return concatBytes(head, ...parts);
}

/** `n` as 4 bytes, big-endian (a step number in a key: keys of one item sort by step). */
export function uint32Bytes(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
