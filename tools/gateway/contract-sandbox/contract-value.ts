// Contract data and its canonical bytes (tools layer, Node side of the sandbox).
//
// Contract data is what JSON can hold: null, booleans, finite numbers, strings, arrays and
// plain objects, at most MAX_DATA_DEPTH deep. Its canonical form is JSON text with no
// whitespace and object keys in ascending UTF-16 code-unit order (what Array.prototype.sort
// gives), and a state value is stored as the UTF-8 bytes of that text. The sandbox makes the
// same text under XS (sandbox-bootstrap.ts), so a value's bytes are the same on every member.
// Byte strings are written as hex text by convention.

import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';
import { MAX_DATA_DEPTH, MAX_VALUE_BYTES } from './sandbox-bootstrap.js';

export type ContractValue = null | boolean | number | string | readonly ContractValue[] | { readonly [key: string]: ContractValue };

function write(value: unknown, depth: number): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BotError(ErrorCode.BAD_CONTRACT_VALUE, 'number not finite');
    return JSON.stringify(value);
  }
  if (depth >= MAX_DATA_DEPTH) throw new BotError(ErrorCode.BAD_CONTRACT_VALUE, 'nested too deep');
  if (Array.isArray(value)) return `[${value.map((item) => write(item, depth + 1)).join(',')}]`;
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new BotError(ErrorCode.BAD_CONTRACT_VALUE, 'not a plain object');
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${write(record[key], depth + 1)}`)
      .join(',')}}`;
  }
  throw new BotError(ErrorCode.BAD_CONTRACT_VALUE, `${typeof value} is not contract data`);
}

/** Canonical JSON text of contract data; BAD_CONTRACT_VALUE when it is not data or over `limit` bytes. */
export function canonicalJson(value: unknown, limit = MAX_VALUE_BYTES): string {
  const text = write(value, 0);
  if (Buffer.byteLength(text) > limit) throw new BotError(ErrorCode.BAD_CONTRACT_VALUE, `over ${limit} bytes`);
  return text;
}

/** The stored bytes of a value. */
export function encodeStateValue(value: ContractValue): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

export function decodeStateValue(bytes: Uint8Array): ContractValue {
  return JSON.parse(new TextDecoder().decode(bytes)) as ContractValue;
}
