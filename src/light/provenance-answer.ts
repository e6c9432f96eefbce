// The provenance answer of the supply-chain contract (core layer, light): docs/protocol.md
// §13.1.3. What a gateway claims about an item's journey, nothing of it trusted: the item's and
// each step's entry with state proofs against the state of one height, the registry leaf of each
// travelling device (its key) with a state proof, and the READINGS transactions of the
// travelling devices with their inclusion proofs. src/light/verify-provenance.ts decides what a
// verifier may believe of it.
//
//   answer  = [itemId bstr(1..32), height uint, entry, [entry …] (steps 0..n−1), [entry …] (travellers), [reading …]]
//   entry   = [value bstr, stateProof]            stateProof as §6.3.3
//   reading = [wire bstr, height uint, inclusionProof]   inclusionProof as §7.1

import { type CborValue, decodeCbor, encodeCbor } from '../codec/cbor.js';
import type { DecodeLimits } from '../codec/limits.js';
import { arrayOf, listOf, uint } from '../codec/shape.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import type { InclusionProof } from '../merkle/merkle.js';
import { proofFromCbor, proofToCbor } from '../merkle/proof.js';
import { type StateProof, stateProofFromCbor, stateProofToCbor } from '../merkle/sparse-merkle-proof.js';
import { bytesToHex, equalBytes } from '../codec/bytes.js';
import type { CryptoProvider } from '../crypto/crypto-port.js';
import { ContractId, contractNamespace } from '../contracts/contract.js';
import type { LedgerState } from '../contracts/ledger-state.js';
import { MAX_ITEM_ID_BYTES, type Step, decodeItem, decodeStep, itemKey, stepKey } from '../contracts/supply-chain/supply-chain.js';

/**
 * An answer of a few thousand readings: a reading's transaction is at most 4096 bytes (TX_LIMITS), a
 * state proof at most 256 siblings. A verifier on a small device asks for a shorter journey.
 */
export const PROVENANCE_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 7,
  maxItems: 400_000,
  maxArrayLength: 4096,
  maxByteStringLength: 4096,
});

export interface ProvenEntry {
  readonly value: Uint8Array;
  readonly proof: StateProof;
}

export interface ProvenReading {
  /** The READINGS transaction's exact bytes (its id is their SHA-256). */
  readonly wire: Uint8Array;
  readonly height: number;
  readonly proof: InclusionProof;
}

export interface ProvenanceAnswer {
  readonly itemId: Uint8Array;
  /** Height of the state the entries are proven in: a header the verifier holds. */
  readonly height: number;
  readonly item: ProvenEntry;
  readonly steps: readonly ProvenEntry[];
  /** Registry leaves (§6.3.1) of the travelling devices named by the steps. */
  readonly travellers: readonly ProvenEntry[];
  readonly readings: readonly ProvenReading[];
}

const entryToCbor = (e: ProvenEntry): CborValue => [e.value, stateProofToCbor(e.proof)];

export function provenanceAnswerToCbor(a: ProvenanceAnswer): CborValue {
  return [a.itemId, a.height, entryToCbor(a.item), a.steps.map(entryToCbor), a.travellers.map(entryToCbor),
    a.readings.map((r) => [r.wire, r.height, proofToCbor(r.proof)])];
}

export function encodeProvenanceAnswer(a: ProvenanceAnswer): Uint8Array {
  return encodeCbor(provenanceAnswerToCbor(a));
}

function byteString(value: CborValue | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, `${what} must be a byte string`);
  return value;
}

function entryFromCbor(value: CborValue | undefined, what: string): ProvenEntry {
  const [v, proof] = arrayOf(value, 2, what);
  return Object.freeze({ value: byteString(v, `${what} value`), proof: stateProofFromCbor(proof!) });
}

/** Reads a decoded answer's shape. Throws BotError (BAD_SHAPE). */
export function provenanceAnswerFromCbor(value: CborValue): ProvenanceAnswer {
  const [itemId, height, item, steps, travellers, readings] = arrayOf(value, 6, 'provenance answer');
  const id = byteString(itemId, 'item id');
  if (id.length < 1 || id.length > MAX_ITEM_ID_BYTES) throw new BotError(ErrorCode.BAD_SHAPE, `item id must be 1..${MAX_ITEM_ID_BYTES} bytes`);
  return Object.freeze({
    itemId: id,
    height: uint(height, 'height'),
    item: entryFromCbor(item, 'item'),
    steps: Object.freeze(listOf(steps, 'steps').map((s) => entryFromCbor(s, 'step'))),
    travellers: Object.freeze(listOf(travellers, 'travellers').map((s) => entryFromCbor(s, 'traveller'))),
    readings: Object.freeze(listOf(readings, 'readings').map((r) => {
      const [wire, h, proof] = arrayOf(r, 3, 'reading');
      return Object.freeze({ wire: byteString(wire, 'reading wire'), height: uint(h, 'reading height'), proof: proofFromCbor(proof!) });
    })),
  });
}

/** Decodes untrusted bytes under PROVENANCE_LIMITS, then the shape. Throws BotError. */
export function decodeProvenanceAnswer(bytes: Uint8Array): ProvenanceAnswer {
  return provenanceAnswerFromCbor(decodeCbor(bytes, PROVENANCE_LIMITS));
}

/** A READINGS transaction of a travelling device in a block, with its inclusion proof: what a host's store gives. */
export type ReadingsOf = (device: Uint8Array, fromHeight: number, toHeight: number) => readonly ProvenReading[];

/**
 * The answer for `itemId` at `state`'s height (a committed state: its root is that header's
 * stateRoot), as a gateway builds it; undefined for an item never registered. `readingsOf` gives
 * a device's READINGS in a height range (both ends included), from the host's block store.
 */
export function buildProvenanceAnswer(crypto: CryptoProvider, state: LedgerState, height: number, itemId: Uint8Array, readingsOf: ReadingsOf): ProvenanceAnswer | undefined {
  const namespace = contractNamespace(ContractId.SUPPLY_CHAIN);
  const proven = (ns: Uint8Array, key: Uint8Array): ProvenEntry | undefined => {
    const answer = state.prove(crypto, ns, key);
    return answer.value === undefined ? undefined : { value: answer.value, proof: answer.proof };
  };
  const item = proven(namespace, itemKey(itemId));
  if (!item) return undefined;
  const { steps: count } = decodeItem(item.value);
  const steps: ProvenEntry[] = [];
  const stepValues: Step[] = [];
  for (let n = 0; n < count; n++) {
    const step = proven(namespace, stepKey(itemId, n))!;
    steps.push(step);
    stepValues.push(decodeStep(step.value));
  }
  const travellers = new Map<string, Uint8Array>();
  for (const s of stepValues) for (const t of s.travellers) travellers.set(bytesToHex(t), t);
  const registry = contractNamespace(ContractId.REGISTRY);
  const readings: ProvenReading[] = [];
  const seen = new Set<string>();
  for (const device of travellers.values()) {
    stepValues.forEach((s, n) => {
      if (!s.travellers.some((t) => equalBytes(t, device))) return;
      const end = stepValues[n + 1]?.height ?? height;
      for (const r of readingsOf(device, s.height, end)) {
        const key = `${r.height}:${bytesToHex(r.wire)}`;
        if (!seen.has(key)) readings.push(r);
        seen.add(key);
      }
    });
  }
  readings.sort((a, b) => a.height - b.height || a.proof.index - b.proof.index);
  return Object.freeze({
    itemId, height, item, steps,
    travellers: [...travellers.values()].map((id) => proven(registry, id)!),
    readings,
  });
}
