// The supply-chain contract (core layer, contracts), after the ITU-T draft's use case II.1:
// items, their custody passed from holder to holder by the holder's own signature, and the
// devices that travel with an item (their READINGS are the item's sensor record). Every change
// appends a step, so a verifier can be shown each step's entry with a state proof, and the
// readings of each leg (the heights between two steps) with inclusion proofs
// (src/light/verify-provenance.ts). docs/protocol.md §13.1 gives the layout byte for byte.
//
// INVOKE [4, method, args]; admission after the checks every transaction passes, in this order:
//
//   BAD_ARGS         arguments of the wrong number, type or size (every argument, before any state)
//   ITEM_EXISTS      REGISTER_ITEM of an id already registered
//   BAD_TRAVELLER    REGISTER_ITEM naming a device that is not an active device or gateway
//                    account, or one twice
//   UNKNOWN_ITEM     any other method on an id never registered
//   NOT_HOLDER       TRANSFER_CUSTODY, ATTACH, DETACH by anyone but the current holder
//   BAD_ARGS         TRANSFER_CUSTODY to the holder itself
//   UNKNOWN_ACCOUNT  TRANSFER_CUSTODY to an account that does not exist or is revoked
//   BAD_TRAVELLER    ATTACH of a device that is not active, attached already, or a ninth;
//                    DETACH of one not attached

import type { CborValue } from '../../codec/cbor.js';
import { decodeCbor, encodeCbor } from '../../codec/cbor.js';
import { equalBytes } from '../../codec/bytes.js';
import { SMALL_LIMITS } from '../../codec/limits.js';
import { arrayOf, bytes, listOf, uint } from '../../codec/shape.js';
import { BotError, type Result, fail, ok } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { ID_BYTES } from '../../tx/identity.js';
import { ContractId, type ContractStore, defineContract } from '../contract.js';
import { activeAccount, argCount, bytesArg, entryKey, invokeArgs, uint32Bytes } from '../contract-args.js';
import { isDevice } from '../device-registry/device-registry.js';
import type { LedgerState } from '../ledger-state.js';

export const SupplyChainMethod = Object.freeze({ REGISTER_ITEM: 0, TRANSFER_CUSTODY: 1, ATTACH: 2, DETACH: 3 } as const);
export type SupplyChainMethod = (typeof SupplyChainMethod)[keyof typeof SupplyChainMethod];

export const SupplyChainQuery = Object.freeze({ ITEM: 0, STEP: 1 } as const);

/** Item ids are 1..32 bytes (a GTIN, an SSCC, a hash of one). */
export const MAX_ITEM_ID_BYTES = 32;
/** Devices travelling with one item at a time. */
export const MAX_TRAVELLERS = 8;
/** Steps of one item: step numbers are 4 bytes in keys. */
export const MAX_STEPS = 0xffff_ffff;

/** `item/<id>` → CBOR [holder, steps, travellers, creator, registeredAt]. */
export interface Item {
  readonly holder: Uint8Array;
  /** Steps so far; step n has n in 0..steps−1 (step 0: the registration). */
  readonly steps: number;
  readonly travellers: readonly Uint8Array[];
  readonly creator: Uint8Array;
  readonly registeredAt: number;
}

/** `step/<id>/<n>` → CBOR [method, from, to, height, travellers]: the item after step n. */
export interface Step {
  /** The method that made it (SupplyChainMethod). */
  readonly method: SupplyChainMethod;
  /** Holder before the step (the creator for the registration). */
  readonly from: Uint8Array;
  /** Holder after it. */
  readonly to: Uint8Array;
  /** Height of the block that applied it: the leg it opens starts here. */
  readonly height: number;
  /** Travelling devices from this step on, until the next. */
  readonly travellers: readonly Uint8Array[];
}

export function itemKey(itemId: Uint8Array): Uint8Array {
  return entryKey('item/', itemId);
}

export function stepKey(itemId: Uint8Array, n: number): Uint8Array {
  return entryKey('step/', itemId, entryKey('/'), uint32Bytes(n));
}

export function encodeItem(i: Item): Uint8Array {
  return encodeCbor([i.holder, i.steps, i.travellers, i.creator, i.registeredAt]);
}

export function encodeStep(s: Step): Uint8Array {
  return encodeCbor([s.method, s.from, s.to, s.height, s.travellers]);
}

/** Decodes an item entry (untrusted bytes: strict CBOR, then the shape). Throws BotError. */
export function decodeItem(value: Uint8Array): Item {
  const [holder, steps, travellers, creator, registeredAt] = arrayOf(decodeCbor(value, SMALL_LIMITS), 5, 'item');
  return Object.freeze({
    holder: bytes(holder, ID_BYTES, 'holder'), steps: uint(steps, 'steps'), travellers: Object.freeze(idListChecked(travellers, 'travellers')),
    creator: bytes(creator, ID_BYTES, 'creator'), registeredAt: uint(registeredAt, 'registeredAt'),
  });
}

/** Decodes a step entry. Throws BotError. */
export function decodeStep(value: Uint8Array): Step {
  const [method, from, to, height, travellers] = arrayOf(decodeCbor(value, SMALL_LIMITS), 5, 'step');
  const m = uint(method, 'method');
  if (m > SupplyChainMethod.DETACH) return badShape('step method');
  return Object.freeze({
    method: m as SupplyChainMethod, from: bytes(from, ID_BYTES, 'from'), to: bytes(to, ID_BYTES, 'to'), height: uint(height, 'height'),
    travellers: Object.freeze(idListChecked(travellers, 'travellers')),
  });
}

function idListChecked(value: CborValue | undefined, what: string): Uint8Array[] {
  const list = listOf(value, what);
  if (list.length > MAX_TRAVELLERS) return badShape(`${what}: more than ${MAX_TRAVELLERS}`);
  return list.map((id) => bytes(id, ID_BYTES, what));
}

function badShape(what: string): never {
  throw new BotError(ErrorCode.BAD_SHAPE, what);
}

// INVOKE bodies' argument lists (tx/bodies.ts invokeBody wraps them).
export const registerItemArgs = (itemId: Uint8Array, travellers: readonly Uint8Array[]): CborValue[] => [itemId, [...travellers]];
export const transferCustodyArgs = (itemId: Uint8Array, to: Uint8Array): CborValue[] => [itemId, to];
export const travellerArgs = (itemId: Uint8Array, device: Uint8Array): CborValue[] => [itemId, device];

export function readItem(store: ContractStore, itemId: Uint8Array): Item | undefined {
  const value = store.get(itemKey(itemId));
  return value && decodeItem(value);
}

const has = (list: readonly Uint8Array[], id: Uint8Array) => list.some((x) => equalBytes(x, id));

/** A travelling device must be an active device (or gateway) account. */
function travellerOk(state: LedgerState, id: Uint8Array): boolean {
  return isDevice(activeAccount(state, id));
}

interface Planned {
  readonly itemId: Uint8Array;
  readonly item: Item;
  readonly step: Step;
}

/** The admission rules of the header comment; on success, the item and step the call writes. */
function plan(state: LedgerState, store: ContractStore, sender: Uint8Array, height: number, method: number, args: readonly CborValue[]): Result<Planned> {
  const counted = argCount(args, 2, 'supply-chain method');
  if (!counted.ok) return counted;
  const itemId = bytesArg(args[0], 1, MAX_ITEM_ID_BYTES, 'item id');
  if (!itemId.ok) return itemId;
  const id = itemId.value;
  // Every argument's shape before any state is read (docs/protocol.md §13.1.1).
  const named: Uint8Array[] = [];
  let other: Uint8Array | undefined;
  if (method === SupplyChainMethod.REGISTER_ITEM) {
    const list = args[1];
    if (!Array.isArray(list) || list.length > MAX_TRAVELLERS) return fail(ErrorCode.BAD_ARGS, `travellers must be an array of at most ${MAX_TRAVELLERS}`);
    for (const t of list as readonly CborValue[]) {
      const device = bytesArg(t, ID_BYTES, ID_BYTES, 'traveller');
      if (!device.ok) return device;
      named.push(device.value);
    }
  } else {
    const account = bytesArg(args[1], ID_BYTES, ID_BYTES, method === SupplyChainMethod.TRANSFER_CUSTODY ? 'new holder' : 'traveller');
    if (!account.ok) return account;
    other = account.value;
  }
  const existing = store.get(itemKey(id));
  if (method === SupplyChainMethod.REGISTER_ITEM) {
    if (existing) return fail(ErrorCode.ITEM_EXISTS, 'item registered already');
    const travellers: Uint8Array[] = [];
    for (const device of named) {
      if (!travellerOk(state, device) || has(travellers, device)) return fail(ErrorCode.BAD_TRAVELLER, 'traveller not an active device, or named twice');
      travellers.push(device);
    }
    const step: Step = { method, from: sender, to: sender, height, travellers };
    return ok({ itemId: id, item: { holder: sender, steps: 1, travellers, creator: sender, registeredAt: height }, step });
  }
  if (!existing) return fail(ErrorCode.UNKNOWN_ITEM, 'no such item');
  const item = decodeItem(existing);
  if (!equalBytes(item.holder, sender)) return fail(ErrorCode.NOT_HOLDER, 'only the holder may do this');
  if (item.steps >= MAX_STEPS) return fail(ErrorCode.BAD_ARGS, 'the item has its last step');
  const target = other!;
  let { holder, travellers } = item;
  if (method === SupplyChainMethod.TRANSFER_CUSTODY) {
    if (equalBytes(target, sender)) return fail(ErrorCode.BAD_ARGS, 'the holder holds it already');
    if (!activeAccount(state, target)) return fail(ErrorCode.UNKNOWN_ACCOUNT, 'no active account with that id');
    holder = target;
  } else if (method === SupplyChainMethod.ATTACH) {
    if (!travellerOk(state, target) || has(travellers, target) || travellers.length >= MAX_TRAVELLERS) return fail(ErrorCode.BAD_TRAVELLER, 'not an active device, attached already, or one too many');
    travellers = [...travellers, target];
  } else {
    if (!has(travellers, target)) return fail(ErrorCode.BAD_TRAVELLER, 'not attached');
    travellers = travellers.filter((x) => !equalBytes(x, target));
  }
  const step: Step = { method: method as SupplyChainMethod, from: item.holder, to: holder, height, travellers };
  return ok({ itemId: id, item: { ...item, holder, travellers, steps: item.steps + 1 }, step });
}

export const supplyChain = defineContract({
  id: ContractId.SUPPLY_CHAIN,
  name: 'supply-chain',
  kinds: Object.freeze([]),
  methods: Object.freeze({
    [SupplyChainMethod.REGISTER_ITEM]: 'register-item',
    [SupplyChainMethod.TRANSFER_CUSTODY]: 'transfer-custody',
    [SupplyChainMethod.ATTACH]: 'attach',
    [SupplyChainMethod.DETACH]: 'detach',
  }),
  queries: Object.freeze({ [SupplyChainQuery.ITEM]: 'item', [SupplyChainQuery.STEP]: 'step' }),
  admit({ state, store, tx, height }) {
    const { method, args } = invokeArgs(tx);
    const planned = plan(state, store, tx.sender, height, method, args);
    return planned.ok ? ok(undefined) : planned;
  },
  apply({ state, store, tx, height }) {
    const { method, args } = invokeArgs(tx);
    const planned = plan(state, store, tx.sender, height, method, args);
    if (!planned.ok) throw new Error(`supply-chain apply: not admitted (${planned.reason})`);
    const { itemId, item, step } = planned.value;
    store.set(stepKey(itemId, item.steps - 1), encodeStep(step));
    store.set(itemKey(itemId), encodeItem(item));
  },
  query({ store, method, args }) {
    const itemId = args[0];
    if (!(itemId instanceof Uint8Array) || itemId.length < 1 || itemId.length > MAX_ITEM_ID_BYTES) return fail(ErrorCode.BAD_REQUEST, 'supply-chain query: [itemId bstr(1..32), …]');
    if (method === SupplyChainQuery.ITEM && args.length === 1) return ok(store.get(itemKey(itemId)));
    const n = args[1];
    if (method === SupplyChainQuery.STEP && args.length === 2 && typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_STEPS) return ok(store.get(stepKey(itemId, n)));
    return fail(ErrorCode.BAD_REQUEST, 'supply-chain query: ITEM [itemId] or STEP [itemId, n]');
  },
});
