// The use-case contracts' vectors (test layer, platform-neutral): docs/protocol.md §13. Replays
// each run of transactions on a state from its genesis (key, signature, admission, apply, as a
// gateway does) and checks every code and every block's state root; checks the entries' state
// proofs, verifyProvenance over the honest and forged answers, and verifyBalance. Run by
// vector-suites.ts on Node and under XS.

import useCaseVectors from '../vectors/use-cases.json' with { type: 'json' };
import { decodeGenesis } from '../../src/chain/genesis.js';
import { type Header, decodeHeader } from '../../src/chain/header.js';
import { LedgerState } from '../../src/contracts/ledger-state.js';
import { admitTx, applyTx, signingKey } from '../../src/contracts/system-contracts.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { ErrorCode, errorName } from '../../src/errors/error-codes.js';
import { decodeProvenanceAnswer } from '../../src/light/provenance-answer.js';
import { verifyBalance } from '../../src/light/verify-balance.js';
import { type ColdChainRule, verifyProvenance } from '../../src/light/verify-provenance.js';
import { verifyStateProof } from '../../src/merkle/sparse-merkle-proof.js';
import { decodeTx, verifyTxSignature } from '../../src/tx/tx.js';
import { type Expect, hex, unhex } from '../support/hex-json.js';
import { type VectorResult, CheckFailure, expectEqual, expectOutcome, runVector } from './check.js';

type Run = typeof useCaseVectors.supplyChain;

function replay(crypto: CryptoProvider, suite: string, run: Pick<Run, 'genesis' | 'chainId' | 'nowSeconds' | 'txs' | 'roots'>): VectorResult[] {
  const out: VectorResult[] = [];
  const state = LedgerState.fromGenesis(crypto, decodeGenesis(unhex(run.genesis)));
  const chainId = unhex(run.chainId);
  const byHeight = new Map<number, (typeof run.txs)[number][]>();
  for (const t of run.txs) byHeight.set(t.height, [...(byHeight.get(t.height) ?? []), t]);
  run.roots.forEach((root, i) => {
    const height = i + 1;
    for (const t of byHeight.get(height) ?? []) {
      out.push(runVector(suite, `block ${height}: ${t.what}`, () => {
        const tx = decodeTx(unhex(t.wire));
        const key = signingKey(state, tx);
        let code: number = key.ok ? ErrorCode.OK : key.code;
        if (key.ok && !verifyTxSignature(crypto, chainId, tx, key.value).ok) code = ErrorCode.BAD_SIGNATURE;
        if (code === ErrorCode.OK) {
          const verdict = admitTx(crypto, state, tx, run.nowSeconds, height);
          if (verdict.ok) applyTx(crypto, state, tx, height);
          else code = verdict.code;
        }
        expectEqual(errorName(code), errorName(t.code), 'code');
      }));
    }
    state.endBlock();
    out.push(runVector(suite, `block ${height}: state root`, () => expectEqual(hex(state.root(crypto)), root, 'state root')));
  });
  return out;
}

export function useCaseSuite(crypto: CryptoProvider): VectorResult[] {
  const v = useCaseVectors;
  const out: VectorResult[] = [];
  const sc = v.supplyChain;
  out.push(...replay(crypto, 'use cases: supply chain', sc));
  const root = unhex(sc.roots[sc.roots.length - 1]!);
  for (const e of sc.entries) {
    out.push(runVector('use cases: supply chain', `entry proof: ${e.what}`, () => {
      expectOutcome(() => verifyStateProof(crypto, root, unhex(e.namespace), unhex(e.key), e.value === null ? undefined : unhex(e.value), unhex(e.proof)), { ok: true });
    }));
  }
  const p = sc.provenance;
  const headers = new Map<number, Header>(p.headers.map((h) => decodeHeader(unhex(h))).map((h) => [h.height, h]));
  const context = { chainId: unhex(sc.chainId), header: decodeHeader(unhex(p.header)), headerAt: (h: number) => headers.get(h) };
  const itemId = unhex(sc.itemId);
  const rule = p.rule as ColdChainRule;
  out.push(runVector('use cases: provenance', 'honest answer: the cold chain breaks in the second leg', () => {
    const r = verifyProvenance(crypto, itemId, decodeProvenanceAnswer(unhex(p.answer)), context, rule);
    if (!r.ok) throw new CheckFailure(`rejected with ${errorName(r.code)}: ${r.reason}`);
    expectEqual(r.value.held, p.expect.held, 'held');
    expectEqual(JSON.stringify(r.value.legs.map((l) => l.values.map((x) => x.mantissa))), JSON.stringify(p.expect.values), 'values per leg');
    expectEqual(JSON.stringify(r.value.legs.map((l) => l.breaches.map((x) => x.mantissa))), JSON.stringify(p.expect.breaches), 'breaches per leg');
  }));
  for (const f of p.forged) {
    out.push(runVector('use cases: provenance', `forged: ${f.what}`, () => {
      expectOutcome(() => verifyProvenance(crypto, itemId, decodeProvenanceAnswer(unhex(f.answer)), context, rule), f.expect as Expect);
    }));
  }
  const tc = v.transport;
  out.push(...replay(crypto, 'use cases: transport credits', tc));
  const tcHeader = decodeHeader(unhex(tc.header));
  for (const c of tc.verify) {
    out.push(runVector('use cases: balance', c.what, () => {
      expectOutcome(() => verifyBalance(crypto, tcHeader, unhex(c.account), { height: c.height, value: c.value === null ? undefined : unhex(c.value), proof: unhex(c.proof) }), c.expect as Expect, (value) => {
        expectEqual(value.balance, c.balance, 'balance');
      });
    }));
  }
  return out;
}
