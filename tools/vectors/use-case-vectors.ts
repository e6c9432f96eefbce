// Vectors of the built-in use-case contracts (tools layer): docs/protocol.md §13. A run of
// INVOKEs (and the READINGS between them) per contract, block by block, with each transaction's
// code and each block's state root; entries with their state proofs; provenance answers, honest
// and forged, against the headers a verifier holds; balance answers, honest and forged. Written
// to test/vectors/use-cases.json by generate.ts; test/suites/use-case-suite.ts replays them.

import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { encodeGenesis } from '../../src/chain/genesis.js';
import { encodeHeader } from '../../src/chain/header.js';
import { ContractId, contractNamespace } from '../../src/contracts/contract-namespace.js';
import { itemKey, stepKey } from '../../src/contracts/supply-chain/supply-chain.js';
import { balanceKey, encodeBalance } from '../../src/contracts/transport-credits/transport-credits.js';
import { ErrorCode, errorName } from '../../src/errors/error-codes.js';
import { type ProvenanceAnswer, buildProvenanceAnswer, encodeProvenanceAnswer } from '../../src/light/provenance-answer.js';
import { verifyBalance } from '../../src/light/verify-balance.js';
import { verifyProvenance } from '../../src/light/verify-provenance.js';
import { encodeStateProof } from '../../src/merkle/sparse-merkle-proof.js';
import { Quantity } from '../../src/tx/kinds.js';
import { encodeTx } from '../../src/tx/tx.js';
import { hex } from '../../test/support/hex-json.js';
import { NOW_SECONDS, type UseCaseChain } from '../../test/support/use-case-chain.js';
import { type Step, supplyChainScenario, transportScenario } from '../../test/support/use-case-scenarios.js';

const expectOf = (code: number) => (code === ErrorCode.OK ? { ok: true as const } : { ok: false as const, code });

function runJson(chain: UseCaseChain, steps: readonly Step[]) {
  for (const s of steps) if (s.code !== s.expect) throw new Error(`use-case vectors: "${s.what}" got ${errorName(s.code)}, want ${errorName(s.expect)}`);
  return {
    genesis: hex(encodeGenesis(chain.genesis)),
    chainId: hex(chain.chainId),
    nowSeconds: NOW_SECONDS,
    txs: steps.map((s) => ({ what: s.what, height: s.height, wire: hex(encodeTx(s.tx)), code: s.code })),
    roots: chain.headers.map((h) => hex(h.stateRoot)),
  };
}

function entryJson(crypto: CryptoProvider, chain: UseCaseChain, contract: number, key: Uint8Array, what: string) {
  const p = chain.state.prove(crypto, contractNamespace(contract), key);
  return { what, namespace: hex(contractNamespace(contract)), key: hex(key), value: p.value ? hex(p.value) : null, proof: hex(encodeStateProof(p.proof)) };
}

export function useCaseVectors(crypto: CryptoProvider) {
  const sc = supplyChainScenario(crypto);
  const height = sc.chain.height;
  const header = sc.chain.header(height)!;
  const answer = buildProvenanceAnswer(crypto, sc.chain.state, height, sc.itemId, (d, from, to) => sc.chain.readingsOf(d, from, to))!;
  const rule = { quantity: Quantity.TEMPERATURE_C, limitMantissa: 8, limitScale: 0, strict: true };
  const thermo2 = sc.chain.idOf(sc.keys.thermo2);
  const forged: [string, ProvenanceAnswer, number][] = [
    ['a step dropped', { ...answer, steps: answer.steps.slice(0, 3) }, ErrorCode.BAD_PROVENANCE],
    ['a step value swapped for another', { ...answer, steps: [answer.steps[0]!, { ...answer.steps[1]!, value: answer.steps[0]!.value }, ...answer.steps.slice(2)] }, ErrorCode.BAD_PROOF],
    ['an item value that is not CBOR of the subset (an indefinite array)', { ...answer, item: { ...answer.item, value: Uint8Array.of(0x9f) } }, ErrorCode.UNSUPPORTED_TYPE],
    ['proven at another height', { ...answer, height: height - 1 }, ErrorCode.UNVERIFIED_HEADER],
    ['a traveller key missing', { ...answer, travellers: answer.travellers.slice(1) }, ErrorCode.BAD_PROVENANCE],
    ['a reading of a device before it travelled', { ...answer, readings: [...answer.readings, ...sc.chain.readingsOf(thermo2, 3, 3)] }, ErrorCode.BAD_PROVENANCE],
    ['a reading of a device after it was detached', { ...answer, readings: [...answer.readings, ...sc.chain.readingsOf(sc.chain.idOf(sc.keys.thermo1), 9, 9)] }, ErrorCode.BAD_PROVENANCE],
    ['a reading with another path', { ...answer, readings: [{ ...answer.readings[3]!, proof: { ...answer.readings[3]!.proof, index: 1 - answer.readings[3]!.proof.index } }] }, ErrorCode.BAD_PROOF],
    ['a reading whose tree size is not its block\'s', { ...answer, readings: [{ ...answer.readings[0]!, proof: { ...answer.readings[0]!.proof, size: 5 } }] }, ErrorCode.PROOF_SHAPE],
  ];
  const context = { chainId: sc.chain.chainId, header, headerAt: (h: number) => sc.chain.header(h) };
  const honest = verifyProvenance(crypto, sc.itemId, answer, context, rule);
  if (!honest.ok || honest.value.held) throw new Error('use-case vectors: the honest provenance must verify and break the cold chain');
  for (const [what, a, code] of forged) {
    const r = verifyProvenance(crypto, sc.itemId, a, context, rule);
    if (r.ok || r.code !== code) throw new Error(`use-case vectors: forged provenance "${what}" got ${r.ok ? 'OK' : errorName(r.code)}, want ${errorName(code)}`);
  }
  const scNs = ContractId.SUPPLY_CHAIN;

  const tc = transportScenario(crypto);
  const tcHeight = tc.chain.height;
  const tcHeader = tc.chain.header(tcHeight)!;
  const roadside = tc.chain.idOf(tc.keys.roadside);
  const vehicle = tc.chain.idOf(tc.keys.vehicle);
  const prove = (id: Uint8Array) => tc.chain.state.prove(crypto, contractNamespace(ContractId.TRANSPORT_CREDITS), balanceKey(id));
  const balanceCase = (what: string, account: Uint8Array, h: number, value: Uint8Array | undefined, proofOf: Uint8Array, code: number, balance?: number) => {
    const r = verifyBalance(crypto, tcHeader, account, { height: h, value, proof: prove(proofOf).proof });
    const got = r.ok ? ErrorCode.OK : r.code;
    if (got !== code || (r.ok && r.value.balance !== balance)) throw new Error(`use-case vectors: balance "${what}" got ${errorName(got)}`);
    return { what, account: hex(account), height: h, value: value ? hex(value) : null, proof: hex(encodeStateProof(prove(proofOf).proof)), expect: expectOf(code), ...(balance !== undefined ? { balance } : {}) };
  };

  return {
    supplyChain: {
      ...runJson(sc.chain, sc.steps),
      itemId: hex(sc.itemId),
      entries: [
        entryJson(crypto, sc.chain, scNs, itemKey(sc.itemId), 'the item: held by holder B, 4 steps'),
        entryJson(crypto, sc.chain, scNs, stepKey(sc.itemId, 1), 'step 1: the custody transfer to holder B'),
        entryJson(crypto, sc.chain, scNs, stepKey(sc.itemId, 4), 'no step 4 (non-membership)'),
      ],
      provenance: {
        header: hex(encodeHeader(header)),
        headers: sc.chain.headers.map((h) => hex(encodeHeader(h))),
        rule,
        answer: hex(encodeProvenanceAnswer(answer)),
        expect: { held: false, values: honest.value.legs.map((l) => l.values.map((v) => v.mantissa)), breaches: honest.value.legs.map((l) => l.breaches.map((v) => v.mantissa)) },
        forged: forged.map(([what, a, code]) => ({ what, answer: hex(encodeProvenanceAnswer(a)), expect: expectOf(code) })),
      },
    },
    transport: {
      ...runJson(tc.chain, tc.steps),
      balances: tc.expected.map(([id, balance]) => ({ account: hex(id), balance })),
      header: hex(encodeHeader(tcHeader)),
      verify: [
        balanceCase('the roadside unit proves 9 credits', roadside, tcHeight, encodeBalance(9), roadside, ErrorCode.OK, 9),
        balanceCase('the vehicle proves 0 credits (no entry)', vehicle, tcHeight, undefined, vehicle, ErrorCode.OK, 0),
        balanceCase('a larger balance on an honest proof', roadside, tcHeight, encodeBalance(1000), roadside, ErrorCode.BAD_PROOF),
        balanceCase('a balance hidden as none', roadside, tcHeight, undefined, roadside, ErrorCode.BAD_PROOF),
        balanceCase('a balance claimed where there is none', vehicle, tcHeight, encodeBalance(5), vehicle, ErrorCode.PROOF_SHAPE),
        balanceCase("another account's proof", vehicle, tcHeight, undefined, roadside, ErrorCode.BAD_PROOF),
        balanceCase('an answer at another height', roadside, tcHeight - 1, encodeBalance(9), roadside, ErrorCode.UNVERIFIED_HEADER),
        balanceCase('a stored zero', roadside, tcHeight, encodeCbor(0), roadside, ErrorCode.BAD_SHAPE),
        balanceCase('a non-canonical uint', roadside, tcHeight, Uint8Array.of(0x18, 0x09), roadside, ErrorCode.NON_CANONICAL),
      ],
    },
  };
}
