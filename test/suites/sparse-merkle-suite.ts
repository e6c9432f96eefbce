// The authenticated-state vectors (test layer, platform-neutral): test/vectors/sparse-merkle.json,
// docs/protocol.md §6.3.3, run on Node and under XS through runAllVectorSuites. The file's roots
// and proofs come from the generator's own transcription of the section; here the core's tree
// must rebuild them in every listed order, reproduce every genuine proof byte for byte, and its
// verifier must give each forged proof its code.

import smtVectors from '../vectors/sparse-merkle.json' with { type: 'json' };
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { DomainTag } from '../../src/crypto/domain.js';
import { smtEmpty, smtKeyHash } from '../../src/merkle/sparse-merkle-hash.js';
import { encodeStateProof, verifyStateProof } from '../../src/merkle/sparse-merkle-proof.js';
import { SparseMerkleTree } from '../../src/merkle/sparse-merkle-tree.js';
import { type Expect, hex, unhex } from '../support/hex-json.js';
import { type VectorResult, expectEqual, expectOutcome, runVector } from './check.js';

interface EntryJson {
  contract: string;
  key: string;
  value: string;
}

const change = (e: { contract: string; key: string; value: string | null }) => ({ contract: unhex(e.contract), key: unhex(e.key), value: e.value === null ? undefined : unhex(e.value) });

export function sparseMerkleSuite(crypto: CryptoProvider): VectorResult[] {
  const results: VectorResult[] = [];
  results.push(
    runVector('smt-hash', 'tags and EMPTY', () => {
      for (const t of smtVectors.tags) expectEqual(hex(DomainTag[t.name as keyof typeof DomainTag]), t.hex, `tag ${t.name}`);
      expectEqual(hex(smtEmpty(crypto)), smtVectors.emptyRoot, 'EMPTY');
    }),
    ...smtVectors.keyHashes.map((k) =>
      runVector('smt-hash', `key hash of ${k.contract}/${k.key}`, () => expectEqual(hex(smtKeyHash(crypto, unhex(k.contract), unhex(k.key))), k.keyHash, 'key hash')),
    ),
  );

  const roots = new Map<string, { tree: SparseMerkleTree; root: Uint8Array }>();
  for (const set of smtVectors.sets) {
    const entries = (set.entries as EntryJson[]).map(change);
    set.orders.forEach((order, o) =>
      results.push(
        runVector('smt-root', `${set.name}, order ${o}`, () => {
          const tree = new SparseMerkleTree(crypto);
          let oneByOne = tree.emptyRoot;
          for (const i of order) oneByOne = tree.update(oneByOne, [entries[i]!]);
          expectEqual(hex(oneByOne), set.root, 'root, one insert at a time');
          expectEqual(hex(tree.update(tree.emptyRoot, order.map((i) => entries[i]!))), set.root, 'root, one batch');
          for (const e of entries) expectEqual(hex(tree.get(oneByOne, e.contract, e.key) ?? new Uint8Array(0)), hex(e.value!), 'value read back');
          if (o === 0) roots.set(set.name, { tree, root: oneByOne });
        }),
      ),
    );
  }

  {
    const { set, steps } = smtVectors.updates;
    const start = smtVectors.sets.find((s) => s.name === set)!;
    const tree = new SparseMerkleTree(crypto);
    let root = tree.update(tree.emptyRoot, (start.entries as EntryJson[]).map(change));
    for (const step of steps) {
      results.push(
        runVector('smt-update', step.reason, () => {
          root = tree.update(root, step.changes.map(change));
          expectEqual(hex(root), step.root, 'root after the step');
        }),
      );
    }
  }

  for (const p of smtVectors.proofs) {
    results.push(
      runVector('smt-proof', p.name, () => {
        const built = roots.get(p.set);
        if (!built) throw new Error(`set ${p.set} was not built`);
        const contract = unhex(p.contract);
        const key = unhex(p.key);
        const value = p.value === null ? undefined : unhex(p.value);
        const proof = unhex(p.proof);
        if (p.canonical) {
          const answer = built.tree.prove(built.root, contract, key);
          expectEqual(hex(encodeStateProof(answer.proof)), p.proof, 'the core builds the same proof');
          expectEqual(answer.value === undefined ? null : hex(answer.value), p.value, 'the value answered');
        }
        expectOutcome(() => verifyStateProof(crypto, built.root, contract, key, value, proof), p.expect as Expect);
      }),
    );
  }
  return results;
}
