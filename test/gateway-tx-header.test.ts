// The gateway's transaction header reader (test layer, Node only): ingest trusts it for the
// kind, sender, seq and time of every transaction it admits, while only the verify workers
// decode, so it must agree with decodeTx on every wire decodeTx accepts, and refuse (undefined)
// the prefixes decodeTx refuses. Random valid transactions of every kind, every integer width
// at its edges, and random or mutated bytes.

import test from 'ava';
import fc from 'fast-check';
import {
  BlockReason, Quantity, type SignedTx, TX_LIMITS, TxKind, blockReportBody, concatBytes, decodeTx, encodeCbor, encodeTx,
  readingsBody,
} from '../src/index.js';
import { WireTx, readTxHeader } from '../tools/gateway/tx-header.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A well-formed transaction (the reader never looks at the signature, so it need not verify). */
function tx(kind: number, sender: Uint8Array, seq: number, time: number, signatureByte = 7): SignedTx {
  const body =
    kind === TxKind.BLOCK_REPORT
      ? blockReportBody(new Uint8Array(8).fill(3), BlockReason.FLOOD)
      : readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2000 + (seq % 500)] }]);
  return { kind: kind as SignedTx['kind'], sender, seq, time, body, signature: new Uint8Array(64).fill(signatureByte) };
}

function decodes(wire: Uint8Array): SignedTx | undefined {
  try {
    return decodeTx(wire);
  } catch {
    return undefined;
  }
}

const header = (t: SignedTx | undefined) => t && { kind: t.kind, sender: [...t.sender], seq: t.seq, time: t.time };

/** Integers at every width boundary of the CBOR head (1, 2, 3, 5 and 9 bytes). */
const edges = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 0xffff_ffff, 0x1_0000_0000, MAX_SAFE];
const anyUint = fc.oneof(fc.constantFrom(...edges), fc.nat(), fc.maxSafeNat());

test('on every valid reading and block report the header equals decodeTx, and body and signature come from the wire', (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(TxKind.READINGS, TxKind.BLOCK_REPORT),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      anyUint.filter((n) => n >= 1),
      anyUint,
      (kind, sender, seq, time) => {
        const wire = encodeTx(tx(kind, sender, seq, time));
        const read = readTxHeader(wire);
        const decoded = decodeTx(wire);
        if (!(read instanceof WireTx)) return false;
        t.deepEqual(header(read), header(decoded));
        t.deepEqual(read.body, decoded.body);
        t.deepEqual(read.signature, decoded.signature);
        return read.wire === wire && read.sender.buffer === wire.buffer;
      },
    ),
    { numRuns: 500 },
  );
});

test('every seq and time width reads, at both edges of each', (t) => {
  const sender = new Uint8Array(8).fill(9);
  for (const seq of edges.filter((n) => n >= 1)) {
    for (const time of edges) {
      const wire = encodeTx(tx(TxKind.READINGS, sender, seq, time));
      t.deepEqual(header(readTxHeader(wire)), header(decodeTx(wire)), `seq ${seq}, time ${time}`);
    }
  }
});

test('prefixes decodeTx refuses are refused', (t) => {
  const sender = new Uint8Array(8).fill(1);
  const wire = encodeTx(tx(TxKind.READINGS, sender, 5, 1_767_225_600));
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['truncated inside time', wire.subarray(0, 14)],
    ['an array of 5', concatBytes(Uint8Array.of(0x85), wire.subarray(1))],
    ['a map', concatBytes(Uint8Array.of(0xa6), wire.subarray(1))],
    ['kind 8', concatBytes(Uint8Array.of(0x86, 0x08), wire.subarray(2))],
    ['kind as a 1-byte uint', concatBytes(Uint8Array.of(0x86, 0x18, 0x00), wire.subarray(2))],
    ['negative kind', concatBytes(Uint8Array.of(0x86, 0x20), wire.subarray(2))],
    ['sender of 7 bytes', concatBytes(Uint8Array.of(0x86, 0x00, 0x47), wire.subarray(3, 10), wire.subarray(11))],
    ['seq 0', encodeTx({ ...tx(TxKind.READINGS, sender, 1, 0), seq: 0 })],
    ['seq 5 in a 1-byte argument', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x18, 0x05), wire.subarray(12))],
    ['seq 5 in a 2-byte argument', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x19, 0, 0x05), wire.subarray(12))],
    ['seq 5 in a 4-byte argument', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x1a, 0, 0, 0, 0x05), wire.subarray(12))],
    ['seq 5 in an 8-byte argument', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x1b, 0, 0, 0, 0, 0, 0, 0, 0x05), wire.subarray(12))],
    ['seq with reserved additional info 28', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x1c), wire.subarray(12))],
    ['seq as a byte string', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x41, 0x05), wire.subarray(12))],
    ['seq beyond 2^53 - 1', concatBytes(wire.subarray(0, 11), Uint8Array.of(0x1b, 0x00, 0x20, 0, 0, 0, 0, 0, 0), wire.subarray(12))],
    ['time in a non-shortest 4 bytes', concatBytes(wire.subarray(0, 12), Uint8Array.of(0x1a, 0, 0, 0, 9), wire.subarray(17))],
    ['larger than a transaction may be', concatBytes(wire, new Uint8Array(TX_LIMITS.maxBytes))],
  ];
  for (const [why, bytes] of cases) {
    t.is(readTxHeader(bytes), undefined, why);
    t.is(decodes(bytes), undefined, `${why}: decodeTx refuses it too`);
  }
});

/** A uint head of a chosen width (possibly not the shortest, or too wide for the value). */
function uintOfWidth(value: number, width: 0 | 1 | 2 | 4 | 8): Uint8Array {
  if (width === 0) return Uint8Array.of(value & 0x1f);
  const out = new Uint8Array(1 + width);
  out[0] = width === 1 ? 24 : width === 2 ? 25 : width === 4 ? 26 : 27;
  let v = BigInt(value);
  for (let i = width; i >= 1; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

test('random and rebuilt headers: whenever decodeTx accepts a wire, the header reads the same fields', (t) => {
  const sender = new Uint8Array(8).fill(0x42);
  const valid = encodeTx(tx(TxKind.READINGS, sender, 300, 1_767_225_600));
  const rest = valid.subarray(valid.length - 66 - readingsBodyLength(valid)); // body + bstr(64) signature
  // Mostly the valid piece, sometimes another: so that many wires decode and many do not.
  const mostly = <T>(good: T, others: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(good), weight: 5 }, { arbitrary: others, weight: 1 });
  const shortest = (n: number) => (n < 24 ? 0 : n < 0x100 ? 1 : n < 0x1_0000 ? 2 : n < 0x1_0000_0000 ? 4 : 8);
  const uint = anyUint.chain((n) => fc.tuple(fc.constant(n), mostly<0 | 1 | 2 | 4 | 8>(shortest(n), fc.constantFrom(0, 1, 2, 4, 8))));
  let accepted = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        // A header put together from valid and invalid pieces, then the valid body and signature.
        fc
          .tuple(
            mostly(0x86, fc.constantFrom(0x85, 0x87, 0x98)),
            mostly(TxKind.READINGS, fc.integer({ min: 0, max: 0x30 })),
            mostly(0x48, fc.constantFrom(0x47, 0x49, 0x58)),
            fc.uint8Array({ minLength: 8, maxLength: 8 }),
            uint,
            uint,
          )
          .map(([array, kind, senderHead, senderBytes, [seq, seqWidth], [time, timeWidth]]) =>
            concatBytes(Uint8Array.of(array, kind, senderHead), senderBytes, uintOfWidth(seq, seqWidth), uintOfWidth(time, timeWidth), rest),
          ),
      ),
      (bytes) => {
        const decoded = decodes(bytes);
        if (decoded === undefined) return true;
        accepted++;
        t.deepEqual(header(readTxHeader(bytes)), header(decoded));
        return true;
      },
    ),
    { numRuns: 3000 },
  );
  t.log(`${accepted} of 3000 generated wires decoded and were compared`);
  t.true(accepted > 50, 'enough generated wires are valid for the comparison to mean something');
});

/** Length of the 1-reading body in a wire made by tx(): everything between time and the signature. */
function readingsBodyLength(wire: Uint8Array): number {
  return encodeCbor(decodeTx(wire).body).length;
}
