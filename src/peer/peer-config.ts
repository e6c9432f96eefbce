// The light peer's configuration (core layer): one validated, frozen value made
// once at start-up, so a bad setting is a typed error there and never a
// surprise in the field. Timing defaults suit a gateway that cuts a block every
// second and sends a heartbeat block at least every 30 s.

import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { isCompressedPublicKey } from '../crypto/crypto-port.js';
import { type Genesis, MAX_POW_BITS, Permission } from '../chain/genesis.js';
import { checkValidatorSet } from '../chain/validator-set.js';
import { MAX_INTERVAL, MAX_READINGS_PER_TX } from '../tx/bodies.js';
import { type TrustOptions, makeTrustOptions } from '../light/trust.js';
import { type WatchRule, type WatchRuleOptions, makeWatchRules } from '../rules/watch-rule.js';

export interface PeerConfig {
  /** Initial trust (trustFromGenesis) and the operator key that signs checkpoints. */
  readonly genesis: Genesis;
  readonly samplingIntervalMs: number;
  /** Readings per series per transaction. */
  readonly batchSize: number;
  /** Must equal the outbox port's capacity. */
  readonly outboxCapacity: number;
  /** Sequence numbers reserved per storage write; a reboot skips at most this many. */
  readonly seqReserve: number;
  /** Transactions published but not yet acknowledged. */
  readonly maxInFlight: number;
  readonly trust: TrustOptions;
  /**
   * A published transaction with neither a reject nor its proof after this long is sent again (the
   * gateway answers REPLAY if it had it; the proof is the positive ack, docs/protocol.md §9.2); an
   * acknowledged one with no proof after this long is asked for with a PROOF request (then backing off).
   */
  readonly proofTimeoutMs: number;
  /** A request with no response after this long is given up (and retried by whoever needs it). */
  readonly requestTimeoutMs: number;
  /** While blocked, revoked or not enrolled: how often the oldest transaction is offered again. */
  readonly recheckIntervalMs: number;
  /** Longest retry backoff after transient rejections and timeouts. */
  readonly retryMaxMs: number;
  /** The trusted header is written to storage at most this often while the validator set is unchanged (flash wear). */
  readonly trustSaveIntervalMs: number;
  /**
   * Public chain: the peer enrols itself (docs/protocol.md §5.6.1): until the gateway accepts it,
   * its first transaction is a self-ENROLL with a proof of work of powBits. Absent: it waits to be
   * enrolled by the operator (state `unenrolled`), as on a private chain.
   */
  readonly selfEnroll?: SelfEnrollOptions;
  /**
   * Watch rules (docs/protocol.md §8.8): other devices' readings this device acts on, each naming
   * one of the actuators the host passes in. Empty: the peer asks for no one's readings.
   */
  readonly rules: readonly WatchRule[];
}

export interface SelfEnrollOptions {
  /** Leading zero bits of the proof of work: at least the genesis' powBits. */
  readonly powBits: number;
}

/**
 * `selfEnroll`: by default the genesis decides (a public genesis: self-enrol with its powBits);
 * `false` turns it off (a public chain's device the operator enrols).
 */
export type PeerOptions = Partial<Omit<PeerConfig, 'genesis' | 'trust' | 'selfEnroll' | 'rules'>> & {
  trust?: Partial<TrustOptions>;
  selfEnroll?: SelfEnrollOptions | false;
  rules?: readonly WatchRuleOptions[];
};

export const DEFAULT_PEER_OPTIONS = Object.freeze({
  samplingIntervalMs: 1000,
  batchSize: 1,
  outboxCapacity: 64,
  seqReserve: 64,
  maxInFlight: 8,
  proofTimeoutMs: 10_000,
  requestTimeoutMs: 10_000,
  recheckIntervalMs: 60_000,
  retryMaxMs: 60_000,
  trustSaveIntervalMs: 600_000,
} as const);

/** Largest number of transactions the peer tracks; bounds its memory. */
export const MAX_OUTBOX_CAPACITY = 4096;
export const MAX_IN_FLIGHT = 64;
const DAY_MS = 86_400_000;
/**
 * The gateway's largest accepted sequence jump (MAX_SEQ_JUMP of src/contracts/system-contracts.ts,
 * checked equal by test/peer-config.test.ts). Repeated here so the device firmware does not carry
 * the gateway's contract code.
 */
export const GATEWAY_MAX_SEQ_JUMP = 4096;

function bad(detail: string): never {
  throw new BotError(ErrorCode.BAD_PEER_CONFIG, detail);
}

function intIn(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    bad(`${name} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

/** Fills defaults and checks every value; throws BotError(BAD_PEER_CONFIG) or, for trust options, BotError(BAD_TRUST_OPTIONS). */
export function makePeerConfig(genesis: Genesis, options: PeerOptions = {}): PeerConfig {
  try {
    checkValidatorSet(genesis.validators);
  } catch {
    bad('genesis validator set is invalid');
  }
  if (!isCompressedPublicKey(genesis.operatorKey)) bad('genesis operator key must be a compressed key');
  const { trust, selfEnroll, rules, ...rest } = options;
  const merged = { ...DEFAULT_PEER_OPTIONS, ...rest };
  const batchSize = intIn(merged.batchSize, 1, MAX_READINGS_PER_TX, 'batchSize');
  const samplingIntervalMs = intIn(merged.samplingIntervalMs, 1, MAX_INTERVAL * 1000, 'samplingIntervalMs');
  // A series declares its spacing in whole seconds.
  if (batchSize > 1 && samplingIntervalMs % 1000 !== 0) bad('samplingIntervalMs must be whole seconds when batchSize > 1');
  return Object.freeze({
    genesis,
    samplingIntervalMs,
    batchSize,
    outboxCapacity: intIn(merged.outboxCapacity, 1, MAX_OUTBOX_CAPACITY, 'outboxCapacity'),
    // After a reboot the next seq is at most seqReserve + 1 past the last one sent: within the gateway's MAX_SEQ_JUMP.
    seqReserve: intIn(merged.seqReserve, 1, GATEWAY_MAX_SEQ_JUMP - 1, 'seqReserve'),
    maxInFlight: intIn(merged.maxInFlight, 1, MAX_IN_FLIGHT, 'maxInFlight'),
    trust: makeTrustOptions(trust),
    proofTimeoutMs: intIn(merged.proofTimeoutMs, 1, DAY_MS, 'proofTimeoutMs'),
    requestTimeoutMs: intIn(merged.requestTimeoutMs, 1, DAY_MS, 'requestTimeoutMs'),
    recheckIntervalMs: intIn(merged.recheckIntervalMs, 1, DAY_MS, 'recheckIntervalMs'),
    retryMaxMs: intIn(merged.retryMaxMs, 1, DAY_MS, 'retryMaxMs'),
    trustSaveIntervalMs: intIn(merged.trustSaveIntervalMs, 0, 30 * DAY_MS, 'trustSaveIntervalMs'),
    ...selfEnrollOf(genesis, selfEnroll),
    rules: makeWatchRules(rules),
  });
}

function selfEnrollOf(genesis: Genesis, option: SelfEnrollOptions | false | undefined): { selfEnroll?: SelfEnrollOptions } {
  const limits = genesis.publicLimits;
  if (option === false) return {};
  if (option === undefined) return genesis.permission === Permission.PUBLIC && limits ? { selfEnroll: Object.freeze({ powBits: limits.powBits }) } : {};
  if (typeof option !== 'object' || option === null) bad('selfEnroll must be { powBits } or false');
  if (genesis.permission !== Permission.PUBLIC || !limits) bad('selfEnroll only on a public chain');
  const powBits = intIn(option.powBits, 0, MAX_POW_BITS, 'selfEnroll.powBits');
  // A weaker proof is refused by every gateway (BAD_POW): say so here, not in the field.
  if (powBits < limits.powBits) bad(`selfEnroll.powBits must be at least the genesis' ${limits.powBits}`);
  return { selfEnroll: Object.freeze({ powBits }) };
}
