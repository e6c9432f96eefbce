// The transport-credits contract (core layer, contracts), after the ITU-T draft's use case II.3,
// intelligent transport data exchange with incentives: producers (vehicles and roadside units:
// device and gateway accounts) publish observations (a hash of the data kept off the ledger and a
// kind) and earn PUBLISH_REWARD credits each; consumers buy an observation, paying its price to its
// producer; anyone transfers credits; the operator or a validator (a consortium member) mints
// them. Balances are entries a producer's device checks with a state proof
// (src/light/verify-balance.ts). docs/protocol.md §13.2 gives the layout byte for byte.
//
// INVOKE [5, method, args]; admission after the checks every transaction passes:
//
//   BAD_ARGS              arguments of the wrong number, type or range; a balance that would pass
//                         MAX_BALANCE; a transfer to oneself
//   NOT_PERMITTED         MINT by a device or gateway; PUBLISH by the operator or a validator; BUY
//                         of one's own observation
//   UNKNOWN_ACCOUNT       MINT or TRANSFER to an account that does not exist or is revoked
//   OBSERVATION_EXISTS    PUBLISH of a hash published already; BUY of one bought already
//   UNKNOWN_OBSERVATION   BUY of a hash never published
//   INSUFFICIENT_CREDITS  BUY or TRANSFER over the sender's balance

import type { CborValue } from '../../codec/cbor.js';
import { decodeCbor, encodeCbor } from '../../codec/cbor.js';
import { equalBytes } from '../../codec/bytes.js';
import { SMALL_LIMITS } from '../../codec/limits.js';
import { arrayOf, bytes, uint } from '../../codec/shape.js';
import { SHA256_BYTES } from '../../crypto/crypto-port.js';
import { BotError, type Result, fail, ok } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { ID_BYTES } from '../../tx/identity.js';
import { type ContractCall, ContractId, type ContractStore, defineContract } from '../contract.js';
import { activeAccount, argCount, bytesArg, entryKey, invokeArgs, uintArg } from '../contract-args.js';
import { isDevice } from '../device-registry/device-registry.js';
import { AccountRole } from '../ledger-state.js';

export const TransportMethod = Object.freeze({ MINT: 0, PUBLISH: 1, BUY: 2, TRANSFER: 3 } as const);
export type TransportMethod = (typeof TransportMethod)[keyof typeof TransportMethod];

export const TransportQuery = Object.freeze({ BALANCE: 0, OBSERVATION: 1, ACCESS: 2 } as const);

/** Credits a producer earns per accepted observation. */
export const PUBLISH_REWARD = 1;
/** No balance passes this (2^48 − 1): sums of two stay exact integers on every engine. */
export const MAX_BALANCE = 0xffff_ffff_ffff;
/** Highest price of one observation. */
export const MAX_PRICE = 0xffff_ffff;
/** Observation kinds are 16-bit (the application's own table: a traffic count, an incident, a road-surface report…). */
export const MAX_OBSERVATION_KIND = 0xffff;

/** `obs/<hash>` → CBOR [producer, kind, height, price]. */
export interface Observation {
  readonly producer: Uint8Array;
  readonly kind: number;
  readonly height: number;
  readonly price: number;
}

export const balanceKey = (accountId: Uint8Array): Uint8Array => entryKey('balance/', accountId);
export const observationKey = (hash: Uint8Array): Uint8Array => entryKey('obs/', hash);
export const accessKey = (hash: Uint8Array, buyer: Uint8Array): Uint8Array => entryKey('access/', hash, buyer);

/** A balance entry: CBOR uint, 1..MAX_BALANCE (a zero balance is no entry). */
export function encodeBalance(balance: number): Uint8Array {
  return encodeCbor(balance);
}

/** Decodes a balance entry (untrusted bytes). Throws BotError: BAD_SHAPE for 0 or over MAX_BALANCE, which no entry holds. */
export function decodeBalance(value: Uint8Array): number {
  const balance = uint(decodeCbor(value, SMALL_LIMITS), 'balance');
  if (balance === 0 || balance > MAX_BALANCE) throw new BotError(ErrorCode.BAD_SHAPE, 'balance entry must be 1..MAX_BALANCE');
  return balance;
}

export function encodeObservation(o: Observation): Uint8Array {
  return encodeCbor([o.producer, o.kind, o.height, o.price]);
}

export function decodeObservation(value: Uint8Array): Observation {
  const [producer, kind, height, price] = arrayOf(decodeCbor(value, SMALL_LIMITS), 4, 'observation');
  return Object.freeze({ producer: bytes(producer, ID_BYTES, 'producer'), kind: uint(kind, 'kind'), height: uint(height, 'height'), price: uint(price, 'price') });
}

// INVOKE bodies' argument lists (tx/bodies.ts invokeBody wraps them).
export const mintArgs = (to: Uint8Array, amount: number): CborValue[] => [to, amount];
export const publishArgs = (hash: Uint8Array, kind: number, price: number): CborValue[] => [hash, kind, price];
export const buyArgs = (hash: Uint8Array): CborValue[] => [hash];
export const transferArgs = (to: Uint8Array, amount: number): CborValue[] => [to, amount];

export function readBalance(store: ContractStore, accountId: Uint8Array): number {
  const value = store.get(balanceKey(accountId));
  return value ? decodeBalance(value) : 0;
}

function writeBalance(store: ContractStore, accountId: Uint8Array, balance: number): void {
  if (balance === 0) store.delete(balanceKey(accountId));
  else store.set(balanceKey(accountId), encodeBalance(balance));
}

/** The writes a call makes, as (account, new balance) and entries, once admitted. */
interface Planned {
  readonly balances: readonly (readonly [Uint8Array, number])[];
  readonly entries: readonly (readonly [Uint8Array, Uint8Array])[];
}

function plan({ state, store, tx, height }: ContractCall): Result<Planned> {
  const { method, args } = invokeArgs(tx);
  const sender = state.account(tx.sender)!;
  const senderBalance = readBalance(store, tx.sender);
  switch (method) {
    case TransportMethod.MINT:
    case TransportMethod.TRANSFER: {
      const counted = argCount(args, 2, method === TransportMethod.MINT ? 'MINT' : 'TRANSFER');
      if (!counted.ok) return counted;
      const to = bytesArg(args[0], ID_BYTES, ID_BYTES, 'recipient');
      if (!to.ok) return to;
      const amount = uintArg(args[1], 1, MAX_BALANCE, 'amount');
      if (!amount.ok) return amount;
      if (method === TransportMethod.MINT && sender.role !== AccountRole.OPERATOR && sender.role !== AccountRole.VALIDATOR) return fail(ErrorCode.NOT_PERMITTED, 'only the operator or a validator mints');
      if (!activeAccount(state, to.value)) return fail(ErrorCode.UNKNOWN_ACCOUNT, 'no active account with that id');
      const toBalance = readBalance(store, to.value);
      if (method === TransportMethod.MINT) {
        if (toBalance + amount.value > MAX_BALANCE) return fail(ErrorCode.BAD_ARGS, 'the balance would pass MAX_BALANCE');
        return ok({ balances: [[to.value, toBalance + amount.value]], entries: [] });
      }
      if (equalBytes(to.value, tx.sender)) return fail(ErrorCode.BAD_ARGS, 'a transfer to oneself');
      if (senderBalance < amount.value) return fail(ErrorCode.INSUFFICIENT_CREDITS, `balance ${senderBalance}, transfer ${amount.value}`);
      if (toBalance + amount.value > MAX_BALANCE) return fail(ErrorCode.BAD_ARGS, 'the balance would pass MAX_BALANCE');
      return ok({ balances: [[tx.sender, senderBalance - amount.value], [to.value, toBalance + amount.value]], entries: [] });
    }
    case TransportMethod.PUBLISH: {
      const counted = argCount(args, 3, 'PUBLISH');
      if (!counted.ok) return counted;
      const hash = bytesArg(args[0], SHA256_BYTES, SHA256_BYTES, 'observation hash');
      if (!hash.ok) return hash;
      const kind = uintArg(args[1], 0, MAX_OBSERVATION_KIND, 'kind');
      if (!kind.ok) return kind;
      const price = uintArg(args[2], 0, MAX_PRICE, 'price');
      if (!price.ok) return price;
      if (!isDevice(sender)) return fail(ErrorCode.NOT_PERMITTED, 'only devices and gateways publish');
      if (store.get(observationKey(hash.value))) return fail(ErrorCode.OBSERVATION_EXISTS, 'published already');
      const observation = encodeObservation({ producer: tx.sender, kind: kind.value, height, price: price.value });
      // The reward saturates: a balance never passes MAX_BALANCE, and publishing is never refused for it.
      return ok({ balances: [[tx.sender, Math.min(MAX_BALANCE, senderBalance + PUBLISH_REWARD)]], entries: [[observationKey(hash.value), observation]] });
    }
    case TransportMethod.BUY: {
      const counted = argCount(args, 1, 'BUY');
      if (!counted.ok) return counted;
      const hash = bytesArg(args[0], SHA256_BYTES, SHA256_BYTES, 'observation hash');
      if (!hash.ok) return hash;
      const stored = store.get(observationKey(hash.value));
      if (!stored) return fail(ErrorCode.UNKNOWN_OBSERVATION, 'no observation with that hash');
      const observation = decodeObservation(stored);
      if (equalBytes(observation.producer, tx.sender)) return fail(ErrorCode.NOT_PERMITTED, 'a producer does not buy its own observation');
      if (store.get(accessKey(hash.value, tx.sender))) return fail(ErrorCode.OBSERVATION_EXISTS, 'bought already');
      if (senderBalance < observation.price) return fail(ErrorCode.INSUFFICIENT_CREDITS, `balance ${senderBalance}, price ${observation.price}`);
      const producerBalance = readBalance(store, observation.producer);
      // The producer's balance saturates (§13.2), as the reward does: a BUY is never refused for it.
      const paid = Math.min(MAX_BALANCE, producerBalance + observation.price);
      return ok({ balances: [[tx.sender, senderBalance - observation.price], [observation.producer, paid]], entries: [[accessKey(hash.value, tx.sender), encodeCbor(height)]] });
    }
    default:
      return fail(ErrorCode.BAD_ARGS, `no method ${method}`);
  }
}

export const transportCredits = defineContract({
  id: ContractId.TRANSPORT_CREDITS,
  name: 'transport-credits',
  kinds: Object.freeze([]),
  methods: Object.freeze({
    [TransportMethod.MINT]: 'mint',
    [TransportMethod.PUBLISH]: 'publish',
    [TransportMethod.BUY]: 'buy',
    [TransportMethod.TRANSFER]: 'transfer',
  }),
  queries: Object.freeze({ [TransportQuery.BALANCE]: 'balance', [TransportQuery.OBSERVATION]: 'observation', [TransportQuery.ACCESS]: 'access' }),
  admit(call) {
    const planned = plan(call);
    return planned.ok ? ok(undefined) : planned;
  },
  apply(call) {
    const planned = plan(call);
    if (!planned.ok) throw new Error(`transport-credits apply: not admitted (${planned.reason})`);
    for (const [account, balance] of planned.value.balances) writeBalance(call.store, account, balance);
    for (const [key, value] of planned.value.entries) call.store.set(key, value);
  },
  query({ store, method, args }) {
    const first = args[0];
    if (method === TransportQuery.BALANCE && args.length === 1 && first instanceof Uint8Array && first.length === ID_BYTES) return ok(store.get(balanceKey(first)));
    if (method === TransportQuery.OBSERVATION && args.length === 1 && first instanceof Uint8Array && first.length === SHA256_BYTES) return ok(store.get(observationKey(first)));
    const buyer = args[1];
    if (method === TransportQuery.ACCESS && args.length === 2 && first instanceof Uint8Array && first.length === SHA256_BYTES && buyer instanceof Uint8Array && buyer.length === ID_BYTES) {
      return ok(store.get(accessKey(first, buyer)));
    }
    return fail(ErrorCode.BAD_REQUEST, 'transport-credits query: BALANCE [id], OBSERVATION [hash] or ACCESS [hash, buyer]');
  },
});
