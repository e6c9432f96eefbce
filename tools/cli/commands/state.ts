// `botpeer state` (tools layer, Node only): one entry of the contract state with its proof,
// checked as a device checks a STATE_PROOF answer (docs/protocol.md §9.4): the newest header is
// verified with the light client from the genesis (as `botpeer verify` does), the state is
// rebuilt from the stored entries, and the answer goes through its wire form and
// verifyStateAnswer against that header before anything is printed.

import {
  ContractId, MAX_STATE_KEY_BYTES, MAX_STATE_NAMESPACE_BYTES, SMALL_LIMITS, bytesToHex, contractNamespace, decodeCbor, decodeLightBlock,
  decodeStateAnswer, encodeStateAnswer, errorName, hexToBytes, verifyStateAnswer,
} from '../../../src/index.js';
import { restoreCommittedState } from '../../gateway/restore-state.js';
import { CliError, UsageError, openLedger, readGenesis } from '../cli-support.js';
import { VerifyFailure, verifyChain } from '../verify-chain.js';
import { type Command, DATA_HELP, dataOf } from './command.js';

const NAMED: Readonly<Record<string, number>> = Object.freeze({ registry: ContractId.REGISTRY, blocklist: ContractId.BLOCKLIST });

function hexArg(text: string, what: string, max: number): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new UsageError(`${what} must be hex`, 'state');
  const bytes = hexToBytes(text.toLowerCase());
  if (bytes.length > max) throw new UsageError(`${what} is at most ${max} bytes`, 'state');
  return bytes;
}

/** A registry or blocklist value in words; other contracts' values are printed as hex only. */
function describe(contract: string, value: Uint8Array): string | undefined {
  try {
    const v = decodeCbor(value, SMALL_LIMITS) as unknown[];
    if (contract === 'registry') return `account: role ${String(v[2])}, status ${v[3] === 0 ? 'ACTIVE' : 'REVOKED'}, lastSeq ${String(v[4])}, enrolledAt ${String(v[5])}, key ${bytesToHex(v[1] as Uint8Array)}`;
    if (contract === 'blocklist') return `blocked: reason ${String(v[1])}, reported by ${bytesToHex(v[2] as Uint8Array)} at height ${String(v[3])}`;
  } catch {
    // Not the shape §6.3.1 says: the hex stands alone.
  }
  return undefined;
}

export const command: Command = {
  name: 'state',
  summary: 'print one contract-state entry, its proof checked against a verified header',
  help: `usage: botpeer state <registry|blocklist|NAMESPACE-HEX> <KEY-HEX> [--data DIR]

Prints the value of KEY in the contract state under a namespace (registry: 0000, blocklist:
0001, or any contract's namespace in hex, at most ${MAX_STATE_NAMESPACE_BYTES} bytes), or that it is
absent, at the newest stored block. The header of that block is first verified with the light
client from the genesis; the entry's proof (membership or non-membership, docs/protocol.md §9.4
STATE_PROOF) is then checked against its stateRoot exactly as a device checks it. Exit 1 if any
check fails.

${DATA_HELP}`,
  options: {},
  async run(values, positionals, { crypto, out }) {
    if (positionals.length !== 2) throw new UsageError('state takes a namespace and a key', 'state');
    const [which, keyText] = positionals as [string, string];
    const named = NAMED[which];
    const namespace = named !== undefined ? contractNamespace(named) : hexArg(which, 'namespace', MAX_STATE_NAMESPACE_BYTES);
    const key = hexArg(keyText, 'key', MAX_STATE_KEY_BYTES);
    const dir = dataOf(values);
    const { genesis, chainId } = readGenesis(crypto, dir);
    const store = openLedger(dir);
    try {
      // A running gateway may add a block between the reads: verify, rebuild, and try again if it did.
      for (let attempt = 0; attempt < 3; attempt++) {
        let verified;
        try {
          verified = await verifyChain(crypto, genesis, chainId, store);
        } catch (error) {
          if (error instanceof VerifyFailure) throw new CliError(`the stored chain does not verify at ${error.message}`);
          throw error;
        }
        if (verified.height === 0) throw new CliError('no blocks yet: no stateRoot to prove against');
        let state;
        try {
          state = restoreCommittedState(crypto, genesis, store);
        } catch (error) {
          if (attempt < 2) continue;
          throw new CliError((error as Error).message);
        }
        const header = decodeLightBlock(store.block(verified.height)!.lightBlock).header;
        if (store.latestBlock()!.height !== verified.height) continue;
        const { value, proof } = state.prove(crypto, namespace, key);
        const wire = encodeStateAnswer({ height: header.height, value, proof });
        const checked = verifyStateAnswer(crypto, header, namespace, key, decodeStateAnswer(wire));
        if (!checked.ok) throw new CliError(`the proof does not verify: ${errorName(checked.code)} (${checked.reason})`);
        const name = named !== undefined ? which : bytesToHex(namespace);
        const fact = checked.value;
        const bytes = wire.reduce((n, p) => n + p.length, 0);
        out(`${name} ${bytesToHex(key)}: ${fact.present ? 'present' : 'absent'} at height ${fact.height} (stateRoot ${bytesToHex(header.stateRoot)})`);
        if (fact.value !== undefined) {
          out(`value ${bytesToHex(fact.value)}`);
          const words = describe(name, fact.value);
          if (words) out(words);
        }
        out(`${fact.present ? 'membership' : 'non-membership'} proof verified against header ${fact.height}, itself verified from the genesis (${proof.siblings.length} siblings, ${bytes} bytes as a STATE_PROOF answer)`);
        return 0;
      }
      throw new CliError('the chain kept moving while reading it: try again');
    } finally {
      store.close();
    }
  },
};
