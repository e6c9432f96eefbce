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
import { MajorType, headSizeOfInfo, readHeadArgument } from '../../src/codec/cbor-head.js';

const ARRAY_6 = 0x86;
const BSTR_8 = 0x48;
/** Header + sender: the bytes before seq. */
const SEQ_AT = 11;

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
  const seq = readUint(wire, SEQ_AT);
  if (seq < 1) return undefined;
  const timeAt = SEQ_AT + headSizeOfInfo(wire[SEQ_AT]! & 0x1f);
  const time = readUint(wire, timeAt);
  if (time < 0) return undefined;
  return new WireTx(kind, wire.subarray(3, SEQ_AT), seq, time, wire);
}

/**
 * The unsigned integer at `at`, or a negative number unless it is a major type 0 head within
 * the bytes, in shortest form and within 2^53 - 1 (the scan's rules, src/codec/cbor-head.ts).
 */
function readUint(wire: Uint8Array, at: number): number {
  if (at >= wire.length || wire[at]! >> 5 !== MajorType.UINT) return -1;
  return readHeadArgument(wire, at);
}
