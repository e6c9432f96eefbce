// Watch rules (core layer, rules): "when device A's proven reading of a quantity
// crosses a threshold, switch my actuator", the device democracy of the BoT
// framework (use case II.4): devices act on each other's readings with no
// controller in between, each trusting only what it verified (docs/protocol.md
// §8.8). A rule is a validated, frozen value made once at start-up; a bad one is
// BAD_PEER_CONFIG there. Values are compared exactly (mantissa × 10^scale, as
// readings are signed), never through floats.

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { hexToBytes } from '../codec/bytes.js';
import { isCompressedPublicKey } from '../crypto/crypto-port.js';
import { ID_BYTES } from '../tx/identity.js';
import { MAX_READING, MAX_SCALE, MIN_READING, MIN_SCALE } from '../tx/bodies.js';
import { Quantity } from '../tx/kinds.js';

/** How the reading compares with the threshold for the rule to hold. */
export const Comparison = Object.freeze({ ABOVE: 'above', AT_LEAST: 'at-least', BELOW: 'below', AT_MOST: 'at-most' } as const);
export type Comparison = (typeof Comparison)[keyof typeof Comparison];

/** Rules per device: bounds the requests, the signature checks and the stored entries. */
export const MAX_RULES = 8;
/** Actuator names are short ASCII, like store keys. */
export const MAX_ACTUATOR_NAME = 15;
/** Default maxAgeSeconds: a reading older than this is not acted on. */
export const DEFAULT_MAX_AGE_SECONDS = 600;

export interface WatchRule {
  /** The device whose readings the rule watches (its key id, §3.2). */
  readonly source: Uint8Array;
  /**
   * The source's key, pinned. Absent: the key the gateway sends is used if its key id is `source`.
   * Needed once the source rotated its key (its id stays, its key's id is then another).
   */
  readonly sourceKey?: Uint8Array;
  readonly quantity: Quantity;
  readonly comparison: Comparison;
  /** The threshold is thresholdMantissa × 10^thresholdScale. */
  readonly thresholdMantissa: number;
  readonly thresholdScale: number;
  /** Actuator (by name) the rule switches. */
  readonly actuator: string;
  /** The actuator's state while the rule holds. */
  readonly then: boolean;
  /** Its state while it does not; absent: left as it is (a latch). */
  readonly otherwise?: boolean;
  /** Readings older than this (by the device's clock) are refused, STALE_READING; 0: no limit. */
  readonly maxAgeSeconds: number;
}

/** What a host's configuration gives: ids and keys as hex or bytes, the threshold as a decimal string or exact parts. */
export interface WatchRuleOptions {
  readonly source: string | Uint8Array;
  readonly sourceKey?: string | Uint8Array;
  readonly quantity: Quantity | keyof typeof Quantity;
  readonly comparison: Comparison;
  /** "30.5", "-4", or a number with at most 9 decimals; or exact: thresholdMantissa + thresholdScale. */
  readonly threshold?: string | number;
  readonly thresholdMantissa?: number;
  readonly thresholdScale?: number;
  readonly actuator: string;
  readonly then?: boolean;
  readonly otherwise?: boolean;
  readonly maxAgeSeconds?: number;
}

const comparisons: ReadonlySet<string> = new Set(Object.values(Comparison));
const quantities: ReadonlySet<number> = new Set(Object.values(Quantity));

function bad(detail: string): never {
  throw new BotError(ErrorCode.BAD_PEER_CONFIG, detail);
}

function bytesOf(value: string | Uint8Array, length: number, what: string): Uint8Array {
  let out: Uint8Array;
  if (value instanceof Uint8Array) out = value.slice();
  else if (typeof value === 'string' && /^[0-9a-f]*$/i.test(value) && value.length === 2 * length) out = hexToBytes(value.toLowerCase());
  else bad(`${what} must be ${length} bytes (${2 * length} hex digits)`);
  if (out.length !== length) bad(`${what} must be ${length} bytes`);
  return out;
}

/**
 * A decimal ("31.25", "-4", "1e3" is refused) as mantissa × 10^scale, exactly: the mantissa within
 * a reading's range and the scale within −9..9. Throws BotError(BAD_PEER_CONFIG).
 */
export function parseDecimal(text: string | number): { mantissa: number; scale: number } {
  const s = typeof text === 'number' ? String(text) : text.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) bad(`threshold ${JSON.stringify(s)} is not a decimal number`);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > -MIN_SCALE) bad(`threshold ${s} has more than ${-MIN_SCALE} decimals`);
  const digits = (m[2]! + fraction).replace(/^0+(?=\d)/, '');
  const mantissa = Number(m[1] + digits);
  if (!Number.isSafeInteger(mantissa) || mantissa < MIN_READING || mantissa > MAX_READING) bad(`threshold ${s} is out of range`);
  return { mantissa: mantissa === 0 ? 0 : mantissa, scale: fraction.length === 0 ? 0 : -fraction.length };
}

/** mantissa × 10^scale as a decimal string: (312, -1) → "31.2". */
export function formatDecimal(mantissa: number, scale: number): string {
  if (scale >= 0) return String(mantissa * 10 ** scale);
  const digits = String(Math.abs(mantissa)).padStart(-scale + 1, '0');
  const cut = digits.length + scale;
  return `${mantissa < 0 ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

const UNITS: Readonly<Record<number, string>> = Object.freeze({
  [Quantity.TEMPERATURE_C]: ' °C', [Quantity.RELATIVE_HUMIDITY_PCT]: ' %', [Quantity.PRESSURE_PA]: ' Pa', [Quantity.ILLUMINANCE_LX]: ' lx',
  [Quantity.VOLTAGE_V]: ' V', [Quantity.CO2_PPM]: ' ppm', [Quantity.BATTERY_PCT]: ' %', [Quantity.COUNT]: '',
});

/** A reading for a log line: (312, -1, TEMPERATURE_C) → "31.2 °C". */
export function formatReading(mantissa: number, scale: number, quantity: number): string {
  return `${formatDecimal(mantissa, scale)}${UNITS[quantity] ?? ''}`;
}

/** Checks one rule and fills defaults; throws BotError(BAD_PEER_CONFIG) naming the field. */
export function makeWatchRule(o: WatchRuleOptions): WatchRule {
  if (typeof o !== 'object' || o === null) bad('a rule is an object');
  const source = bytesOf(o.source, ID_BYTES, 'rule source');
  const sourceKey = o.sourceKey === undefined ? undefined : bytesOf(o.sourceKey, 33, 'rule sourceKey');
  if (sourceKey && !isCompressedPublicKey(sourceKey)) bad('rule sourceKey must be a compressed public key');
  const quantity = typeof o.quantity === 'string' ? (Quantity as Record<string, number>)[o.quantity] : o.quantity;
  if (typeof quantity !== 'number' || !quantities.has(quantity)) bad(`unknown quantity ${String(o.quantity)}`);
  if (!comparisons.has(o.comparison)) bad(`comparison must be one of ${[...comparisons].join(', ')}`);
  let thresholdMantissa: number;
  let thresholdScale: number;
  if (o.threshold !== undefined) {
    if (o.thresholdMantissa !== undefined || o.thresholdScale !== undefined) bad('give threshold, or thresholdMantissa and thresholdScale, not both');
    ({ mantissa: thresholdMantissa, scale: thresholdScale } = parseDecimal(o.threshold));
  } else {
    thresholdMantissa = o.thresholdMantissa as number;
    thresholdScale = o.thresholdScale ?? 0;
    if (!Number.isSafeInteger(thresholdMantissa) || thresholdMantissa < MIN_READING || thresholdMantissa > MAX_READING) bad('rule threshold missing or out of range');
    if (!Number.isInteger(thresholdScale) || thresholdScale < MIN_SCALE || thresholdScale > MAX_SCALE) bad(`thresholdScale must be in ${MIN_SCALE}..${MAX_SCALE}`);
  }
  if (typeof o.actuator !== 'string' || !/^[\x21-\x7e]{1,15}$/.test(o.actuator)) bad(`rule actuator must be 1..${MAX_ACTUATOR_NAME} printable ASCII characters`);
  const then = o.then ?? true;
  if (typeof then !== 'boolean') bad('rule then must be a boolean');
  if (o.otherwise !== undefined && typeof o.otherwise !== 'boolean') bad('rule otherwise must be a boolean');
  const maxAgeSeconds = o.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0 || maxAgeSeconds > 30 * 86_400) bad('rule maxAgeSeconds must be an integer in [0, 2592000]');
  return Object.freeze({
    source, quantity: quantity as Quantity, comparison: o.comparison, thresholdMantissa, thresholdScale, actuator: o.actuator, then, maxAgeSeconds,
    ...(sourceKey ? { sourceKey } : {}),
    ...(o.otherwise !== undefined ? { otherwise: o.otherwise } : {}),
  });
}

/** At most MAX_RULES; throws BotError(BAD_PEER_CONFIG). */
export function makeWatchRules(options: readonly WatchRuleOptions[] | undefined): readonly WatchRule[] {
  if (options === undefined) return Object.freeze([]);
  if (!Array.isArray(options) || options.length > MAX_RULES) bad(`rules: a list of at most ${MAX_RULES}`);
  return Object.freeze(options.map((o) => makeWatchRule(o)));
}

/** mantissa × 10^scale against the rule's threshold, exactly (BigInt: 2^31 × 10^18 exceeds a double's integers). */
export function ruleHolds(rule: WatchRule, mantissa: number, scale: number): boolean {
  const common = Math.min(scale, rule.thresholdScale);
  const value = BigInt(mantissa) * BigInt(10) ** BigInt(scale - common);
  const threshold = BigInt(rule.thresholdMantissa) * BigInt(10) ** BigInt(rule.thresholdScale - common);
  switch (rule.comparison) {
    case Comparison.ABOVE: return value > threshold;
    case Comparison.AT_LEAST: return value >= threshold;
    case Comparison.BELOW: return value < threshold;
    case Comparison.AT_MOST: return value <= threshold;
  }
}

/** The actuator state a rule asks for, or undefined when it leaves it as it is. */
export function ruleAction(rule: WatchRule, holds: boolean): boolean | undefined {
  return holds ? rule.then : rule.otherwise;
}
