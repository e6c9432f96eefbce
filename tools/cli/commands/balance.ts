// `botpeer balance` (tools layer, Node only): an account's transport credits (II.3) from the
// gateway, verified here with a state proof against a header verified from the genesis.

import { readGenesis, urlOption } from '../cli-support.js';
import { DEFAULT_HTTP } from '../device-command.js';
import { parseAccountId } from '../../gateway/ledger-json.js';
import { fetchBalance } from '../provenance-client.js';
import { type Command, DATA_HELP, dataOf, inputOf, onePositional, str } from './command.js';

export const command: Command = {
  name: 'balance',
  summary: "verify an account's transport credits with a state proof (II.3)",
  help: `usage: botpeer balance <accountId> [--http URL] [--data DIR]

Asks the gateway for the account's credit balance (GET /transport/balances/<id>) and the
light block of its height, verifies the header from the chain's genesis and the balance
entry's state proof against its stateRoot (a balance of 0 by non-membership), and prints it.
Exit 1 when anything does not verify.

options:
  --http URL                the gateway's HTTP API (default ${DEFAULT_HTTP})
${DATA_HELP}`,
  options: { http: { type: 'string' } },
  async run(values, positionals, { crypto, out }) {
    const text = onePositional(positionals, 'balance', 'an account id (16 hex digits)');
    const id = inputOf(() => parseAccountId(text), 'balance');
    const http = urlOption(str(values, 'http') ?? DEFAULT_HTTP, '--http', ['http:', 'https:']);
    const { genesis } = readGenesis(crypto, dataOf(values));
    const { balance, height } = await fetchBalance(crypto, genesis, http, id);
    out(`account ${text.toLowerCase()}: ${balance} credits at block ${height} (state proof verified against a header verified from the genesis)`);
    return 0;
  },
};
