// The use-case contracts (II.1 supply chain, II.3 transport credits) as pure functions on a
// chain in memory: every INVOKE's code, the entries they leave, the provenance verifier over
// an honest answer (the cold chain breaks in the second leg) and forged ones, and a device's
// balance check with a state proof, honest and forged.

import test from 'ava';
import fc from 'fast-check';
import {
  ContractId, ErrorCode, Quantity, TxKind, buildProvenanceAnswer, bytesToHex, contractNamespace, createNobleCrypto, decodeItem, decodeProvenanceAnswer,
  decodeStep, encodeBalance, encodeCbor, encodeProvenanceAnswer, encodeTx, errorName, itemKey, queryContract, signTx, stepKey,
  balanceKey, verifyBalance, verifyProvenance, type ColdChainRule, type ProvenanceAnswer, readingsBody, SupplyChainMethod, CONTRACTS, contractById,
  type CborValue, admitTx, applyTx,
} from '../src/index.js';
import { NOW_SECONDS } from './support/use-case-chain.js';
import { CRATE, supplyChainScenario, transportScenario } from './support/use-case-scenarios.js';

const crypto = createNobleCrypto();
const coldChain: ColdChainRule = { quantity: Quantity.TEMPERATURE_C, limitMantissa: 8, limitScale: 0, strict: true };

test('supply chain: every INVOKE gets its code', (t) => {
  const { steps } = supplyChainScenario(crypto);
  for (const s of steps) t.is(errorName(s.code), errorName(s.expect), s.what);
});

test('transport credits: every INVOKE gets its code, balances move', (t) => {
  const { steps, chain, expected } = transportScenario(crypto);
  for (const s of steps) t.is(errorName(s.code), errorName(s.expect), s.what);
  for (const [id, balance] of expected) {
    const answer = queryContract(crypto, chain.state, ContractId.TRANSPORT_CREDITS, 0, [id]);
    t.true(answer.ok);
    t.deepEqual(answer.ok && answer.value, balance === 0 ? undefined : encodeBalance(balance), `balance of ${bytesToHex(id)}`);
  }
});

test('supply chain: item and step entries', (t) => {
  const { chain, itemId, keys } = supplyChainScenario(crypto);
  const store = chain.state.storeOf(contractNamespace(ContractId.SUPPLY_CHAIN));
  const item = decodeItem(store.get(itemKey(itemId))!);
  t.is(bytesToHex(item.holder), bytesToHex(chain.idOf(keys.holderB)));
  t.is(bytesToHex(item.creator), bytesToHex(chain.idOf(keys.holderA)));
  t.is(item.steps, 4);
  t.deepEqual(item.travellers.map(bytesToHex), [bytesToHex(chain.idOf(keys.thermo2))]);
  const methods = [0, 1, 2, 3].map((n) => decodeStep(store.get(stepKey(itemId, n))!).method);
  t.deepEqual(methods, [SupplyChainMethod.REGISTER_ITEM, SupplyChainMethod.TRANSFER_CUSTODY, SupplyChainMethod.ATTACH, SupplyChainMethod.DETACH]);
  t.is(store.get(stepKey(itemId, 4)), undefined);
  // The key layout of §13.1.2, byte for byte.
  t.is(bytesToHex(stepKey(itemId, 2)), bytesToHex(new TextEncoder().encode('step/crate-0001/')) + '00000002');
});

function scenarioAnswer() {
  const s = supplyChainScenario(crypto);
  const height = s.chain.height;
  const answer = buildProvenanceAnswer(crypto, s.chain.state, height, s.itemId, (d, from, to) => s.chain.readingsOf(d, from, to))!;
  const context = { chainId: s.chain.chainId, header: s.chain.header(height)!, headerAt: (h: number) => s.chain.header(h) };
  return { ...s, answer, context };
}

test('provenance: an honest answer verifies, and the cold chain breaks in the second leg', (t) => {
  const { answer, context, itemId, chain, keys } = scenarioAnswer();
  // Through the wire encoding, as the CLI gets it.
  const decoded = decodeProvenanceAnswer(encodeProvenanceAnswer(answer));
  const result = verifyProvenance(crypto, itemId, decoded, context, coldChain);
  if (!result.ok) return t.fail(`${errorName(result.code)}: ${result.reason}`);
  const v = result.value;
  t.false(v.held);
  t.is(v.legs.length, 4);
  t.is(v.readings, 4, 'neither thermometer 2\'s reading before it travelled nor thermometer 1\'s after it was detached');
  t.deepEqual(v.legs.map((l) => l.values.map((x) => x.mantissa)), [[400], [950], [500, 799], []]);
  t.deepEqual(v.legs.map((l) => l.breaches.length), [0, 1, 0, 0]);
  t.is(bytesToHex(v.legs[1]!.breaches[0]!.device), bytesToHex(chain.idOf(keys.thermo1)));
  t.is(bytesToHex(v.legs[1]!.step.to), bytesToHex(chain.idOf(keys.holderB)));
  // At 10 °C the same journey holds.
  const warm = verifyProvenance(crypto, itemId, decoded, context, { ...coldChain, limitMantissa: 10 });
  t.true(warm.ok && warm.value.held);
});

const forgeries: [string, (a: ProvenanceAnswer, ctx: ReturnType<typeof scenarioAnswer>) => ProvenanceAnswer, number][] = [
  ['a step dropped', (a) => ({ ...a, steps: a.steps.slice(0, 3) }), ErrorCode.BAD_PROVENANCE],
  ['a step value changed (holder B hidden)', (a) => ({ ...a, steps: [a.steps[0]!, { ...a.steps[1]!, value: a.steps[0]!.value }, ...a.steps.slice(2)] }), ErrorCode.BAD_PROOF],
  ['the steps swapped', (a) => ({ ...a, steps: [a.steps[0]!, a.steps[2]!, a.steps[1]!, a.steps[3]!] }), ErrorCode.BAD_PROOF],
  ['the item entry of another value', (a) => ({ ...a, item: { ...a.item, value: encodeCbor([new Uint8Array(8), 3, [], new Uint8Array(8), 2]) } }), ErrorCode.BAD_PROOF],
  ['a proof of another height', (a) => ({ ...a, height: a.height - 1 }), ErrorCode.UNVERIFIED_HEADER],
  ['a traveller key left out', (a) => ({ ...a, travellers: a.travellers.slice(1) }), ErrorCode.BAD_PROVENANCE],
  ['a traveller leaf given twice', (a) => ({ ...a, travellers: [a.travellers[0]!, ...a.travellers] }), ErrorCode.BAD_PROVENANCE],
  ['a reading given twice', (a) => ({ ...a, readings: [a.readings[0]!, ...a.readings] }), ErrorCode.BAD_PROVENANCE],
  ['a reading of a device that did not travel then', (a, s) => ({ ...a, readings: [...a.readings, ...s.chain.readingsOf(s.chain.idOf(s.keys.thermo2), 3, 3)] }), ErrorCode.BAD_PROVENANCE],
  ['a reading of a device after it was detached', (a, s) => ({ ...a, readings: [...a.readings, ...s.chain.readingsOf(s.chain.idOf(s.keys.thermo1), 9, 9)] }), ErrorCode.BAD_PROVENANCE],
  ['a reading with the path of the other in its block', (a) => {
    const last = a.readings[a.readings.length - 1]!;
    return { ...a, readings: [{ ...last, proof: { ...last.proof, index: 1 - last.proof.index } }] };
  }, ErrorCode.BAD_PROOF],
  ['a reading not in the chain (signed, never admitted)', (a, s) => {
    const tx = signTx(crypto, s.chain.chainId, { kind: TxKind.READINGS, sender: s.chain.idOf(s.keys.thermo1), seq: 99, time: 1, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [300] }]) }, s.keys.thermo1.privateKey);
    return { ...a, readings: [{ ...a.readings[1]!, wire: encodeTx(tx) }] };
  }, ErrorCode.BAD_PROOF],
];

for (const [what, forge, code] of forgeries) {
  test(`provenance: forged answer refused — ${what}`, (t) => {
    const s = scenarioAnswer();
    const result = verifyProvenance(crypto, s.itemId, forge(s.answer, s), s.context, coldChain);
    t.false(result.ok);
    if (!result.ok) t.is(errorName(result.code), errorName(code), result.reason);
  });
}

test('provenance: a reading whose block the verifier did not verify', (t) => {
  const s = scenarioAnswer();
  const result = verifyProvenance(crypto, s.itemId, s.answer, { ...s.context, headerAt: (h) => (h === 5 ? undefined : s.chain.header(h)) }, coldChain);
  t.false(result.ok);
  if (!result.ok) t.is(errorName(result.code), 'UNVERIFIED_HEADER');
});

test('provenance: another item asked', (t) => {
  const s = scenarioAnswer();
  const result = verifyProvenance(crypto, new TextEncoder().encode('crate-0002'), s.answer, s.context);
  t.false(result.ok);
});

test('verifyBalance: a producer proves its balance, a zero balance by non-membership; forgeries refused', (t) => {
  const { chain, keys } = transportScenario(crypto);
  const header = chain.header(chain.height)!;
  const ns = contractNamespace(ContractId.TRANSPORT_CREDITS);
  const prove = (id: Uint8Array) => {
    const p = chain.state.prove(crypto, ns, balanceKey(id));
    return { height: chain.height, value: p.value, proof: p.proof };
  };
  const roadside = chain.idOf(keys.roadside);
  const vehicle = chain.idOf(keys.vehicle);
  const honest = verifyBalance(crypto, header, roadside, prove(roadside));
  t.deepEqual(honest.ok && honest.value, { balance: 9, height: chain.height });
  const zero = verifyBalance(crypto, header, vehicle, prove(vehicle));
  t.deepEqual(zero.ok && zero.value, { balance: 0, height: chain.height });
  const code = (r: { ok: boolean; code?: number }) => (r.ok ? 'OK' : errorName(r.code!));
  t.is(code(verifyBalance(crypto, header, roadside, { ...prove(roadside), value: encodeBalance(1000) })), 'BAD_PROOF', 'a larger balance');
  t.is(code(verifyBalance(crypto, header, roadside, { ...prove(roadside), value: undefined })), 'BAD_PROOF', 'a balance hidden as zero (a membership path offered as absence)');
  t.is(code(verifyBalance(crypto, header, vehicle, { ...prove(vehicle), value: encodeBalance(5) })), 'PROOF_SHAPE', 'a balance claimed for an absent entry (its proof names another leaf)');
  t.is(code(verifyBalance(crypto, header, vehicle, prove(roadside))), 'BAD_PROOF', "another account's proof");
  t.is(code(verifyBalance(crypto, header, roadside, { ...prove(roadside), height: chain.height - 1 })), 'UNVERIFIED_HEADER');
  t.is(code(verifyBalance(crypto, header, roadside, { ...prove(roadside), value: encodeCbor(0) })), 'BAD_SHAPE', 'no entry holds 0');
  t.is(code(verifyBalance(crypto, header, roadside, null as never)), 'BAD_SHAPE', 'no answer at all (it threw)');
  t.is(code(verifyBalance(crypto, header, roadside, { ...prove(roadside), value: { length: 3 } as never })), 'BAD_SHAPE', 'a value that is no byte string (it was TRAILING_BYTES)');
  t.is(code(verifyBalance(crypto, chain.header(chain.height - 1)!, roadside, { ...prove(roadside), height: chain.height - 1 })), 'BAD_PROOF', 'against an older root');
});

test('the same transactions give the same state root on another replay', (t) => {
  const a = supplyChainScenario(crypto);
  const b = supplyChainScenario(crypto);
  t.is(bytesToHex(a.chain.state.root(crypto)), bytesToHex(b.chain.state.root(crypto)));
  t.is(bytesToHex(a.chain.header(a.chain.height)!.stateRoot), bytesToHex(a.chain.state.root(crypto)));
});

test('contract ids are unique; both use cases are registered under their ids', (t) => {
  const ids = CONTRACTS.map((c) => c.id);
  t.is(new Set(ids).size, ids.length);
  t.is(contractById(ContractId.SUPPLY_CHAIN)?.name, 'supply-chain');
  t.is(contractById(ContractId.TRANSPORT_CREDITS)?.name, 'transport-credits');
});

test('queries: entries or nothing, BAD_REQUEST for malformed ones', (t) => {
  const { chain, itemId } = supplyChainScenario(crypto);
  const q = (id: number, method: number, args: CborValue[]) => queryContract(crypto, chain.state, id, method, args);
  const item = q(ContractId.SUPPLY_CHAIN, 0, [itemId]);
  t.true(item.ok && item.value instanceof Uint8Array);
  const none = q(ContractId.SUPPLY_CHAIN, 1, [itemId, 99]);
  t.true(none.ok && none.value === undefined);
  for (const [what, r] of [
    ['item id too long', q(ContractId.SUPPLY_CHAIN, 0, [new Uint8Array(33)])],
    ['step number not an integer', q(ContractId.SUPPLY_CHAIN, 1, [itemId, -1])],
    ['unknown query', q(ContractId.SUPPLY_CHAIN, 5, [itemId])],
    ['balance of a 7-byte id', q(ContractId.TRANSPORT_CREDITS, 0, [new Uint8Array(7)])],
    ['access without the buyer', q(ContractId.TRANSPORT_CREDITS, 2, [new Uint8Array(32)])],
  ] as const) t.is(r.ok ? 'OK' : errorName(r.code), 'BAD_REQUEST', what);
});

test('any INVOKE arguments get a code from admission, never an exception, and a refusal changes nothing', (t) => {
  const { chain, keys } = supplyChainScenario(crypto);
  const signers = [keys.holderA, keys.holderB, keys.thermo1, chain.operator];
  const id = fc.constantFrom(...signers.map((k) => chain.idOf(k)), new Uint8Array(8));
  const cbor: fc.Arbitrary<CborValue> = fc.letrec<{ v: CborValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.integer({ min: -5, max: 2 ** 40 }), fc.uint8Array({ maxLength: 40 }), id, fc.constant(CRATE), fc.array(tie('v'), { maxLength: 4 })),
  })).v;
  let seq = 1000;
  fc.assert(fc.property(fc.constantFrom(ContractId.SUPPLY_CHAIN, ContractId.TRANSPORT_CREDITS), fc.integer({ min: 0, max: 4 }), fc.array(cbor, { maxLength: 4 }), fc.nat(signers.length - 1), (contract, method, args, who) => {
    const signer = signers[who]!;
    const tx = signTx(crypto, chain.chainId, { kind: TxKind.INVOKE, sender: chain.idOf(signer), seq: seq++, time: NOW_SECONDS, body: [contract, method, args] }, signer.privateKey);
    const state = chain.state.clone();
    const before = bytesToHex(state.root(crypto));
    const verdict = admitTx(crypto, state, tx, NOW_SECONDS, chain.height + 1);
    if (verdict.ok) applyTx(crypto, state, tx, chain.height + 1);
    else if (bytesToHex(state.root(crypto)) !== before) return false;
    return typeof (verdict.ok ? 0 : verdict.code) === 'number';
  }), { numRuns: 300 });
  t.pass();
});
