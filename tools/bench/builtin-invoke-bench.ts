// Invoke throughput of a built-in contract through the chain's admission and apply (tools layer,
// Node only): the transport-credits contract's TRANSFER (II.3, src/contracts/transport-credits/),
// the same transfer the deployed benchmark runs in the sandbox, on the same chain and path
// (invoke-bench-chain.ts): admitTx + applyTx to the working state, then blocks with their roots.
//
//   npx tsx tools/bench/builtin-invoke-bench.ts [invokes]   prints it alone.

import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { ContractId, TransportMethod, TxKind, invokeBody, mintArgs, transferArgs } from '../../src/index.js';
import type { InvokeBenchOptions } from './deployed-invoke-bench.js';
import { type BenchTx, type InvokeFigures, InvokeBenchChain } from './invoke-bench-chain.js';

export function benchBuiltinInvoke(options: InvokeBenchOptions = {}): InvokeFigures {
  const invokes = options.invokes ?? 2000;
  const chain = new InvokeBenchChain(options.crypto ?? createNativeCrypto(), options.accounts ?? 16);
  // Setup (not measured): enrolments and a grant to every device, in block 2.
  const setup = chain.enrolDevices();
  for (const id of chain.ids) setup.push(chain.admit(chain.byOperator(TxKind.INVOKE, invokeBody(ContractId.TRANSPORT_CREDITS, TransportMethod.MINT, mintArgs(id, 1_000_000)))));
  chain.applyInBlocks(setup, setup.length);

  const n = chain.devices.length;
  const calls = Array.from({ length: invokes }, (_, i) =>
    chain.sign(chain.devices[i % n]!, 1 + Math.floor(i / n), TxKind.INVOKE, invokeBody(ContractId.TRANSPORT_CREDITS, TransportMethod.TRANSFER, transferArgs(chain.ids[(i + 1) % n]!, 1))));
  const admitted: BenchTx[] = [];
  const started = performance.now();
  for (const call of calls) admitted.push(chain.admit(call));
  const admitSeconds = (performance.now() - started) / 1000;
  const applySeconds = chain.applyInBlocks(admitted, options.blockSize ?? 256);
  return chain.figures(invokes, admitSeconds, applySeconds);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = benchBuiltinInvoke({ invokes: Number(process.argv[2] ?? 20000) });
  console.log(`built-in transfer (transport credits), ${figures.invokes} calls: admission ${figures.admitPerSecond.toFixed(0)}/s, block apply ${figures.blockApplyPerSecond.toFixed(0)}/s, end to end ${figures.perSecond.toFixed(0)}/s`);
}
