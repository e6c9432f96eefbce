// `botpeer block` (tools layer, Node only): prints a block of the ledger as JSON.

import { join } from 'node:path';
import { openParticipationStore } from '../../gateway/consortium/frost-participation.js';
import { blockJson, parseHeight } from '../../gateway/ledger-json.js';
import { CliError, openLedger } from '../cli-support.js';
import { type Command, DATA_HELP, dataOf, inputOf, onePositional } from './command.js';

export const command: Command = {
  name: 'block',
  summary: 'print a block of the ledger as JSON',
  help: `usage: botpeer block <height|latest> [--data DIR]

Prints a block as JSON (the same as the HTTP API's /blocks/<height>): height, hash,
time, header fields, commit signers and transaction ids. A group (FROST) commit shows its
groupSignature and, from a member's records, its coordinator and signers (index and member key);
elsewhere its signers are unknown. Reads <data>/ledger.sqlite directly; works while the gateway runs.

options:
${DATA_HELP}`,
  options: {},
  async run(values, positionals, { out }) {
    const height = inputOf(() => parseHeight(onePositional(positionals, 'block', 'a height or latest')), 'block');
    const dir = dataOf(values);
    const store = openLedger(dir);
    const participation = openParticipationStore(join(dir, 'ledger.sqlite'), 'read');
    try {
      const block = blockJson(store, height, (h) => participation.get(h));
      if (!block) throw new CliError(height === 'latest' ? 'no blocks yet' : `no block at height ${height} (latest is ${store.latestBlock()?.height ?? 0})`);
      out(JSON.stringify(block, null, 2));
      return 0;
    } finally {
      participation.close();
      store.close();
    }
  },
};
