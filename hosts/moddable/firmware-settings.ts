// The firmware's build-time settings (device host layer): what `mcconfig … key=value`
// puts in mc/config on an ESP32, or what the environment gives the x-cli-lin host,
// checked once at boot into one frozen value. Everything arrives as strings.

import { hexToBytes } from '../../src/codec/bytes.js';
import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { type Comparison, type WatchRuleOptions, makeWatchRule } from '../../src/rules/watch-rule.js';
import type { Quantity } from '../../src/tx/kinds.js';

/** The actuator the firmware's watch rule names. */
export const WATCH_ACTUATOR = 'actuator';

export interface FirmwareSettings {
  /** The chain's genesis (genesis.cbor of `botpeer init`), CBOR bytes. */
  readonly genesis: Uint8Array;
  /** Where the broker listens: the gateway's embedded one or any MQTT broker. */
  readonly gatewayHost: string;
  readonly gatewayPort: number;
  readonly samplingIntervalMs: number;
  readonly batchSize: number;
  readonly outboxCapacity: number;
  /** Wi-Fi (ESP32 only; empty on hosts that are already online). */
  readonly ssid: string;
  readonly password: string;
  /** SNTP server (ESP32 only; Moddable's own start-up uses the same setting). */
  readonly sntp: string;
  /**
   * One watch rule (docs/protocol.md §8.8), or none: `watch` the source device id (16 hex digits),
   * `watchQuantity` (a Quantity name, default TEMPERATURE_C), `watchComparison` (above, at-least,
   * below, at-most; default above), `watchThreshold` (a decimal, "30.5"). The actuator is on while
   * the rule holds and off otherwise; it drives `watchPin`, or the board's LED without one.
   */
  readonly watch?: WatchRuleOptions;
  readonly watchPin?: number;
}

/** Raw values by name, as mc/config or the environment hold them. */
export type RawSettings = Readonly<Record<string, unknown>>;

export const SETTING_DEFAULTS = Object.freeze({
  gatewayPort: 1883,
  samplingIntervalMs: 10_000,
  batchSize: 6,
  outboxCapacity: 48,
  sntp: 'pool.ntp.org',
} as const);

function bad(detail: string): never {
  throw new BotError(ErrorCode.BAD_PEER_CONFIG, detail);
}

function text(raw: RawSettings, name: string, fallback?: string): string {
  const value = raw[name];
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    bad(`setting ${name} is missing`);
  }
  return String(value);
}

function integer(raw: RawSettings, name: string, fallback: number, min: number, max: number): number {
  const value = raw[name];
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(String(value));
  if (!Number.isSafeInteger(n) || n < min || n > max) bad(`setting ${name} must be an integer in [${min}, ${max}], not ${String(value)}`);
  return n;
}

export function parseFirmwareSettings(raw: RawSettings): FirmwareSettings {
  // hexToBytes refuses odd lengths and non-hex characters. (Not a regular expression: under XS a
  // grouped repetition over a ~600-character string costs kilobytes of matcher state at boot.)
  let genesis: Uint8Array;
  try {
    genesis = hexToBytes(text(raw, 'genesis').toLowerCase());
  } catch {
    bad('setting genesis must be the hex of genesis.cbor');
  }
  return Object.freeze({
    genesis,
    gatewayHost: text(raw, 'gateway'),
    gatewayPort: integer(raw, 'port', SETTING_DEFAULTS.gatewayPort, 1, 65535),
    samplingIntervalMs: integer(raw, 'interval', SETTING_DEFAULTS.samplingIntervalMs, 1, 86_400_000),
    batchSize: integer(raw, 'batch', SETTING_DEFAULTS.batchSize, 1, 256),
    outboxCapacity: integer(raw, 'outbox', SETTING_DEFAULTS.outboxCapacity, 1, 4096),
    ssid: text(raw, 'ssid', ''),
    password: text(raw, 'password', ''),
    sntp: text(raw, 'sntp', SETTING_DEFAULTS.sntp),
    ...watchOf(raw),
  });
}

function watchOf(raw: RawSettings): { watch?: WatchRuleOptions; watchPin?: number } {
  const source = text(raw, 'watch', '');
  if (source === '') return {};
  const watch: WatchRuleOptions = Object.freeze({
    source: source.toLowerCase(),
    quantity: text(raw, 'watchQuantity', 'TEMPERATURE_C') as keyof typeof Quantity,
    comparison: text(raw, 'watchComparison', 'above') as Comparison,
    threshold: text(raw, 'watchThreshold'),
    actuator: WATCH_ACTUATOR,
    then: true,
    otherwise: false,
  });
  makeWatchRule(watch); // checked at boot: BAD_PEER_CONFIG names the setting's field
  const pin = raw.watchPin === undefined || raw.watchPin === '' ? undefined : integer(raw, 'watchPin', 0, 0, 255);
  return pin === undefined ? { watch } : { watch, watchPin: pin };
}
