// `botpeer provenance` (tools layer, Node only): an item's journey from the gateway, verified
// here (provenance-client.ts), printed step by step.

import { bytesToHex, hexToBytes } from '../../../src/index.js';
import { readGenesis, urlOption } from '../cli-support.js';
import { DEFAULT_HTTP } from '../device-command.js';
import { coldChainRule, fetchProvenance, provenanceLines } from '../provenance-client.js';
import { type Command, DATA_HELP, dataOf, onePositional, str } from './command.js';
import { UsageError } from '../cli-support.js';

export const command: Command = {
  name: 'provenance',
  summary: "verify a supply-chain item's custody steps and its devices' readings (II.1)",
  help: `usage: botpeer provenance <itemId> [--max-temp C] [--hex] [--http URL] [--data DIR]

Asks the gateway for the item's provenance (GET /supply-chain/items/<id>/provenance) and
verifies all of it here, trusting only the chain's genesis: the headers, every custody step
with its state proof, and every reading of the item's travelling devices with its inclusion
proof and signature. Prints each step and its readings. With --max-temp, a cold chain: every
temperature must stay below C °C; a breach is printed with the holder it happened under and
the command exits 1. Exit 1 too when anything does not verify.

options:
  --max-temp C              cold-chain limit in °C (e.g. 8 or 7.5)
  --hex                     <itemId> is hex bytes (default: its text, as UTF-8)
  --http URL                the gateway's HTTP API (default ${DEFAULT_HTTP})
${DATA_HELP}`,
  options: { 'max-temp': { type: 'string' }, hex: { type: 'boolean' }, http: { type: 'string' } },
  async run(values, positionals, { crypto, out }) {
    const text = onePositional(positionals, 'provenance', 'an item id');
    const itemId = values.hex === true
      ? (/^([0-9a-fA-F]{2}){1,32}$/.test(text) ? hexToBytes(text.toLowerCase()) : undefined)
      : new TextEncoder().encode(text);
    if (!itemId || itemId.length < 1 || itemId.length > 32) throw new UsageError('an item id is 1..32 bytes', 'provenance');
    const http = urlOption(str(values, 'http') ?? DEFAULT_HTTP, '--http', ['http:', 'https:']);
    const maxTemp = str(values, 'max-temp');
    const rule = maxTemp === undefined ? undefined : coldChainRule(maxTemp);
    const { genesis, chainId } = readGenesis(crypto, dataOf(values));
    const verified = await fetchProvenance(crypto, genesis, chainId, http, itemId, rule);
    for (const line of provenanceLines(verified, values.hex === true ? bytesToHex(itemId) : text, rule)) out(line);
    return verified.held ? 0 : 1;
  },
};
