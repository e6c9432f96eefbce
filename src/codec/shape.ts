// Shape readers for decoded CBOR values (core layer, codec): each throws
// BotError(BAD_SHAPE) naming the field, so every decoder above the codec (merkle
// proofs, chain structures, MQTT messages) stays one line per field.

import type { CborValue } from './cbor.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';

export function arrayOf(value: CborValue | undefined, length: number, what: string): readonly CborValue[] {
  if (!Array.isArray(value) || value.length !== length) throw new BotError(ErrorCode.BAD_SHAPE, `${what} must be an array of ${length}`);
  return value;
}

export function listOf(value: CborValue | undefined, what: string): readonly CborValue[] {
  if (!Array.isArray(value)) throw new BotError(ErrorCode.BAD_SHAPE, `${what} must be an array`);
  return value;
}

export function uint(value: CborValue | undefined, what: string): number {
  if (typeof value !== 'number' || value < 0) throw new BotError(ErrorCode.BAD_SHAPE, `${what} must be an unsigned integer`);
  return value;
}

export function bytes(value: CborValue | undefined, length: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new BotError(ErrorCode.BAD_SHAPE, `${what} must be ${length} bytes`);
  return value;
}
