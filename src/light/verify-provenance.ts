// An item's provenance, checked by whoever asks (core layer, light): use case II.1
// (docs/protocol.md §13.1.4). A pure function of (the item id asked for, the answer a gateway
// gave, the headers the verifier verified itself, an optional cold-chain rule). Checks in
// order, cheapest first; the first failure is the result:
//
//   1. UNVERIFIED_HEADER  the answer's height is not the verified header's
//   2. BAD_SHAPE / 1xx, PROOF_SHAPE / BAD_PROOF  the item entry and its state proof against
//                         the header's stateRoot (§6.3.3); an absent item cannot be answered
//   3. BAD_PROVENANCE     not exactly the item's step count of steps
//   4. BAD_SHAPE / PROOF_SHAPE / BAD_PROOF  each step's entry and state proof
//   5. BAD_PROVENANCE     steps that do not chain: step 0 not a registration by the creator, a
//                         step's `from` not the previous `to`, heights going down, the last step
//                         not the item's holder and travellers
//   6. BAD_PROVENANCE, BAD_SHAPE, PROOF_SHAPE / BAD_PROOF  one registry leaf per travelling device
//                         named by the steps, no other, each with its state proof
//   7. for each reading: 1xx / 2xx its decoding; BAD_PROVENANCE not READINGS, a transaction given
//                         twice, above the header, or in no leg whose travellers include its
//                         sender; UNVERIFIED_HEADER no verified header at its height;
//                         PROOF_SHAPE / BAD_PROOF its inclusion (§8.6); BAD_SIGNATURE its signature
//                         under the sender's proven key
//
// Leg n runs from step n's height to step n+1's (both included: a block can hold readings sent
// before and after the step), the last leg to the header. A reading counts in the latest leg that
// holds it. Then the rule: every value of its quantity, in every leg, must stay below (or at) the
// limit; a value that does not is a breach, reported with its leg, device and time. A breach is a
// fact the answer proves, not a failure of the answer.
//
// What it cannot prove: that the gateway gave every reading. Readings are not contract state; a
// gateway that hides one is caught only by a verifier that also asks another member (consortium)
// or the devices themselves.

import { equalBytes } from '../codec/bytes.js';
import { decodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { arrayOf, bytes, uint } from '../codec/shape.js';
import { type Result, attempt, fail, ok } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { PUBLIC_KEY_BYTES, type CryptoProvider } from '../crypto/crypto-port.js';
import type { Header } from '../chain/header.js';
import { verifyStateProof } from '../merkle/sparse-merkle-proof.js';
import { parseReadings } from '../tx/bodies.js';
import { ID_BYTES } from '../tx/identity.js';
import { TxKind, type Quantity } from '../tx/kinds.js';
import { decodeTx, txId, verifyTxSignature } from '../tx/tx.js';
import { bytesToHex } from '../codec/bytes.js';
import { ContractId, contractNamespace } from '../contracts/contract.js';
import { type Item, type Step, SupplyChainMethod, decodeItem, decodeStep, itemKey, stepKey } from '../contracts/supply-chain/supply-chain.js';
import type { ProvenEntry, ProvenanceAnswer } from './provenance-answer.js';
import { verifyTxInclusion } from './verify-inclusion.js';

/** A limit every value of one quantity must respect: value ≤ (or <) mantissa × 10^scale. */
export interface ColdChainRule {
  readonly quantity: Quantity;
  readonly limitMantissa: number;
  readonly limitScale: number;
  /** True: the value must stay strictly below the limit; false: at most the limit. */
  readonly strict: boolean;
}

export interface ProvenanceContext {
  /** The verifier's own chain: signatures are checked under it. */
  readonly chainId: Uint8Array;
  /** The header the answer's state is proven against, verified by the caller. */
  readonly header: Header;
  /** A header at `height` the verifier verified itself, if it holds one. */
  headerAt(height: number): Header | undefined;
}

export interface ProvenValue {
  readonly device: Uint8Array;
  readonly seq: number;
  readonly height: number;
  /** Seconds: the time of this value (the transaction's time plus its place in the series). */
  readonly time: number;
  readonly quantity: Quantity;
  readonly mantissa: number;
  readonly scale: number;
}

export interface ProvenLeg {
  /** Step number: the leg starts with it. */
  readonly n: number;
  readonly step: Step;
  /** Height the leg ends at: the next step's, or the header's for the last leg. */
  readonly endHeight: number;
  /** Values of the rule's quantity (every value when no rule), in transaction then series order. */
  readonly values: readonly ProvenValue[];
  /** The values that broke the rule. */
  readonly breaches: readonly ProvenValue[];
}

export interface VerifiedProvenance {
  readonly itemId: Uint8Array;
  readonly item: Item;
  readonly height: number;
  readonly legs: readonly ProvenLeg[];
  /** Readings (transactions) checked. */
  readonly readings: number;
  /** No breach in any leg (true when no rule was given). */
  readonly held: boolean;
}

/** Whether `mantissa × 10^scale` respects the rule's limit; exact, in integers. */
export function withinLimit(rule: ColdChainRule, mantissa: number, scale: number): boolean {
  const common = Math.min(scale, rule.limitScale);
  const value = BigInt(mantissa) * BigInt(10) ** BigInt(scale - common);
  const limit = BigInt(rule.limitMantissa) * BigInt(10) ** BigInt(rule.limitScale - common);
  return rule.strict ? value < limit : value <= limit;
}

const registryNamespace = () => contractNamespace(ContractId.REGISTRY);
const supplyNamespace = () => contractNamespace(ContractId.SUPPLY_CHAIN);

/** A registry leaf (§6.3.1) [id, key, role, status, lastSeq, enrolledAt]: its id and key. */
function accountIdAndKey(value: Uint8Array): { id: Uint8Array; key: Uint8Array } {
  const [id, key, role, status, lastSeq, enrolledAt] = arrayOf(decodeCbor(value, SMALL_LIMITS), 6, 'account leaf');
  uint(role, 'role'); uint(status, 'status'); uint(lastSeq, 'lastSeq'); uint(enrolledAt, 'enrolledAt');
  return { id: bytes(id, ID_BYTES, 'account id'), key: bytes(key, PUBLIC_KEY_BYTES, 'account key') };
}

function provenEntry<T>(crypto: CryptoProvider, root: Uint8Array, namespace: Uint8Array, key: Uint8Array, entry: ProvenEntry, decode: (v: Uint8Array) => T): Result<T> {
  const decoded = attempt(() => decode(entry.value));
  if (!decoded.ok) return decoded;
  const proven = verifyStateProof(crypto, root, namespace, key, entry.value, entry.proof);
  return proven.ok ? decoded : proven;
}

const sameList = (a: readonly Uint8Array[], b: readonly Uint8Array[]) => a.length === b.length && a.every((x, i) => equalBytes(x, b[i]!));
const hex = (id: Uint8Array) => bytesToHex(id);

export function verifyProvenance(crypto: CryptoProvider, itemId: Uint8Array, answer: ProvenanceAnswer, context: ProvenanceContext, rule?: ColdChainRule): Result<VerifiedProvenance> {
  const { header } = context;
  // 1.
  if (answer.height !== header.height) return fail(ErrorCode.UNVERIFIED_HEADER, `answer at height ${answer.height}, verified header at ${header.height}`);
  if (!equalBytes(answer.itemId, itemId)) return fail(ErrorCode.BAD_PROVENANCE, `answer for item ${hex(answer.itemId)}, asked ${hex(itemId)}`);
  const root = header.stateRoot;
  // 2.
  const item = provenEntry(crypto, root, supplyNamespace(), itemKey(itemId), answer.item, decodeItem);
  if (!item.ok) return item;
  // 3.
  if (answer.steps.length !== item.value.steps) return fail(ErrorCode.BAD_PROVENANCE, `${answer.steps.length} steps given, the item has ${item.value.steps}`);
  // 4., 5.
  const steps: Step[] = [];
  for (let n = 0; n < answer.steps.length; n++) {
    const step = provenEntry(crypto, root, supplyNamespace(), stepKey(itemId, n), answer.steps[n]!, decodeStep);
    if (!step.ok) return step;
    const s = step.value;
    const previous = steps[n - 1];
    if (!previous) {
      if (s.method !== SupplyChainMethod.REGISTER_ITEM || !equalBytes(s.from, item.value.creator) || !equalBytes(s.to, item.value.creator) || s.height !== item.value.registeredAt) {
        return fail(ErrorCode.BAD_PROVENANCE, 'step 0 is not the registration by the creator');
      }
    } else if (s.method === SupplyChainMethod.REGISTER_ITEM || !equalBytes(s.from, previous.to) || s.height < previous.height) {
      return fail(ErrorCode.BAD_PROVENANCE, `step ${n} does not follow step ${n - 1}`);
    }
    steps.push(s);
  }
  const last = steps[steps.length - 1]!;
  if (!equalBytes(last.to, item.value.holder) || !sameList(last.travellers, item.value.travellers) || last.height > header.height) {
    return fail(ErrorCode.BAD_PROVENANCE, 'the last step is not the item as it stands');
  }
  // 6.
  const named = new Map<string, Uint8Array>();
  for (const s of steps) for (const t of s.travellers) named.set(hex(t), t);
  const keys = new Map<string, Uint8Array>();
  for (const entry of answer.travellers) {
    const leaf = attempt(() => accountIdAndKey(entry.value));
    if (!leaf.ok) return leaf;
    const id = hex(leaf.value.id);
    if (!named.has(id) || keys.has(id)) return fail(ErrorCode.BAD_PROVENANCE, `traveller ${id} not named by a step, or given twice`);
    const proven = verifyStateProof(crypto, root, registryNamespace(), leaf.value.id, entry.value, entry.proof);
    if (!proven.ok) return proven;
    keys.set(id, leaf.value.key);
  }
  if (keys.size !== named.size) return fail(ErrorCode.BAD_PROVENANCE, `${named.size} travelling devices, ${keys.size} keys given`);
  // 7.
  const legs = steps.map((step, n) => ({ n, step, endHeight: steps[n + 1]?.height ?? header.height, values: [] as ProvenValue[], breaches: [] as ProvenValue[] }));
  const seen = new Set<string>();
  for (const reading of answer.readings) {
    const decoded = attempt(() => decodeTx(reading.wire));
    if (!decoded.ok) return decoded;
    const tx = decoded.value;
    const id = txId(crypto, reading.wire);
    if (tx.kind !== TxKind.READINGS) return fail(ErrorCode.BAD_PROVENANCE, `transaction of kind ${tx.kind}, not READINGS`);
    if (seen.has(hex(id))) return fail(ErrorCode.BAD_PROVENANCE, 'a reading given twice');
    seen.add(hex(id));
    if (reading.height > header.height) return fail(ErrorCode.BAD_PROVENANCE, `reading at height ${reading.height}, above the state's ${header.height}`);
    let leg: (typeof legs)[number] | undefined;
    for (const l of legs) if (l.step.height <= reading.height && reading.height <= l.endHeight && l.step.travellers.some((t) => equalBytes(t, tx.sender))) leg = l;
    if (!leg) return fail(ErrorCode.BAD_PROVENANCE, `reading of ${hex(tx.sender)} at height ${reading.height} in no leg it travelled`);
    const at = context.headerAt(reading.height);
    if (!at || at.height !== reading.height) return fail(ErrorCode.UNVERIFIED_HEADER, `no verified header at height ${reading.height}`);
    const included = verifyTxInclusion(crypto, at, id, reading.proof);
    if (!included.ok) return included;
    const signed = verifyTxSignature(crypto, context.chainId, tx, keys.get(hex(tx.sender))!);
    if (!signed.ok) return signed;
    for (const series of parseReadings(tx.body)) {
      if (rule && series.quantity !== rule.quantity) continue;
      series.values.forEach((mantissa, i) => {
        const value: ProvenValue = Object.freeze({ device: tx.sender, seq: tx.seq, height: reading.height, time: tx.time + i * series.interval, quantity: series.quantity, mantissa, scale: series.scale });
        leg!.values.push(value);
        if (rule && !withinLimit(rule, mantissa, series.scale)) leg!.breaches.push(value);
      });
    }
  }
  const frozen = legs.map((l) => Object.freeze({ ...l, values: Object.freeze(l.values), breaches: Object.freeze(l.breaches) }));
  return ok(Object.freeze({
    itemId, item: item.value, height: header.height, legs: Object.freeze(frozen), readings: answer.readings.length,
    held: frozen.every((l) => l.breaches.length === 0),
  }));
}
