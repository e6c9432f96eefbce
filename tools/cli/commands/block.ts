// `botpeer block` (tools layer, Node only): prints a block of the ledger as JSON.

import { blockJson, parseHeight } from '../../gateway/ledger-json.js';
import { CliError, openLedger } from '../cli-support.js';
import { type Command, DATA_HELP, dataOf, inputOf, onePositional } from './command.js';

export const command: Command = {
  name: 'block',
  summary: 'print a block of the ledger as JSON',
  help: `usage: botpeer block <height|latest> [--data DIR]

Prints a block as JSON (the same as the HTTP API's /blocks/<height>): height, hash,
time, header fields, commit signers and transaction ids. Reads <data>/ledger.sqlite
directly; works while the gateway runs.

options:
${DATA_HELP}`,
  options: {},
  async run(values, positionals, { out }) {
    const height = inputOf(() => parseHeight(onePositional(positionals, 'block', 'a height or latest')), 'block');
    const store = openLedger(dataOf(values));
    try {
      const block = blockJson(store, height);
      if (!block) throw new CliError(height === 'latest' ? 'no blocks yet' : `no block at height ${height} (latest is ${store.latestBlock()?.height ?? 0})`);
      out(JSON.stringify(block, null, 2));
      return 0;
    } finally {
      store.close();
    }
  },
};
