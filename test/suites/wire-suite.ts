// The hand-written encoders of the hot wire messages against cbor-x (test layer,
// platform-neutral): encodeAck and encodeProofMessage write heads straight into a
// buffer (src/codec/cbor-head.ts); here they must give the bytes cbor-x gives for
// the same values, on edge values and on every proof of trees of many sizes, and
// decode back; packProofMessages must split a device's proofs into messages that each
// decode under SMALL_LIMITS and together hold every proof, in order. Run by ava on Node and, from test/xs/wire-entry.ts, under XS.

import { encodeCbor } from '../../src/codec/cbor.js';
import { MajorType, headSize, readHeadArgument, writeHead } from '../../src/codec/cbor-head.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { inclusionProofs } from '../../src/merkle/merkle.js';
import { proofToCbor } from '../../src/merkle/proof.js';
import { decodeAck, encodeAck } from '../../src/mqtt/ack-message.js';
import { SMALL_LIMITS } from '../../src/codec/limits.js';
import { type TxProof, decodeProofMessage, encodeProofMessage, packProofMessages } from '../../src/mqtt/proof-message.js';
import { hex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, runVector } from './check.js';

/** Every head width and both sides of each boundary, up to 2^53 - 1. */
export const EDGE_UINTS: readonly number[] = Object.freeze([
  0, 1, 23, 24, 255, 256, 65_535, 65_536, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0001, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER,
]);
const CODES = [0, 23, 24, 206, 699];
const TREE_SIZES = [1, 2, 3, 7, 8, 9, 24, 25, 300];

function equalHex(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expectEqual(hex(actual), hex(expected), what);
}

function headSuite(): VectorResult[] {
  return EDGE_UINTS.map((n) =>
    runVector('wire-head', `uint ${n}`, () => {
      const out = new Uint8Array(headSize(n));
      expectEqual(writeHead(out, 0, MajorType.UINT, n), out.length, 'head size');
      equalHex(out, encodeCbor(n), 'cbor-x bytes');
      expectEqual(readHeadArgument(out, 0), n, 'read back');
    }),
  );
}

function ackSuite(): VectorResult[] {
  return EDGE_UINTS.flatMap((seq) =>
    CODES.map((code) =>
      runVector('wire-ack', `seq ${seq}, code ${code}`, () => {
        const bytes = encodeAck({ seq, code });
        equalHex(bytes, encodeCbor([seq, code]), 'cbor-x bytes');
        const back = decodeAck(bytes);
        expectEqual(`${back.seq}/${back.code}`, `${seq}/${code}`, 'decoded');
      }),
    ),
  );
}

function proofSuite(crypto: CryptoProvider): VectorResult[] {
  return TREE_SIZES.map((size) =>
    runVector('wire-proof', `every leaf of a tree of ${size}`, () => {
      const leaves = Array.from({ length: size }, (_, i) => crypto.sha256(Uint8Array.of(size & 0xff, i & 0xff, i >> 8)));
      const proofs = inclusionProofs(crypto, leaves);
      proofs.forEach((proof, i) => {
        const seq = EDGE_UINTS[i % EDGE_UINTS.length]!;
        const height = EDGE_UINTS[(i * 7) % EDGE_UINTS.length]!;
        const bytes = encodeProofMessage({ height, proofs: [{ seq, proof }] });
        equalHex(bytes, encodeCbor([height, seq, proofToCbor(proof)]), `leaf ${i}: cbor-x bytes`);
        const back = decodeProofMessage(bytes);
        equalHex(encodeCbor([back.height, back.proofs[0]!.seq, proofToCbor(back.proofs[0]!.proof)]), bytes, `leaf ${i}: decoded`);
      });
      // Several proofs in one message: the first three leaves under ascending seqs.
      const list: TxProof[] = proofs.slice(0, 3).map((proof, i) => ({ seq: 1 + i * 300, proof }));
      const bytes = encodeProofMessage({ height: size, proofs: list });
      equalHex(bytes, encodeCbor([size, ...list.flatMap((p) => [p.seq, proofToCbor(p.proof)])]), 'a list: cbor-x bytes');
      expectEqual(decodeProofMessage(bytes).proofs.length, list.length, 'a list: decoded');
    }),
  );
}

/** A device's proofs in one block, split by packProofMessages: each message within SMALL_LIMITS, all proofs kept in order. */
function packSuite(crypto: CryptoProvider): VectorResult[] {
  return [[1, 1], [300, 1], [300, 40], [4096, 4], [4096, 100], [2 ** 32 - 1, 63]].map(([size, count]) =>
    runVector('wire-proof-pack', `${count} proofs of a tree of ${size}`, () => {
      const levels = Math.ceil(Math.log2(size!));
      const path = Array.from({ length: levels }, (_, i) => crypto.sha256(Uint8Array.of(i)));
      const list: TxProof[] = Array.from({ length: count! }, (_, i) => ({ seq: 1000 + 2 * i, proof: { index: i, size: size!, path } }));
      const messages = packProofMessages(7, list);
      const seqs: number[] = [];
      for (const bytes of messages) {
        expectEqual(bytes.length <= SMALL_LIMITS.maxBytes, true, 'within maxBytes');
        const m = decodeProofMessage(bytes);
        expectEqual(m.height, 7, 'height');
        for (const p of m.proofs) seqs.push(p.seq);
      }
      expectEqual(seqs.join(','), list.map((p) => p.seq).join(','), 'every proof, in order');
      // As few messages as the bounds allow: a message and the next one's first proof would not decode as one.
      let at = 0;
      messages.forEach((bytes, i) => {
        const count = decodeProofMessage(bytes).proofs.length;
        at += count;
        if (i === messages.length - 1) return;
        let fits = true;
        try {
          decodeProofMessage(encodeProofMessage({ height: 7, proofs: list.slice(at - count, at + 1) }));
        } catch {
          fits = false;
        }
        expectEqual(fits, false, `message ${i} could hold one more`);
      });
    }),
  );
}

function largeProofSuite(): VectorResult[] {
  return [
    runVector('wire-proof', 'index and size past one byte, a path of 25 hashes (a 2-byte array head)', () => {
      const path = Array.from({ length: 25 }, (_, i) => new Uint8Array(32).fill(i));
      const proof = { index: 70_000, size: 0x1_0000_0001, path };
      equalHex(encodeProofMessage({ height: 300, proofs: [{ seq: 9, proof }] }), encodeCbor([300, 9, proofToCbor(proof)]), 'cbor-x bytes');
    }),
  ];
}

export function runWireSuites(crypto: CryptoProvider): VectorResult[] {
  return [...headSuite(), ...ackSuite(), ...proofSuite(crypto), ...largeProofSuite(), ...packSuite(crypto)];
}
