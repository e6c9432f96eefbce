// The tiny assertion interface shared by every suite (test layer, platform-neutral):
// suites return one result per vector, so the same code reports under ava on
// Node and from inside an XS worker.

import { BotError, type Result } from '../../src/errors/bot-error.js';
import { errorName } from '../../src/errors/error-codes.js';
import type { Expect } from '../support/hex-json.js';

export interface VectorResult {
  readonly suite: string;
  readonly name: string;
  readonly passed: boolean;
  readonly detail?: string;
}

export class CheckFailure extends Error {}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new CheckFailure(`${what}: got ${String(actual)}, want ${String(expected)}`);
}

/** Runs one vector; a thrown CheckFailure or unexpected error marks it failed, with the reason. */
export function runVector(suite: string, name: string, body: () => void): VectorResult {
  try {
    body();
    return { suite, name, passed: true };
  } catch (error) {
    return { suite, name, passed: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs `run`, which may throw BotError or return a Result, and compares the outcome with the vector's expectation. */
export function expectOutcome<T>(run: () => Result<T> | T, expect: Expect, onOk?: (value: T) => void): void {
  let outcome: { ok: true; value: T } | { ok: false; code: number; reason: string };
  try {
    const r = run();
    outcome = isResult<T>(r) ? r : { ok: true, value: r };
  } catch (error) {
    if (!(error instanceof BotError)) throw error;
    outcome = { ok: false, code: error.code, reason: error.message };
  }
  if (expect.ok) {
    if (!outcome.ok) throw new CheckFailure(`rejected with ${errorName(outcome.code)} (${outcome.reason}), want success`);
    onOk?.(outcome.value);
  } else if (outcome.ok) {
    throw new CheckFailure(`accepted, want ${errorName(expect.code)}`);
  } else if (outcome.code !== expect.code) {
    throw new CheckFailure(`rejected with ${errorName(outcome.code)} (${outcome.reason}), want ${errorName(expect.code)}`);
  }
}

function isResult<T>(r: unknown): r is Result<T> {
  return typeof r === 'object' && r !== null && 'ok' in r && typeof (r as { ok: unknown }).ok === 'boolean';
}
