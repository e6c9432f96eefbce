// `botpeer verify` (tools layer, Node only): re-verifies the stored chain from the genesis.

import { bytesToHex } from '../../../src/index.js';
import { CliError, ProgressBar, ProgressLine, openLedger, readGenesis } from '../cli-support.js';
import { VerifyFailure, verifyChain } from '../verify-chain.js';
import { type Command, DATA_HELP, dataOf, noPositionals } from './command.js';

export const command: Command = {
  name: 'verify',
  summary: 're-verify the whole stored chain from the genesis with the light client',
  help: `usage: botpeer verify [--full] [--data DIR]

Re-verifies every stored block in order from the genesis: the light client checks each
header and its commit, each block's transaction ids rebuild its txRoot and txCount, and
every stored transaction decodes and hashes to its id. Stops at the first failure (exit 1)
naming the height and the error.

options:
  --full                    also replay the contract state: every signature against the
                            sender's key at that point, admission, and each block's stateRoot
${DATA_HELP}`,
  options: { full: { type: 'boolean' } },
  async run(values, positionals, { crypto, out }) {
    noPositionals(positionals, 'verify');
    const dir = dataOf(values);
    const { genesis, chainId } = readGenesis(crypto, dir);
    const store = openLedger(dir);
    const progress = new ProgressLine(process.stdout, 5000);
    let bar: ProgressBar | undefined;
    try {
      const summary = await verifyChain(crypto, genesis, chainId, store, {
        full: values.full === true,
        progress: (height, latest, txs) => {
          bar ??= new ProgressBar(progress, 'verifying blocks', latest);
          bar.update(height, `${txs} transactions`);
        },
      });
      progress.done();
      if (summary.height === 0) out(`chain ${bytesToHex(chainId)}: no blocks yet, nothing to verify beyond the genesis`);
      else {
        out(`chain ${bytesToHex(chainId)} OK: ${summary.height} blocks and ${summary.transactions} transactions verified from the genesis` +
          `${values.full ? ' (signatures and state replayed)' : ''} in ${(summary.ms / 1000).toFixed(2)} s; block ${summary.height} is ${summary.latestHash}`);
      }
      return 0;
    } catch (error) {
      progress.done();
      if (error instanceof VerifyFailure) throw new CliError(`verification failed at ${error.message}`);
      throw error;
    } finally {
      store.close();
    }
  },
};
