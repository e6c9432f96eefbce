// What the explorer page and `botpeer provenance` (tools/cli/provenance-client.ts) share about a
// provenance answer (tools layer; no DOM and no Node, so both the browser bundle and Node import
// it): the bound of the endpoint's envelope, the cold-chain limit as typed, a step's words, and
// a reading's value as a decimal.

import { type ColdChainRule, type DecodeLimits, Quantity, SupplyChainMethod } from '../../src/index.js';

/** The endpoint's envelope: the answer (PROVENANCE_LIMITS-sized) and light blocks of up to 8 KiB (HEADER_LIMITS). */
export const PROVENANCE_ENVELOPE_LIMITS: DecodeLimits = Object.freeze({ maxBytes: 8 * 1024 * 1024, maxDepth: 8, maxItems: 500_000, maxArrayLength: 4096, maxByteStringLength: 8192 });

/** A cold chain: every temperature strictly below `text` °C (8, 7.5, -18); undefined when the text is not such a number. */
export function parseColdChainRule(text: string): ColdChainRule | undefined {
  const m = /^(-?)(\d{1,6})(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!m) return undefined;
  const decimals = m[3] ?? '';
  return { quantity: Quantity.TEMPERATURE_C, limitMantissa: Number(`${m[1]}${m[2]}${decimals}`), limitScale: -decimals.length, strict: true };
}

/** mantissa × 10^scale as a person writes it (3.80, 12). */
export const decimal = (mantissa: number, scale: number): string =>
  (scale >= 0 ? String(mantissa * 10 ** scale) : (mantissa / 10 ** -scale).toFixed(-scale));

/** A custody step's method in words. */
export const STEP_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [SupplyChainMethod.REGISTER_ITEM]: 'registered by', [SupplyChainMethod.TRANSFER_CUSTODY]: 'custody to',
  [SupplyChainMethod.ATTACH]: 'device attached by', [SupplyChainMethod.DETACH]: 'device detached by',
});
