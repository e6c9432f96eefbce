// `botpeer demo` (tools layer, Node only): the framework's use cases, each on its own chain in a
// temporary folder with a real gateway (tools/demo/).

import { runSupplyChainDemo } from '../../demo/supply-chain-demo.js';
import { runTransportDemo } from '../../demo/transport-demo.js';
import { UsageError } from '../cli-support.js';
import { type Command, onePositional, str } from './command.js';

export const command: Command = {
  name: 'demo',
  summary: 'run a use case on a throw-away chain: supply-chain (II.1, a cold chain that breaks), transport (II.3, credits)',
  help: `usage: botpeer demo supply-chain [--max-temp C]
       botpeer demo transport

supply-chain   a private chain in a temporary folder and a gateway; two holders and two
               thermometers sign their own transactions: a crate is registered, its
               thermometer reads, custody passes to the second holder, whose leg warms past
               the limit, a second thermometer is attached. Then the item's provenance is
               fetched and verified from the genesis (as \`botpeer provenance\`), and the
               breach is printed with the holder it happened under. Everything is removed
               afterwards. Exit 0 when the demo ran (the breach is its point).

transport      the same kind of chain; a vehicle and a roadside unit publish observations
               and earn credits, the operator grants a consumer credits, the consumer buys
               one (paying its producer) and is refused one it cannot afford; then each
               account's balance is verified with its state proof (as \`botpeer balance\`).

options:
  --max-temp C              cold-chain limit in °C (default 8)`,
  options: { 'max-temp': { type: 'string' } },
  async run(values, positionals, { crypto, out }) {
    const which = onePositional(positionals, 'demo', 'a demo: supply-chain or transport');
    if (which === 'transport') {
      await runTransportDemo({ crypto, out });
      return 0;
    }
    if (which !== 'supply-chain') throw new UsageError(`no demo ${JSON.stringify(which)} (supply-chain, transport)`, 'demo');
    const maxTemp = str(values, 'max-temp');
    await runSupplyChainDemo({ crypto, out, ...(maxTemp !== undefined ? { maxTemp } : {}) });
    return 0;
  },
};
