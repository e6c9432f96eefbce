// JSON views of the ledger (tools layer, Node only): what the HTTP API serves and
// what `botpeer block` / `botpeer tx` print, built by the same functions so both
// always say the same thing. Byte strings are lowercase hex, times are given as
// ISO strings and as numbers (blocks in ms, transactions and readings in s).
//
// Every builder reads a LedgerStore (and, for accounts, a LedgerState) and never
// writes. Malformed input from a client is a RequestError (status 400); a well
// formed id that names nothing is `undefined` from the builder (the caller's 404).

import {
  type Account, AccountRole, AccountStatus, type BlockEntry, BlockReason, type CborValue, type CryptoProvider,
  type Genesis, HEADER_VERSION, type LedgerState, Permission, Quantity, Role, type SignedTx, TxKind, type ValidatorSet, bytesToHex, compareBytes,
  decodeLightBlock, decodeTx, equalBytes, errorName, hexToBytes, inclusionProof, keyId, parseReadings, txId,
  verifyTxInclusion,
} from '../../src/index.js';
import type { GroupCommitRecord } from './consortium/frost-participation.js';
import type { LedgerStore, StoredTx } from './ledger-store.js';

/** A client's input that cannot be a valid request (HTTP 400, CLI usage error). */
export class RequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Reverse of a frozen name → number table. */
function namesOf(table: Readonly<Record<string, number>>): (value: number) => string {
  const byValue = new Map(Object.entries(table).map(([name, value]) => [value, name]));
  return (value) => byValue.get(value) ?? `UNKNOWN_${value}`;
}

export const kindName = namesOf(TxKind);
export const quantityName = namesOf(Quantity);
export const roleName = namesOf(AccountRole);
export const statusName = namesOf(AccountStatus);
export const blockReasonName = namesOf(BlockReason);
const enrolRoleName = namesOf(Role);

/** The unit each Quantity's values are in (the name says it too; this is for display). */
const UNITS: Readonly<Record<string, string>> = Object.freeze({
  TEMPERATURE_C: '°C',
  RELATIVE_HUMIDITY_PCT: '%',
  PRESSURE_PA: 'Pa',
  ILLUMINANCE_LX: 'lx',
  VOLTAGE_V: 'V',
  CO2_PPM: 'ppm',
  BATTERY_PCT: '%',
  COUNT: '',
});

export function permissionName(permission: number): string {
  return permission === Permission.PRIVATE ? 'private' : permission === Permission.CONSORTIUM ? 'consortium' : permission === Permission.PUBLIC ? 'public' : `unknown_${permission}`;
}

/** mantissa × 10^scale as the nearest double (via the decimal string, so 2101e-2 is exactly 21.01). */
export function scaledValue(mantissa: number, scale: number): number {
  return Number(`${mantissa}e${scale}`);
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// Parsing of client input (path segments, query values, CLI arguments)

const HEX = /^[0-9a-fA-F]*$/;

/** `bytes` bytes of hex (either case), or a RequestError naming `what`. */
export function parseHexId(text: string, bytes: number, what: string): Uint8Array {
  if (text.length !== 2 * bytes || !HEX.test(text)) throw new RequestError(`${what} must be ${2 * bytes} hex digits, got ${JSON.stringify(clip(text))}`);
  return hexToBytes(text.toLowerCase());
}

export const parseTxId = (text: string) => parseHexId(text, 32, 'a transaction id');
export const parseAccountId = (text: string) => parseHexId(text, 8, 'a device id');

/** A decimal integer from min to max (no sign, no exponent, no leading zeros beyond "0"); the message names the same range. */
export function parseUint(text: string, what: string, max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || Number(text) > max || Number(text) < min) {
    throw new RequestError(`${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(clip(text))}`);
  }
  return Number(text);
}

/** "latest" or a height ≥ 1 (the genesis, height 0, is no stored block). */
export function parseHeight(text: string): number | 'latest' {
  if (text === 'latest') return 'latest';
  if (text === '0') throw new RequestError('height 0 is the genesis, not a block: heights start at 1');
  return parseUint(text, 'a block height', Number.MAX_SAFE_INTEGER, 1);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Blocks

export interface HeaderJson {
  version: number;
  chainId: string;
  height: number;
  time: number;
  prevHash: string;
  txRoot: string;
  txCount: number;
  stateRoot: string;
  validatorsHash: string;
  nextValidatorsHash: string;
}

export interface BlockJson {
  height: number;
  hash: string;
  time: string;
  timeMs: number;
  txCount: number;
  header: HeaderJson;
  /**
   * ECDSA commit: indices (in the validator set) of the validators whose signatures it carries.
   * Group (FROST) commit: who made the signature (index and member key), as a member recorded it
   * when it committed the block, or UNKNOWN_SIGNERS where this store has no record.
   */
  signers: number[] | { index: number; key: string }[] | typeof UNKNOWN_SIGNERS;
  /** Group commit: the BIP-340 signature under the set's group key. */
  groupSignature?: string;
  /** Group commit: the member (set index) that aggregated it, when recorded. */
  coordinator?: number;
  /** Present when the light block carries the validator set (it changed at this block). */
  validators?: { threshold: number; keys: string[] };
  txIds: string[];
}

/** What `signers` says of a group commit whose participation this store did not record. */
export const UNKNOWN_SIGNERS = 'unknown: a group signature does not say who signed, and this store has no record of it (only the members record it)';

/**
 * The block at `height` ('latest': the newest), or undefined if there is none. `participation`
 * gives who signed a group commit (a member's records, frost-participation.ts).
 */
export function blockJson(store: LedgerStore, height: number | 'latest', participation?: (height: number) => GroupCommitRecord | undefined): BlockJson | undefined {
  const block = height === 'latest' ? store.latestBlock() : store.block(height);
  if (!block) return undefined;
  const { header, commit, validators } = decodeLightBlock(block.lightBlock);
  const record = commit.groupSignature && participation?.(block.height);
  // A record for another header (a ledger rebuilt from scratch) is not this block's.
  const signed = record && equalBytes(record.headerHash, block.hash) && equalBytes(record.groupSignature, commit.groupSignature!) ? record : undefined;
  return {
    height: block.height,
    hash: bytesToHex(block.hash),
    time: iso(block.time),
    timeMs: block.time,
    txCount: block.txCount,
    header: {
      version: HEADER_VERSION,
      chainId: bytesToHex(header.chainId),
      height: header.height,
      time: header.time,
      prevHash: bytesToHex(header.prevHash),
      txRoot: bytesToHex(header.txRoot),
      txCount: header.txCount,
      stateRoot: bytesToHex(header.stateRoot),
      validatorsHash: bytesToHex(header.validatorsHash),
      nextValidatorsHash: bytesToHex(header.nextValidatorsHash),
    },
    ...(commit.groupSignature
      ? {
        signers: signed ? signed.signers.map((s) => ({ index: s.index, key: bytesToHex(s.key) })) : UNKNOWN_SIGNERS,
        groupSignature: bytesToHex(commit.groupSignature),
        ...(signed ? { coordinator: signed.coordinator } : {}),
      }
      : { signers: commit.signatures.map((s) => s.index) }),
    ...(validators ? { validators: { threshold: validators.threshold, keys: validators.keys.map(bytesToHex) } } : {}),
    txIds: store.blockTxIds(block.height).map(bytesToHex),
  };
}

// ---------------------------------------------------------------------------------------------
// Transactions

export interface ReadingJson {
  time: string;
  timeSeconds: number;
  /** mantissa × 10^scale */
  value: number;
  mantissa: number;
}

export interface SeriesJson {
  quantity: string;
  unit: string;
  scale: number;
  interval: number;
  readings: ReadingJson[];
}

export interface TxJson {
  id: string;
  height: number;
  index: number;
  blockHash: string;
  kind: string;
  sender: string;
  seq: number;
  time: string;
  timeSeconds: number;
  size: number;
  signature: string;
  body: Record<string, unknown>;
  proof: { index: number; size: number; path: string[] };
  /** The stored wire bytes hash to this id and its inclusion proof checks against the stored header. */
  verified: boolean;
  /** Why `verified` is false. */
  verifyError?: string;
}

/** A READINGS transaction's series, each reading scaled and timestamped (every reading view is built here). */
function seriesJson(tx: SignedTx): SeriesJson[] {
  return parseReadings(tx.body).map((s) => {
    const quantity = quantityName(s.quantity);
    return {
      quantity,
      unit: UNITS[quantity] ?? '',
      scale: s.scale,
      interval: s.interval,
      readings: s.values.map((mantissa, i) => {
        const timeSeconds = tx.time + i * s.interval;
        return { time: iso(timeSeconds * 1000), timeSeconds, value: scaledValue(mantissa, s.scale), mantissa };
      }),
    };
  });
}

/** A transaction's body in readable form: READINGS as series of scaled, timestamped values; other kinds by field. */
export function bodyJson(crypto: CryptoProvider, tx: SignedTx): Record<string, unknown> {
  const body = tx.body as readonly CborValue[];
  switch (tx.kind) {
    case TxKind.READINGS:
      return { series: seriesJson(tx) };
    case TxKind.ENROLL: {
      const key = body[0] as Uint8Array;
      return { key: bytesToHex(key), id: bytesToHex(keyId(crypto, key)), role: enrolRoleName(body[1] as number) };
    }
    case TxKind.REVOKE:
    case TxKind.BLOCK_LIFT:
      return { device: bytesToHex(body[0] as Uint8Array) };
    case TxKind.ROTATE_KEY:
      return { newKey: bytesToHex(body[0] as Uint8Array), newKeyId: bytesToHex(keyId(crypto, body[0] as Uint8Array)) };
    case TxKind.BLOCK_REPORT:
      return { device: bytesToHex(body[0] as Uint8Array), reason: blockReasonName(body[1] as number) };
    case TxKind.INVOKE:
      return { contract: body[0] as number, method: body[1] as number, args: cborJson(body[2]!) };
    default:
      return { raw: cborJson(tx.body) };
  }
}

/** Any CBOR value of the protocol's subset as JSON: byte strings as hex. */
export function cborJson(value: CborValue): unknown {
  if (value instanceof Uint8Array) return bytesToHex(value);
  if (Array.isArray(value)) return value.map((v: CborValue) => cborJson(v));
  return value;
}

/** A stored transaction with its decoded body, inclusion proof and a check of both against the stored header. */
export function txJson(crypto: CryptoProvider, store: LedgerStore, id: Uint8Array): TxJson | undefined {
  const stored = store.txById(id);
  return stored && storedTxJson(crypto, store, stored);
}

export function storedTxJson(crypto: CryptoProvider, store: LedgerStore, stored: StoredTx): TxJson {
  const tx = decodeTx(stored.wire);
  const block = store.block(stored.height);
  const proof = inclusionProof(crypto, store.blockTxIds(stored.height), stored.index);
  let verifyError: string | undefined;
  if (!block) verifyError = `block ${stored.height} is not stored`;
  else if (!equalBytes(txId(crypto, stored.wire), stored.txId)) verifyError = 'the stored bytes do not hash to this id';
  else {
    const result = verifyTxInclusion(crypto, decodeLightBlock(block.lightBlock).header, stored.txId, proof);
    if (!result.ok) verifyError = `${errorName(result.code)}: ${result.reason}`;
  }
  return {
    id: bytesToHex(stored.txId),
    height: stored.height,
    index: stored.index,
    blockHash: block ? bytesToHex(block.hash) : '',
    kind: kindName(tx.kind),
    sender: bytesToHex(tx.sender),
    seq: tx.seq,
    time: iso(tx.time * 1000),
    timeSeconds: tx.time,
    size: stored.wire.length,
    signature: bytesToHex(tx.signature),
    body: bodyJson(crypto, tx),
    proof: { index: proof.index, size: proof.size, path: proof.path.map(bytesToHex) },
    verified: verifyError === undefined,
    ...(verifyError === undefined ? {} : { verifyError }),
  };
}

// ---------------------------------------------------------------------------------------------
// A device's readings

export const DEFAULT_READINGS_LIMIT = 100;
export const MAX_READINGS_LIMIT = 1000;

export interface DeviceReadingJson extends ReadingJson {
  quantity: string;
  unit: string;
  scale: number;
  seq: number;
  height: number;
  txId: string;
}

/**
 * The newest `limit` readings of a device in the ledger, newest first: transactions by
 * descending sequence number (the device's own order), and within one, readings by
 * descending time.
 */
export function deviceReadingsJson(store: LedgerStore, deviceId: Uint8Array, limit: number) {
  const readings: DeviceReadingJson[] = [];
  // Nearly every transaction of a device is READINGS with ≥ 1 reading, so `limit`
  // transactions are almost always enough; fetch more only when they are not.
  let fetch = limit;
  let seen = 0;
  for (;;) {
    const txs = store.txsBySender(deviceId, fetch);
    for (const stored of txs.slice(seen)) {
      if (stored.kind !== TxKind.READINGS) continue;
      const tx = decodeTx(stored.wire);
      const mine: DeviceReadingJson[] = seriesJson(tx).flatMap(({ quantity, unit, scale, readings: values }) =>
        values.map((r) => ({ ...r, quantity, unit, scale, seq: tx.seq, height: stored.height, txId: bytesToHex(stored.txId) })),
      );
      mine.sort((a, b) => b.timeSeconds - a.timeSeconds);
      readings.push(...mine);
      if (readings.length >= limit) break;
    }
    seen = txs.length;
    if (readings.length >= limit || txs.length < fetch) break;
    fetch *= 2;
  }
  return { device: bytesToHex(deviceId), count: Math.min(limit, readings.length), readings: readings.slice(0, limit) };
}

// ---------------------------------------------------------------------------------------------
// Registry and blocklist

export interface AccountJson {
  id: string;
  key: string;
  role: string;
  status: string;
  lastSeq: number;
  enrolledAt: number;
  /** lastSeq in the working state (committed plus admitted, not yet in a block): the next seq to use is max(lastSeq, pendingSeq) + 1. */
  pendingSeq: number;
  /** False for an account enrolled by a transaction not yet in a block. */
  committed: boolean;
  /** Set when an admitted transaction changes the status (e.g. a pending revocation). */
  pendingStatus?: string;
  /** Set when an admitted ROTATE_KEY changes the key. */
  pendingKey?: string;
}

export function accountJson(committed: Account | undefined, working: Account | undefined): AccountJson | undefined {
  const base = committed ?? working;
  if (!base) return undefined;
  const out: AccountJson = {
    id: bytesToHex(base.id),
    key: bytesToHex(base.key),
    role: roleName(base.role),
    status: statusName(base.status),
    lastSeq: committed?.lastSeq ?? 0,
    enrolledAt: base.enrolledAt,
    pendingSeq: working?.lastSeq ?? committed!.lastSeq,
    committed: committed !== undefined,
  };
  if (committed && working && working.status !== committed.status) out.pendingStatus = statusName(working.status);
  if (committed && working && !equalBytes(working.key, committed.key)) out.pendingKey = bytesToHex(working.key);
  return out;
}

const byId = (a: { id: Uint8Array }, b: { id: Uint8Array }) => compareBytes(a.id, b.id);

/** Every account of the committed state (ordered by id), then those only the working state has. */
export function registryJson(committed: LedgerState, working: LedgerState): AccountJson[] {
  const out = committed.accounts().sort(byId).map((a) => accountJson(a, working.account(a.id))!);
  for (const a of working.accounts().sort(byId)) {
    if (!committed.account(a.id)) out.push(accountJson(undefined, a)!);
  }
  return out;
}

export interface BlockEntryJson {
  id: string;
  reason: string;
  reporter: string;
  height: number;
  committed: boolean;
  /** A BLOCK_LIFT for it is admitted but not yet in a block. */
  pendingLift?: boolean;
}

export function blocklistJson(committed: LedgerState, working: LedgerState): BlockEntryJson[] {
  const entry = (b: BlockEntry, isCommitted: boolean): BlockEntryJson => ({
    id: bytesToHex(b.id), reason: blockReasonName(b.reason), reporter: bytesToHex(b.reporter), height: b.height, committed: isCommitted,
  });
  const out = committed.blocked().sort(byId).map((b) => {
    const json = entry(b, true);
    if (!working.blockEntry(b.id)) json.pendingLift = true;
    return json;
  });
  for (const b of working.blocked().sort(byId)) if (!committed.blockEntry(b.id)) out.push(entry(b, false));
  return out;
}

/** Counts for /status, from the committed state. */
export function stateCounts(committed: LedgerState) {
  let devices = 0;
  let revoked = 0;
  for (const a of committed.accounts()) {
    if (a.role !== AccountRole.DEVICE && a.role !== AccountRole.GATEWAY) continue;
    devices++;
    if (a.status === AccountStatus.REVOKED) revoked++;
  }
  return { accounts: committed.accounts().length, devices, revoked, blocked: committed.blocked().length };
}

/** A validator set as /status shows it: threshold and the members' key ids. */
export function validatorsJson(crypto: CryptoProvider, set: ValidatorSet) {
  return { threshold: set.threshold, ids: set.keys.map((k) => bytesToHex(keyId(crypto, k))) };
}

/** The chain's identity as /status shows it. */
export function chainJson(crypto: CryptoProvider, genesis: Genesis, chainId: Uint8Array) {
  return {
    chainId: bytesToHex(chainId),
    name: new TextDecoder().decode(genesis.name),
    permission: permissionName(genesis.permission),
    genesisTime: iso(genesis.time),
    validators: validatorsJson(crypto, genesis.validators),
    operator: bytesToHex(keyId(crypto, genesis.operatorKey)),
    ...(genesis.publicLimits ? { publicLimits: { ...genesis.publicLimits } } : {}),
  };
}

/** Ingest's rejection counts (keyed by code) keyed by error name instead. */
export function rejectedByName(rejected: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, count] of Object.entries(rejected)) {
    const name = errorName(Number(code));
    out[name] = (out[name] ?? 0) + count;
  }
  return out;
}
