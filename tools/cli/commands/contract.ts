// `botpeer contract` (tools layer, Node only): deploys, invokes and queries deployed JavaScript
// contracts through a running gateway. Its options and help text; contract-command.ts does the work.

import { UsageError } from '../cli-support.js';
import { DEFAULT_BROKER, DEFAULT_HTTP, contractDeploy, contractInvoke, contractQuery } from '../contract-command.js';
import { type Command, DATA_HELP, GATEWAY_CLIENT_OPTIONS, gatewayClientOf, str } from './command.js';

export const command: Command = {
  name: 'contract',
  summary: 'deploy, invoke or query a JavaScript contract (through a running gateway)',
  help: `usage: botpeer contract deploy <file.js> [options]
       botpeer contract invoke <hash> <method> [json] [options]
       botpeer contract query <hash> <name> [json] [options]

deploy: checks the source in a local sandbox, signs a DEPLOY transaction with the operator key
  (a validator's key with --key; devices may not deploy), sends it over MQTT, waits until it is
  in a block and prints the block, the contract's code hash (SHA-256 of the source), its methods
  and queries. A transaction holds at most 4096 bytes: about 3,900 bytes of source.
invoke: signs a CALL of <method> with [json] as its arguments (default null; canonical JSON is
  made from it), waits until it is in a block (or refused, with the sandbox's code: e.g.
  CONTRACT_THREW, CONTRACT_OUT_OF_GAS; a refused call changes nothing) and prints the block.
query: asks the gateway's HTTP API to run query <name> on the committed state; prints its
  result as JSON.
The contract shape, limits and error codes: docs/contracts.md. Exits with 1 if refused.

options:
  --key FILE                the signing account's private key (default <data>/keys/operator.key)
  --broker URL              the gateway's MQTT broker (default ${DEFAULT_BROKER})
  --http URL                the gateway's HTTP API: the account's next sequence number, the
                            block, queries (default ${DEFAULT_HTTP})
  --seq N                   use N as the sequence number instead of asking
  --timeout MS              give up when no verdict came for this long (default 10000)
${DATA_HELP}`,
  options: {
    key: { type: 'string' },
    ...GATEWAY_CLIENT_OPTIONS,
  },
  run(values, positionals, { crypto, out }) {
    const [action, ...rest] = positionals;
    const options = { ...gatewayClientOf(values), key: str(values, 'key') };
    if (action === 'deploy') return contractDeploy(crypto, options, rest, out);
    if (action === 'invoke' || action === 'call') return contractInvoke(crypto, options, rest, out);
    if (action === 'query') return contractQuery(options, rest, out);
    throw new UsageError(action === undefined ? 'say what to do: contract deploy, invoke or query' : `unknown contract action ${JSON.stringify(action)} (deploy, invoke or query)`, 'contract');
  },
};
