// The use-case contracts' answers on the gateway (tools layer, Node): the provenance of a
// supply-chain item (docs/protocol.md §13.1.3) and a transport-credit balance with its state
// proof (§13.2.4), built from the committed state and the block store. http-api.ts serves them;
// nothing here is trusted by the client, which verifies with the core's verifiers.
//
//   GET /supply-chain/items/:hexId/provenance   application/cbor: [answer, [lightBlock bstr …]]
//       answer as §13.1.3; the light blocks (as published) of the answer's height first, then of
//       each height a reading is in, ascending, so a client verifies them and then the answer.
//   GET /transport/balances/:accountId          JSON {account, height, balance, value, proof} (hex)

import {
  ContractId, type CryptoProvider, type LedgerState, type ProvenReading, TxKind, balanceKey, buildProvenanceAnswer, bytesToHex, contractNamespace,
  decodeBalance, decodeLightBlock, encodeCbor, encodeStateProof, equalBytes, inclusionProof, provenanceAnswerToCbor,
} from '../../src/index.js';
import type { LedgerStore } from './ledger-store.js';

/** Readings of one device looked at for one answer: a journey of a reading a minute for a week. */
export const MAX_PROVENANCE_TXS = 20_000;

/** Why an answer cannot be given now (no block yet, or the committed state is not the latest block's). */
export class NotReady extends Error {}

function latest(crypto: CryptoProvider, store: LedgerStore, committed: LedgerState) {
  const block = store.latestBlock();
  if (!block) throw new NotReady('no blocks yet');
  const { header } = decodeLightBlock(block.lightBlock);
  // The committed state and the latest block change together between two reads; if a block lands
  // between them, say so rather than prove against a root no header holds.
  if (!equalBytes(committed.root(crypto), header.stateRoot)) throw new NotReady('a block is being written; ask again');
  return block;
}

/** The CBOR body of the provenance endpoint, or undefined for an item never registered. */
export function provenanceBody(crypto: CryptoProvider, store: LedgerStore, committed: LedgerState, itemId: Uint8Array): Uint8Array | undefined {
  const block = latest(crypto, store, committed);
  const idsByHeight = new Map<number, Uint8Array[]>();
  const blockIds = (height: number) => {
    let ids = idsByHeight.get(height);
    if (!ids) idsByHeight.set(height, (ids = store.blockTxIds(height)));
    return ids;
  };
  const readingsOf = (device: Uint8Array, from: number, to: number): ProvenReading[] =>
    store.txsBySender(device, MAX_PROVENANCE_TXS)
      .filter((t) => t.kind === TxKind.READINGS && t.height >= from && t.height <= to)
      .map((t) => ({ wire: t.wire, height: t.height, proof: inclusionProof(crypto, blockIds(t.height), t.index) }));
  const answer = buildProvenanceAnswer(crypto, committed, block.height, itemId, readingsOf);
  if (!answer) return undefined;
  const heights = [...new Set(answer.readings.map((r) => r.height))].filter((h) => h !== block.height).sort((a, b) => a - b);
  const lightBlocks = [block.lightBlock, ...heights.map((h) => store.block(h)!.lightBlock)];
  return encodeCbor([provenanceAnswerToCbor(answer), lightBlocks]);
}

/** A balance with its proof at the latest block. */
export function balanceJson(crypto: CryptoProvider, store: LedgerStore, committed: LedgerState, accountId: Uint8Array) {
  const block = latest(crypto, store, committed);
  const { value, proof } = committed.prove(crypto, contractNamespace(ContractId.TRANSPORT_CREDITS), balanceKey(accountId));
  return {
    account: bytesToHex(accountId),
    height: block.height,
    balance: value ? decodeBalance(value) : 0,
    value: value ? bytesToHex(value) : null,
    proof: bytesToHex(encodeStateProof(proof)),
  };
}
