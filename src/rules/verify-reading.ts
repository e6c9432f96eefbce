// Whether a device may act on another device's reading (core layer, rules): a pure
// function of (rule, answer, what the device verified, now), docs/protocol.md §8.8.
// The answer comes from a gateway that may lie; what is checked, cheapest first:
//
//   1. WRONG_SOURCE        not a READINGS transaction, or its sender is not the rule's source
//   2. BAD_PROOF           the proof message names another seq than the transaction's
//   3. WRONG_SOURCE        the key: the rule's pinned key, else the answer's, whose key id
//                          (§3.2) must be the source id
//   4. STALE_READING       seq not above the last one this rule evaluated (a replay, or an older
//                          reading served after a newer one)
//   5. NO_READING          no series of the rule's quantity
//   6. STALE_READING       its newest value older than maxAgeSeconds by the device's clock
//   7. UNVERIFIED_HEADER   no header at the proof's height that the device verified itself (§8.3,
//                          §8.5, §8.7): a block the device has not seen proves nothing
//   8. PROOF_SHAPE / BAD_PROOF  inclusion of SHA-256(wire) under that header (§8.6)
//   9. BAD_SIGNATURE       the transaction's signature under that key, on the device's own chain
//
// 7–8 make the reading part of the chain the device follows: validators admitted it (so its
// signature verified under the source's registered key, and its seq was the source's next).
// 9 makes the device independent of that admission: the bytes were signed by the source's key.

import { type Result, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { equalBytes, bytesToHex } from '../codec/bytes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import type { Header } from '../chain/header.js';
import { verifyTxInclusion } from '../light/verify-inclusion.js';
import { parseReadings } from '../tx/bodies.js';
import { keyId } from '../tx/identity.js';
import { TxKind } from '../tx/kinds.js';
import { txId, verifyTxSignature } from '../tx/tx.js';
import type { ReadingsAnswer } from '../mqtt/readings-answer.js';
import { type WatchRule, ruleHolds } from './watch-rule.js';

export interface ReadingContext {
  /** The device's own chain: the signature is checked under it. */
  readonly chainId: Uint8Array;
  /** Highest seq of the source this rule evaluated before (0: none). */
  readonly lastSeq: number;
  /** The device's clock, ms. */
  readonly nowMs: number;
  /** The header at `height` that the device verified itself, if it holds one. */
  headerAt(height: number): Header | undefined;
}

export interface VerifiedReading {
  readonly seq: number;
  readonly height: number;
  /** Seconds: the time of the newest value of the rule's quantity. */
  readonly time: number;
  /** The newest value of the rule's quantity: mantissa × 10^scale. */
  readonly mantissa: number;
  readonly scale: number;
  /** Whether the rule's comparison holds for it. */
  readonly holds: boolean;
}

export function verifyReading(crypto: CryptoProvider, rule: WatchRule, answer: ReadingsAnswer, context: ReadingContext): Result<VerifiedReading> {
  const { tx } = answer;
  if (tx.kind !== TxKind.READINGS) return fail(ErrorCode.WRONG_SOURCE, `transaction of kind ${tx.kind}, not READINGS`);
  if (!equalBytes(tx.sender, rule.source)) return fail(ErrorCode.WRONG_SOURCE, `transaction of ${bytesToHex(tx.sender)}, rule watches ${bytesToHex(rule.source)}`);
  if (answer.seq !== tx.seq) return fail(ErrorCode.BAD_PROOF, `proof of seq ${answer.seq} for transaction ${tx.seq}`);
  const key = rule.sourceKey ?? answer.key;
  if (!rule.sourceKey && !equalBytes(keyId(crypto, key), rule.source)) return fail(ErrorCode.WRONG_SOURCE, 'the key offered is not the source device\'s (its key id differs)');
  if (tx.seq <= context.lastSeq) return fail(ErrorCode.STALE_READING, `seq ${tx.seq} is not above ${context.lastSeq}, already evaluated`);
  const series = parseReadings(tx.body).filter((s) => s.quantity === rule.quantity);
  const newest = series[series.length - 1];
  if (!newest) return fail(ErrorCode.NO_READING, `no reading of quantity ${rule.quantity}`);
  const time = tx.time + (newest.values.length - 1) * newest.interval;
  const ageSeconds = Math.floor(context.nowMs / 1000) - time;
  if (rule.maxAgeSeconds > 0 && ageSeconds > rule.maxAgeSeconds) return fail(ErrorCode.STALE_READING, `reading ${ageSeconds} s old, at most ${rule.maxAgeSeconds} s`);
  const header = context.headerAt(answer.height);
  if (!header || header.height !== answer.height) return fail(ErrorCode.UNVERIFIED_HEADER, `no verified header at height ${answer.height}`);
  const included = verifyTxInclusion(crypto, header, txId(crypto, answer.wire), answer.proof);
  if (!included.ok) return included;
  const signed = verifyTxSignature(crypto, context.chainId, tx, key);
  if (!signed.ok) return signed;
  const mantissa = newest.values[newest.values.length - 1]!;
  return ok(Object.freeze({ seq: tx.seq, height: answer.height, time, mantissa, scale: newest.scale, holds: ruleHolds(rule, mantissa, newest.scale) }));
}
