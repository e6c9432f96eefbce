// `botpeer tx` (tools layer, Node only): prints a transaction of the ledger as JSON, its inclusion proof checked.

import { bytesToHex } from '../../../src/index.js';
import { parseTxId, txJson } from '../../gateway/ledger-json.js';
import { CliError, openLedger } from '../cli-support.js';
import { type Command, DATA_HELP, dataOf, inputOf, onePositional } from './command.js';

export const command: Command = {
  name: 'tx',
  summary: 'print a transaction of the ledger as JSON, with its inclusion proof checked',
  help: `usage: botpeer tx <id> [--data DIR]

Prints a transaction (64 hex digits) as JSON (the same as the HTTP API's /tx/<id>): the
decoded body (readings scaled, with timestamps), its block and index, the inclusion proof,
and "verified": whether the proof checks against the stored header. Reads the ledger directly.

options:
${DATA_HELP}`,
  options: {},
  async run(values, positionals, { crypto, out }) {
    const id = inputOf(() => parseTxId(onePositional(positionals, 'tx', 'a transaction id')), 'tx');
    const store = openLedger(dataOf(values));
    try {
      const tx = txJson(crypto, store, id);
      if (!tx) throw new CliError(`no transaction ${bytesToHex(id)} in a block`);
      out(JSON.stringify(tx, null, 2));
      return 0;
    } finally {
      store.close();
    }
  },
};
