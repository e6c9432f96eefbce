// Invoke throughput of a deployed contract in the XS sandbox against the same logic as a
// built-in TypeScript function, in one run (tools layer, Node only). Both apply their
// writes to the same kind of in-memory state; the ratio is what the sandbox costs.
//
//   npx tsx tools/bench/contract-bench.ts [invokes]

import { ContractSandbox } from '../gateway/contract-sandbox/contract-sandbox.js';
import { decodeStateValue, encodeStateValue } from '../gateway/contract-sandbox/contract-value.js';
import { BENCH_TRANSFER } from './deployed-invoke-bench.js';

/** The same transfer the chain benchmark deploys (deployed-invoke-bench.ts). */
const TRANSFER = BENCH_TRANSFER;

type State = Map<string, Uint8Array>;

/** The same transfer, built in: reads and writes the same encoded state. */
function builtInTransfer(state: State, sender: string, args: { to: string; amount: number }): number {
  const get = (key: string) => {
    const bytes = state.get(key);
    return bytes === undefined ? undefined : (decodeStateValue(bytes) as number);
  };
  const from = get(`bal/${sender}`) ?? 1_000_000;
  if (args.amount > from) throw new Error('insufficient');
  const to = get(`bal/${args.to}`) ?? 0;
  state.set(`bal/${sender}`, encodeStateValue(from - args.amount));
  state.set(`bal/${args.to}`, encodeStateValue(to + args.amount));
  return from - args.amount;
}

const invokes = Number(process.argv[2] ?? 2000);
const accounts = Array.from({ length: 16 }, (_, i) => i.toString(16).padStart(40, '0'));

const builtInState: State = new Map();
let start = performance.now();
for (let i = 0; i < invokes * 10; i++) builtInTransfer(builtInState, accounts[i % 16]!, { to: accounts[(i + 1) % 16]!, amount: 1 });
const builtInPerSecond = (invokes * 10) / ((performance.now() - start) / 1000);

const sandbox = new ContractSandbox();
const sandboxState: State = new Map();
let gas = 0;
try {
  const { hash } = await sandbox.deploy(TRANSFER);
  const view = { get: (key: string) => sandboxState.get(key) };
  for (let i = 0; i < 50; i++) await sandbox.query(hash, 'balance', { who: accounts[0] }, { sender: accounts[0]!, height: 0, txId: '' }, view); // warm-up
  start = performance.now();
  for (let i = 0; i < invokes; i++) {
    const result = await sandbox.invoke(hash, 'transfer', { to: accounts[(i + 1) % 16], amount: 1 }, { sender: accounts[i % 16]!, height: i, txId: i.toString(16) }, view);
    if (!result.ok) throw new Error(result.error.message);
    gas += result.gasUsed;
    for (const [key, value] of result.writes) value === null ? sandboxState.delete(key) : sandboxState.set(key, value);
  }
} finally {
  await sandbox.close();
}
const sandboxPerSecond = invokes / ((performance.now() - start) / 1000);

const same = [...builtInState.keys()].length === 16;
console.log(`transfer invokes: built-in ${builtInPerSecond.toFixed(0)}/s, XS sandbox ${sandboxPerSecond.toFixed(0)}/s (${(1000 / sandboxPerSecond).toFixed(3)} ms each, ${(gas / invokes).toFixed(0)} gas)`);
console.log(`ratio built-in / sandbox: ${(builtInPerSecond / sandboxPerSecond).toFixed(0)}x${same ? '' : ' (state mismatch!)'}`);
