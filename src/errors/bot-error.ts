// The one error type of botpeer (core layer). Every rejection of untrusted
// input is a BotError carrying a code from error-codes.ts.

import { type ErrorCode, errorName } from './error-codes.js';

export class BotError extends Error {
  // A class field defines the property; assigning `this.name` would fail on Moddable,
  // whose frozen Error.prototype makes the inherited `name` read-only (the override mistake).
  override readonly name = 'BotError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail?: string) {
    super(detail === undefined ? errorName(code) : `${errorName(code)}: ${detail}`);
    this.code = code;
  }
}

/** Outcome of a pure verification: verifiers return this instead of throwing. */
export type Result<T = undefined> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, reason: string): Result<T> {
  return { ok: false, code, reason };
}

/** Runs a decoder/check that throws BotError and turns it into a Result. Other errors propagate: they are bugs. */
export function attempt<T>(run: () => T): Result<T> {
  try {
    return ok(run());
  } catch (error) {
    if (error instanceof BotError) return fail(error.code, error.message);
    throw error;
  }
}
