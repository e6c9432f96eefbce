// Invoke throughput of a deployed contract through the chain's admission and apply (tools layer,
// Node only): signed CALL transactions of a token transfer, each run in the XS sandbox and admitted
// (DeployedHost.admit: admitTx, sandbox, admitTx with its effects) and applied to the working state,
// as the gateway's ingest does; then applied again, with the effects carried, to the committed
// state in blocks (buildHeader), as the block producer does, with the state root per block.
// Signature checks are not counted (the gateway's verify workers do them, the same for any
// transaction). builtin-invoke-bench.ts measures a built-in contract's transfer the same way.
//
// `benchDeployedInvoke` is exported for the combined run (contracts-bench.ts);
//   npx tsx tools/bench/deployed-invoke-bench.ts [invokes]   prints it alone.

import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { type CryptoProvider, TxKind, bytesToHex } from '../../src/index.js';
import { ContractSandbox } from '../gateway/contract-sandbox/contract-sandbox.js';
import { contractHash } from '../gateway/contract-sandbox/contract-hash.js';
import { DeployedHost, callBody, deployBody } from '../gateway/contract-sandbox/deployed-host.js';
import { type BenchTx, type InvokeFigures, InvokeBenchChain } from './invoke-bench-chain.js';

export const BENCH_TRANSFER = `({
  methods: {
    transfer(ctx, args) {
      const from = ctx.get('bal/' + ctx.sender) ?? 1000000;
      if (args.amount > from) throw new Error('insufficient');
      const to = ctx.get('bal/' + args.to) ?? 0;
      ctx.set('bal/' + ctx.sender, from - args.amount);
      ctx.set('bal/' + args.to, to + args.amount);
      return from - args.amount;
    },
  },
  queries: { balance(ctx, args) { return ctx.get('bal/' + args.who) ?? 0; } },
})`;

export interface InvokeBenchOptions {
  /** Transfers measured (default 2000). */
  readonly invokes?: number;
  /** Sending accounts, round robin (default 16). */
  readonly accounts?: number;
  /** Transactions per block (default 256). */
  readonly blockSize?: number;
  readonly crypto?: CryptoProvider;
}

export interface DeployedInvokeFigures extends InvokeFigures {
  /** Sandbox gas per call. */
  readonly meanGas: number;
}

export async function benchDeployedInvoke(options: InvokeBenchOptions = {}): Promise<DeployedInvokeFigures> {
  const invokes = options.invokes ?? 2000;
  const chain = new InvokeBenchChain(options.crypto ?? createNativeCrypto(), options.accounts ?? 16);
  const ids = chain.ids.map(bytesToHex);
  const host = new DeployedHost(chain.crypto, new ContractSandbox());
  try {
    // Setup (not measured): enrolments and the deploy, in block 2.
    const setup = chain.enrolDevices();
    const deploy = chain.byOperator(TxKind.INVOKE, deployBody(BENCH_TRANSFER));
    const deployed = await host.admit(chain.working, deploy.tx, chain.time, 2, deploy.id);
    if (!deployed.verdict.ok) throw new Error(`bench: deploy refused: ${deployed.verdict.reason}`);
    setup.push(chain.applyAdmitted({ ...deploy, effects: deployed.effects! }));
    chain.applyInBlocks(setup, setup.length);
    const hash = contractHash(BENCH_TRANSFER);

    const n = chain.devices.length;
    const calls = Array.from({ length: invokes }, (_, i) =>
      chain.sign(chain.devices[i % n]!, 1 + Math.floor(i / n), TxKind.INVOKE, callBody(hash, 'transfer', { to: ids[(i + 1) % n], amount: 1 })));
    // Warm the contract's worker (its first start is not a call's cost).
    await host.query(chain.working, hash, 'balance', { who: ids[0] }, 1);

    const admitted: BenchTx[] = [];
    const started = performance.now();
    for (const { tx, id } of calls) {
      const { verdict, effects } = await host.admit(chain.working, tx, chain.time, 3, id);
      if (!verdict.ok) throw new Error(`bench: call refused: ${verdict.reason}`);
      admitted.push(chain.applyAdmitted({ tx, id, ...(effects ? { effects } : {}) }));
    }
    const admitSeconds = (performance.now() - started) / 1000;
    const applySeconds = chain.applyInBlocks(admitted, options.blockSize ?? 256);
    // Gas is not on the effects: one more sandbox call says it (every transfer costs alike).
    const probe = await host.sandbox.invoke(hash, 'transfer', { to: ids[1], amount: 1 }, { sender: ids[0]!, height: 3, txId: '' }, { get: () => undefined });
    return { ...chain.figures(invokes, admitSeconds, applySeconds), meanGas: probe.ok ? probe.gasUsed : 0 };
  } finally {
    await host.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchDeployedInvoke({ invokes: Number(process.argv[2] ?? 2000) });
  console.log(`deployed transfer, ${figures.invokes} calls through admission (sandbox + admitTx) and block apply:`);
  console.log(`  admission ${figures.admitPerSecond.toFixed(0)}/s (${figures.meanAdmitMicros.toFixed(0)} µs each), block apply ${figures.blockApplyPerSecond.toFixed(0)}/s, end to end ${figures.perSecond.toFixed(0)}/s`);
  console.log(`  ~${figures.meanGas} gas per call; state root ${figures.stateRoot}`);
}
