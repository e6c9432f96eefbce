// A transaction's header fields read straight from its wire bytes (tools layer, Node only):
// the gateway's ingest uses them on the main thread so that it never decodes a transaction
// there; the verify workers decode each one strictly (decodeTx) and check its signature.
//
// Hand-written rather than a CBOR decode because it is the hot path of ingest and needs only
// the fixed prefix of the canonical encoding (docs/protocol.md §5.1):
//
//   86            array(6)
//   0k            kind, 0..6 (a uint below 24 sits in the head byte)
//   48 <8 bytes>  sender, bstr(8)
//   <uint>        seq ≥ 1, shortest form
//   <uint>        time, shortest form
//   …             body and signature: not read here
//
// It allocates nothing but the result and reads at most 31 bytes. Every wire decodeTx accepts
// reads, with the same fields, and a prefix decodeTx would refuse (wrong shape, unknown kind,
// seq 0, an integer not in shortest form or beyond 2^53 - 1) does not: test/gateway-tx-header.test.ts
// checks both on valid, edge-case and generated wires. For a prefix that does not read ingest
// decodes on the main thread, to give the precise typed rejection. A header that reads says
// nothing about the rest of the wire: only a worker's strict decode does.

import { type CborValue, type SignedTx, TX_LIMITS, type TxKind, decodeTx, isTxKind } from '../../src/index.js';

const ARRAY_6 = 0x86;
const BSTR_8 = 0x48;
/** Header + sender: the bytes before seq. */
const SEQ_AT = 11;
const TWO_32 = 0x1_0000_0000;
/** Largest high 32-bit word of a safe integer (2^53 - 1). */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/**
 * A transaction whose header fields were read from its wire and whose body and signature are
 * decoded from the same bytes only when asked for (admitting a reading needs only the header;
 * the system kinds read their body). Build one only from a wire that a verify worker decoded
 * strictly, so that the lazy decode cannot throw.
 */
export class WireTx implements SignedTx {
  private decoded: SignedTx | undefined;

  constructor(
    readonly kind: TxKind,
    readonly sender: Uint8Array,
    readonly seq: number,
    readonly time: number,
    readonly wire: Uint8Array,
  ) {}

  get body(): CborValue {
    return (this.decoded ??= decodeTx(this.wire)).body;
  }

  get signature(): Uint8Array {
    return (this.decoded ??= decodeTx(this.wire)).signature;
  }
}

/**
 * The header of a canonically encoded transaction as a WireTx over `wire` (its sender is a view
 * into `wire`, so pass bytes the caller owns), or undefined if the prefix is not one that
 * decodeTx would accept.
 */
export function readTxHeader(wire: Uint8Array): WireTx | undefined {
  if (wire.length > TX_LIMITS.maxBytes || wire.length < SEQ_AT + 2) return undefined;
  if (wire[0] !== ARRAY_6 || wire[2] !== BSTR_8) return undefined;
  const kind = wire[1]!;
  if (!isTxKind(kind)) return undefined;
  const seqEnd = uintEnd(wire, SEQ_AT);
  if (seqEnd < 0) return undefined;
  const seq = uintValue(wire, SEQ_AT);
  if (seq < 1) return undefined;
  const timeEnd = uintEnd(wire, seqEnd);
  if (timeEnd < 0) return undefined;
  return new WireTx(kind, wire.subarray(3, SEQ_AT), seq, uintValue(wire, seqEnd), wire);
}

/**
 * Where the unsigned integer at `at` ends, or -1 unless it is a major type 0 head in shortest
 * form, within the bytes and within 2^53 - 1 (the scan's rules, src/codec/cbor-scan.ts).
 */
function uintEnd(wire: Uint8Array, at: number): number {
  if (at >= wire.length) return -1;
  const head = wire[at]!;
  if (head < 24) return at + 1;
  const width = head === 24 ? 1 : head === 25 ? 2 : head === 26 ? 4 : head === 27 ? 8 : 0;
  if (width === 0 || at + 1 + width > wire.length) return -1;
  const value = uintValue(wire, at);
  const minimum = width === 1 ? 24 : width === 2 ? 0x100 : width === 4 ? 0x1_0000 : TWO_32;
  if (value < minimum) return -1;
  if (width === 8 && readUint32(wire, at + 1) > MAX_SAFE_HIGH_WORD) return -1;
  return at + 1 + width;
}

/** The value of a uint head already checked by uintEnd. */
function uintValue(wire: Uint8Array, at: number): number {
  const head = wire[at]!;
  if (head < 24) return head;
  if (head === 24) return wire[at + 1]!;
  if (head === 25) return (wire[at + 1]! << 8) | wire[at + 2]!;
  if (head === 26) return readUint32(wire, at + 1);
  return readUint32(wire, at + 1) * TWO_32 + readUint32(wire, at + 5);
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}
