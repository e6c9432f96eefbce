// A private chain in memory for the use-case contracts (test layer, platform-neutral): a
// state from a genesis, blocks of signed transactions (each admitted or rejected as a gateway
// would, with its code), headers, and the READINGS of a device with their inclusion proofs.
// The unit tests and the vector generator (tools/vectors/use-case-vectors.ts) share it.

import { ascii } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { type Genesis, Permission, chainIdOf } from '../../src/chain/genesis.js';
import { type Header, headerHash } from '../../src/chain/header.js';
import { makeValidatorSet } from '../../src/chain/validator-set.js';
import { buildHeader } from '../../src/contracts/block-builder.js';
import { LedgerState } from '../../src/contracts/ledger-state.js';
import { admitTx, applyTx, signingKey } from '../../src/contracts/system-contracts.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import type { ProvenReading } from '../../src/light/provenance-answer.js';
import { inclusionProof } from '../../src/merkle/merkle.js';
import type { CborValue } from '../../src/codec/cbor.js';
import { type KeyPair, keyId } from '../../src/tx/identity.js';
import { TxKind } from '../../src/tx/kinds.js';
import { type SignedTx, encodeTx, signTx, txId, verifyTxSignature } from '../../src/tx/tx.js';
import { GENESIS_TIME, testKey } from './chain-fixture.js';

export const NOW_SECONDS = GENESIS_TIME / 1000 + 3600;

interface BlockTx {
  readonly tx: SignedTx;
  readonly wire: Uint8Array;
  readonly id: Uint8Array;
}

export class UseCaseChain {
  readonly operator: KeyPair;
  readonly validator: KeyPair;
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
  readonly state: LedgerState;
  readonly headers: Header[] = [];
  private readonly blocks: BlockTx[][] = [];
  private readonly seqs = new Map<string, number>();

  constructor(readonly crypto: CryptoProvider, label = 'use cases') {
    this.operator = testKey(crypto, `${label} operator`);
    this.validator = testKey(crypto, `${label} validator`);
    this.genesis = { name: ascii(label), time: GENESIS_TIME, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [this.validator.publicKey]), operatorKey: this.operator.publicKey };
    this.chainId = chainIdOf(crypto, this.genesis);
    this.state = LedgerState.fromGenesis(crypto, this.genesis);
  }

  get height(): number {
    return this.headers.length;
  }

  idOf(key: KeyPair): Uint8Array {
    return keyId(this.crypto, key.publicKey);
  }

  /** A transaction signed by `key` with its next seq. */
  tx(key: KeyPair, kind: TxKind, body: CborValue): SignedTx {
    const sender = this.idOf(key);
    const name = key.publicKey.join(',');
    const seq = (this.seqs.get(name) ?? 0) + 1;
    this.seqs.set(name, seq);
    return signTx(this.crypto, this.chainId, { kind, sender, seq, time: NOW_SECONDS - 60, body }, key.privateKey);
  }

  /**
   * One block: each transaction checked as a gateway does (key, signature, admission on the
   * working state, which then applies it), the accepted ones in the block. The codes, in order.
   */
  block(txs: readonly SignedTx[]): number[] {
    const height = this.height + 1;
    const accepted: BlockTx[] = [];
    // The gateway's working state: each transaction is admitted on what the earlier ones left.
    const working = this.state.clone();
    const codes = txs.map((tx) => {
      const key = signingKey(working, tx);
      if (!key.ok) return key.code;
      if (!verifyTxSignature(this.crypto, this.chainId, tx, key.value).ok) return ErrorCode.BAD_SIGNATURE;
      const verdict = admitTx(this.crypto, working, tx, NOW_SECONDS, height);
      if (!verdict.ok) return verdict.code;
      applyTx(this.crypto, working, tx, height);
      const wire = encodeTx(tx);
      accepted.push({ tx, wire, id: txId(this.crypto, wire) });
      return ErrorCode.OK;
    });
    const previous = this.headers[this.headers.length - 1];
    const header = buildHeader(this.crypto, { chainId: this.chainId, height, time: GENESIS_TIME + height * 1000, prevHash: previous ? headerHash(this.crypto, previous) : new Uint8Array(32) }, this.state, accepted);
    this.headers.push(header);
    this.blocks.push(accepted);
    return codes;
  }

  header(height: number): Header | undefined {
    return this.headers[height - 1];
  }

  /** The READINGS of `device` in blocks `from`..`to`, with their inclusion proofs. */
  readingsOf(device: Uint8Array, from: number, to: number): ProvenReading[] {
    const out: ProvenReading[] = [];
    for (let h = Math.max(1, from); h <= Math.min(to, this.height); h++) {
      const block = this.blocks[h - 1]!;
      block.forEach((b, index) => {
        if (b.tx.kind !== TxKind.READINGS || !b.tx.sender.every((x, i) => x === device[i])) return;
        out.push({ wire: b.wire, height: h, proof: inclusionProof(this.crypto, block.map((t) => t.id), index) });
      });
    }
    return out;
  }
}
