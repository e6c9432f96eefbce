// `botpeer verify` (tools layer): re-verifies a stored chain from its genesis with the
// core alone, trusting nothing the gateway computed:
//
//   - every light block, in order, with the light client (trustFromGenesis, verifyHeader,
//     applyHeader), with a trust period that covers the chain's whole age;
//   - the stored block row agrees with its light block (height, hash, time, txCount);
//   - the block's transaction ids rebuild its txRoot and txCount;
//   - every stored transaction decodes strictly and its bytes hash to its id.
//
// With `full`, it also replays the contract state from the genesis: each transaction's
// signature against the sender's key at that point, its admission by the system
// contracts, and the state root of every block. Deployed contracts' transactions are run again
// in a sandbox of its own (contract-sandbox/), on the state they follow, with ctx.height = their
// block's height (what the gateway gave them: docs/protocol.md §5.6.2).

import {
  type CryptoProvider, type Genesis, type HostEffects, LedgerState, type Result, type TrustedState, admitTx, applyHeader, applyTx, bytesToHex, decodeLightBlock,
  decodeTx, equalBytes, errorName, makeTrustOptions, merkleRoot, signingKey, trustFromGenesis, txId, verifyHeader, verifyTxSignature,
} from '../../src/index.js';
import { ContractSandbox } from '../gateway/contract-sandbox/contract-sandbox.js';
import { DeployedHost } from '../gateway/contract-sandbox/deployed-host.js';
import type { LedgerStore } from '../gateway/ledger-store.js';
import { CliError } from './cli-support.js';

export class VerifyFailure extends Error {
  constructor(readonly height: number, message: string) {
    super(`block ${height}: ${message}`);
    this.name = 'VerifyFailure';
  }
}

export interface VerifySummary {
  readonly height: number;
  readonly transactions: number;
  readonly latestHash: string;
  readonly ms: number;
}

export interface VerifyOptions {
  readonly full?: boolean;
  readonly now?: number;
  /** Called after each block. */
  readonly progress?: (height: number, latest: number, transactions: number) => void;
}

/** Rejects with VerifyFailure naming the first block that fails, and why. */
export async function verifyChain(crypto: CryptoProvider, genesis: Genesis, chainId: Uint8Array, store: LedgerStore, options: VerifyOptions = {}): Promise<VerifySummary> {
  let deployed: DeployedHost | undefined;
  try {
    return await replay(crypto, genesis, chainId, store, options, () => (deployed ??= new DeployedHost(crypto, new ContractSandbox())));
  } finally {
    await deployed?.close();
  }
}

async function replay(
  crypto: CryptoProvider, genesis: Genesis, chainId: Uint8Array, store: LedgerStore, options: VerifyOptions, host: () => DeployedHost,
): Promise<VerifySummary> {
  const started = Date.now();
  const now = options.now ?? Date.now();
  // Blocks are checked long after they were made: the trust period must span the chain's age.
  const trust = makeTrustOptions({ trustPeriodMs: Math.max(0, now - genesis.time) + 24 * 3600_000 });
  const latest = store.latestBlock()?.height ?? 0; // blocks written meanwhile are left for the next run
  let trusted: TrustedState = trustFromGenesis(crypto, genesis);
  const state = options.full ? LedgerState.fromGenesis(crypto, genesis) : undefined;
  let transactions = 0;
  let latestHash = bytesToHex(trusted.headerHash);

  for (let height = 1; height <= latest; height++) {
    const fail = (message: string) => new VerifyFailure(height, message);
    const stored = store.block(height);
    if (!stored) throw fail('missing from the store');
    let block;
    try {
      block = decodeLightBlock(stored.lightBlock);
    } catch (error) {
      throw fail(`light block does not decode: ${(error as Error).message}`);
    }
    const { header } = block;
    if (header.height !== height) throw fail(`light block is for height ${header.height}`);
    if (!equalBytes(header.chainId, chainId)) throw fail(`WRONG_CHAIN: header names chain ${bytesToHex(header.chainId)}, the genesis ${bytesToHex(chainId)}`);
    const verified = verifyHeader(crypto, trusted, block, now, trust);
    if (!verified.ok) throw fail(`${errorName(verified.code)}: ${verified.reason}`);
    if (!equalBytes(stored.hash, verified.value.headerHash)) throw fail('stored hash is not the header hash');
    if (stored.time !== header.time) throw fail(`stored time ${stored.time} is not the header time ${header.time}`);
    if (stored.txCount !== header.txCount) throw fail(`stored txCount ${stored.txCount} is not the header's ${header.txCount}`);
    trusted = applyHeader(trusted, verified.value);

    const ids = store.blockTxIds(height);
    if (ids.length !== header.txCount) throw fail(`${ids.length} transactions stored, the header says ${header.txCount}`);
    if (!equalBytes(merkleRoot(crypto, ids), header.txRoot)) throw fail('the stored transaction ids do not rebuild the header txRoot');
    for (const [index, id] of ids.entries()) {
      const hex = bytesToHex(id);
      const tx = store.txById(id);
      if (!tx) throw fail(`transaction ${hex} is missing`);
      if (tx.height !== height || tx.index !== index) throw fail(`transaction ${hex} is stored at ${tx.height}/${tx.index}, listed at ${height}/${index}`);
      if (!equalBytes(txId(crypto, tx.wire), id)) throw fail(`transaction ${index}: its bytes do not hash to its id ${hex}`);
      let decoded;
      try {
        decoded = decodeTx(tx.wire);
      } catch (error) {
        throw fail(`transaction ${hex} does not decode: ${(error as Error).message}`);
      }
      if (!equalBytes(decoded.sender, tx.sender) || decoded.seq !== tx.seq || decoded.kind !== tx.kind) {
        throw fail(`transaction ${hex}: stored sender/seq/kind columns disagree with its bytes`);
      }
      if (state) {
        const key = signingKey(state, decoded);
        if (!key.ok) throw fail(`transaction ${hex}: ${errorName(key.code)}: ${key.reason}`);
        if (!verifyTxSignature(crypto, chainId, decoded, key.value).ok) throw fail(`transaction ${hex}: BAD_SIGNATURE`);
        // The gateway's clock at admission is not in the ledger, so the time bound is not re-checked.
        const nowSeconds = Number.MAX_SAFE_INTEGER / 2;
        let effects: HostEffects | undefined;
        let admitted: Result<undefined>;
        if (DeployedHost.needs(decoded)) {
          const outcome = await host().admit(state, decoded, nowSeconds, height, id);
          // This machine's sandbox failed, not the chain: no verdict on the chain, and not a VerifyFailure.
          if (outcome.hostFailure) {
            throw new CliError(`block ${height}, transaction ${hex}: the sandbox here failed (${outcome.verdict.ok ? '' : outcome.verdict.reason}); the chain is not judged, run it again`);
          }
          ({ verdict: admitted, effects } = outcome);
        } else admitted = admitTx(crypto, state, decoded, nowSeconds);
        if (!admitted.ok) throw fail(`transaction ${hex}: ${errorName(admitted.code)}: ${admitted.reason}`);
        applyTx(crypto, state, decoded, height, effects);
      }
    }
    if (state && !equalBytes(state.root(crypto), header.stateRoot)) throw fail('replayed contract state does not match the header stateRoot');
    state?.resetBlockQuotas(); // a block boundary (public chains' per-block quotas)
    transactions += ids.length;
    latestHash = bytesToHex(stored.hash);
    options.progress?.(height, latest, transactions);
  }
  return { height: latest, transactions, latestHash, ms: Date.now() - started };
}
