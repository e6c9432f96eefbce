// Kind-specific transaction bodies (core layer): how each kind's body is laid
// out, checked and built. Every body is a CBOR array with fixed positions.

import type { CborValue } from '../codec/cbor.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, X_ONLY_PUBLIC_KEY_BYTES, isCompressedPublicKey } from '../crypto/crypto-port.js';
import { ID_BYTES } from './identity.js';
import { BlockReason, Quantity, TxKind } from './kinds.js';

export const MAX_SERIES = 8;
export const MAX_READINGS_PER_TX = 256;
export const MIN_SCALE = -9;
export const MAX_SCALE = 9;
/** Seconds between readings of a series: at most a day. */
export const MAX_INTERVAL = 86_400;
/** Fixed-point mantissas are 32-bit signed: plenty for any sensor at its declared scale. */
export const MIN_READING = -0x8000_0000;
export const MAX_READING = 0x7fff_ffff;
export const MAX_INVOKE_ARGS = 16;
/** As many approvals as a validator set has members (MAX_VALIDATORS); TX_LIMITS' 4096 bytes hold about 56. */
export const MAX_APPROVALS = 64;

export const Role = Object.freeze({ DEVICE: 0, GATEWAY: 1 } as const);
export type Role = (typeof Role)[keyof typeof Role];

/**
 * What a GOVERN transaction proposes to change in the validator set (its first argument picks the
 * member). REKEY replaces the whole set by a FROST set (new members, threshold and group key at once,
 * after a key generation among the new members): the only change a FROST set can take.
 */
export const GovernAction = Object.freeze({ ADD_MEMBER: 0, REMOVE_MEMBER: 1, ROTATE_MEMBER_KEY: 2, SET_THRESHOLD: 3, REKEY: 4 } as const);
export type GovernAction = (typeof GovernAction)[keyof typeof GovernAction];

export type Proposal =
  | { readonly action: typeof GovernAction.ADD_MEMBER; readonly key: Uint8Array }
  | { readonly action: typeof GovernAction.REMOVE_MEMBER; readonly key: Uint8Array }
  | { readonly action: typeof GovernAction.ROTATE_MEMBER_KEY; readonly oldKey: Uint8Array; readonly newKey: Uint8Array }
  | { readonly action: typeof GovernAction.SET_THRESHOLD; readonly threshold: number }
  /** `keys` exactly as in the proposal: admission requires them sorted and distinct, as in a set (§6.1). */
  | { readonly action: typeof GovernAction.REKEY; readonly threshold: number; readonly keys: readonly Uint8Array[]; readonly groupKey: Uint8Array };

/** One member's approval: its index in the current validator set and its signature (src/tx/govern.ts). */
export interface Approval {
  readonly index: number;
  readonly signature: Uint8Array;
}

/** Readings of one quantity taken every `interval` seconds from the transaction's time on. */
export interface ReadingSeries {
  readonly quantity: Quantity;
  /** Decimal exponent: the value is mantissa × 10^scale. */
  readonly scale: number;
  readonly interval: number;
  readonly values: readonly number[];
}

const quantities: ReadonlySet<number> = new Set(Object.values(Quantity));
const blockReasons: ReadonlySet<number> = new Set(Object.values(BlockReason));

function bad(detail: string): never {
  throw new BotError(ErrorCode.BAD_BODY, detail);
}

function isArray(value: CborValue): value is readonly CborValue[] {
  return Array.isArray(value);
}

function intIn(value: CborValue, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || value < min || value > max) bad(`${what} must be an integer in [${min}, ${max}]`);
  return value;
}

function bytesOf(value: CborValue, length: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) bad(`${what} must be ${length} bytes`);
  return value;
}

function publicKeyOf(value: CborValue, what: string): Uint8Array {
  const key = bytesOf(value, PUBLIC_KEY_BYTES, what);
  if (!isCompressedPublicKey(key)) bad(`${what} must be a compressed SEC1 key`);
  return key;
}

function fields(value: CborValue, count: number, what: string): readonly CborValue[] {
  if (!isArray(value) || value.length !== count) bad(`${what} must be an array of ${count}`);
  return value;
}

/** Throws BotError(BAD_BODY) unless `body` is well formed for `kind`. */
export function checkBody(kind: TxKind, body: CborValue): void {
  switch (kind) {
    case TxKind.READINGS:
      parseReadings(body);
      return;
    case TxKind.ENROLL: {
      // [key, role] by an operator or member; [key, 0, powNonce] a public chain's self-enrolment (self-enroll.ts).
      const selfEnroll = isArray(body) && body.length === 3;
      const [key, role, nonce] = fields(body, selfEnroll ? 3 : 2, 'enroll body');
      publicKeyOf(key!, 'enrolled key');
      intIn(role!, Role.DEVICE, selfEnroll ? Role.DEVICE : Role.GATEWAY, 'role');
      if (selfEnroll) bytesOf(nonce!, 8, 'pow nonce');
      return;
    }
    case TxKind.REVOKE:
    case TxKind.BLOCK_LIFT:
      bytesOf(fields(body, 1, 'body')[0]!, ID_BYTES, 'device id');
      return;
    case TxKind.ROTATE_KEY:
      publicKeyOf(fields(body, 1, 'rotate body')[0]!, 'new key');
      return;
    case TxKind.BLOCK_REPORT: {
      const [device, reason] = fields(body, 2, 'block report body');
      bytesOf(device!, ID_BYTES, 'device id');
      if (!blockReasons.has(intIn(reason!, 0, 255, 'reason'))) bad('unknown block reason');
      return;
    }
    case TxKind.INVOKE: {
      const [contract, method, args] = fields(body, 3, 'invoke body');
      intIn(contract!, 0, 0xffff, 'contract');
      intIn(method!, 0, 0xffff, 'method');
      if (!isArray(args!) || args.length > MAX_INVOKE_ARGS) bad(`args must be an array of at most ${MAX_INVOKE_ARGS}`);
      return;
    }
    case TxKind.GOVERN:
      parseGovern(body);
      return;
  }
}

/**
 * Checks and reads a GOVERN body: [proposal, [[index, signature] …]], proposal [action, …args].
 * Only the shape: whether the approvals are ordered, enough and valid for the current set is admission's (BAD_APPROVALS).
 */
export function parseGovern(body: CborValue): { proposal: Proposal; approvals: Approval[] } {
  const [proposal, approvals] = fields(body, 2, 'govern body');
  if (!isArray(approvals!) || approvals.length > MAX_APPROVALS) bad(`approvals must be an array of at most ${MAX_APPROVALS}`);
  return {
    proposal: parseProposal(proposal!),
    approvals: approvals.map((entry) => {
      const [index, signature] = fields(entry, 2, 'approval');
      return { index: intIn(index!, 0, MAX_APPROVALS - 1, 'approval index'), signature: bytesOf(signature!, SIGNATURE_BYTES, 'approval signature') };
    }),
  };
}

export function parseProposal(value: CborValue): Proposal {
  if (!isArray(value) || value.length < 2) bad('a proposal is [action, …args]');
  switch (value[0]) {
    case GovernAction.ADD_MEMBER:
    case GovernAction.REMOVE_MEMBER:
      return { action: value[0], key: publicKeyOf(fields(value, 2, 'proposal')[1]!, 'member key') };
    case GovernAction.ROTATE_MEMBER_KEY: {
      const [, oldKey, newKey] = fields(value, 3, 'proposal');
      return { action: value[0], oldKey: publicKeyOf(oldKey!, 'old member key'), newKey: publicKeyOf(newKey!, 'new member key') };
    }
    case GovernAction.SET_THRESHOLD:
      return { action: value[0], threshold: intIn(fields(value, 2, 'proposal')[1]!, 1, MAX_APPROVALS, 'threshold') };
    case GovernAction.REKEY: {
      // Only the shape here (bounded before anything is read); sorted, distinct, t ≤ n and a group
      // key on the curve are admission's (BAD_VALIDATOR_SET), as for the set any GOVERN makes.
      const [, threshold, keys, groupKey] = fields(value, 4, 'proposal');
      if (!isArray(keys!) || keys.length < 1 || keys.length > MAX_APPROVALS) bad(`rekey keys must be an array of 1..${MAX_APPROVALS}`);
      return {
        action: value[0],
        threshold: intIn(threshold!, 1, MAX_APPROVALS, 'threshold'),
        keys: keys.map((k) => publicKeyOf(k, 'member key')),
        groupKey: bytesOf(groupKey!, X_ONLY_PUBLIC_KEY_BYTES, 'group key'),
      };
    }
    default:
      return bad('unknown govern action');
  }
}

export function proposalToCbor(p: Proposal): CborValue {
  switch (p.action) {
    case GovernAction.ADD_MEMBER:
    case GovernAction.REMOVE_MEMBER:
      return [p.action, p.key];
    case GovernAction.ROTATE_MEMBER_KEY:
      return [p.action, p.oldKey, p.newKey];
    case GovernAction.SET_THRESHOLD:
      return [p.action, p.threshold];
    case GovernAction.REKEY:
      return [p.action, p.threshold, p.keys, p.groupKey];
  }
}

/** A GOVERN body; approvals are put in ascending index order. */
export function governBody(proposal: Proposal, approvals: readonly Approval[]): CborValue {
  const sorted = [...approvals].sort((a, b) => a.index - b.index);
  return [proposalToCbor(proposal), sorted.map((a) => [a.index, a.signature])];
}

/** Checks and reads a READINGS body: [[quantity, scale, interval, [values…]] …]. */
export function parseReadings(body: CborValue): ReadingSeries[] {
  if (!isArray(body) || body.length < 1 || body.length > MAX_SERIES) bad(`readings must hold 1..${MAX_SERIES} series`);
  let total = 0;
  return body.map((item) => {
    const [quantity, scale, interval, values] = fields(item, 4, 'series');
    if (!quantities.has(intIn(quantity!, 0, 255, 'quantity'))) bad('unknown quantity');
    intIn(scale!, MIN_SCALE, MAX_SCALE, 'scale');
    if (!isArray(values!) || values.length === 0) bad('a series needs at least one value');
    total += values.length;
    if (total > MAX_READINGS_PER_TX) bad(`more than ${MAX_READINGS_PER_TX} readings`);
    intIn(interval!, values.length === 1 ? 0 : 1, values.length === 1 ? 0 : MAX_INTERVAL, 'interval');
    for (const value of values) intIn(value, MIN_READING, MAX_READING, 'reading');
    return { quantity: quantity as Quantity, scale: scale as number, interval: interval as number, values: values as number[] };
  });
}

export function readingsBody(series: readonly ReadingSeries[]): CborValue {
  const body = series.map((s) => [s.quantity, s.scale, s.values.length === 1 ? 0 : s.interval, s.values]);
  parseReadings(body);
  return body;
}

export function enrollBody(publicKey: Uint8Array, role: Role = Role.DEVICE): CborValue {
  return [publicKey, role];
}

export function deviceBody(deviceId: Uint8Array): CborValue {
  return [deviceId];
}

export function rotateKeyBody(newPublicKey: Uint8Array): CborValue {
  return [newPublicKey];
}

export function blockReportBody(deviceId: Uint8Array, reason: BlockReason): CborValue {
  return [deviceId, reason];
}

export function invokeBody(contract: number, method: number, args: readonly CborValue[]): CborValue {
  return [contract, method, args];
}
