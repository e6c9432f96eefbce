// `botpeer init` (tools layer, Node only): creates a chain in a data folder.

import { join, resolve } from 'node:path';
import { MAX_POW_BITS, MAX_PUBLIC_QUOTA, Permission, type PublicLimits, bytesToHex, hexToBytes, isCompressedPublicKey, keyId } from '../../../src/index.js';
import { initChain } from '../../gateway/data-dir.js';
import { permissionName } from '../../gateway/ledger-json.js';
import { CliError, DEFAULT_DATA_DIR, UsageError, intOption } from '../cli-support.js';
import { memberKeysOf, runConsortiumFolders, runMemberGenesis, runMemberKey } from '../consortium-init-command.js';
import { type Command, DATA_HELP, dataOf, noPositionals, str } from './command.js';

/** `botpeer init --public` without the limit options. */
export const DEFAULT_PUBLIC_LIMITS: PublicLimits = Object.freeze({ powBits: 16, maxTxsPerBlockPerDevice: 16, maxSelfEnrolPerBlock: 64 });

export const command: Command = {
  name: 'init',
  summary: 'create a chain: genesis, this gateway\'s validator key and the operator key',
  help: `usage: botpeer init [--name NAME] [--public [--pow-bits N] [--max-txs-per-block N] [--max-self-enrol N]]
                    [--validator HEXKEY]… [--threshold K] [--force] [--data DIR]
       botpeer init --consortium [--members N] [--threshold K] [--frost] [--name NAME] [--force] [--data DIR]
       botpeer init --member-key [--data DIR]
       botpeer init --consortium --member-keys HEX,HEX,… [--threshold K] [--name NAME] [--force] [--data DIR]

Creates a chain in the data folder: genesis.cbor (and genesis.json), keys/gateway.key
(this gateway's validator key) and keys/operator.key (signs enrolments; a consortium
keeps it off the gateways). The chain id is derived from the genesis.

A consortium (several organisations, one gateway each, ordered by a NATS JetStream
cluster; README "Consortium"):
  --consortium              on one machine: the data folder gets member-1 … member-N (each the
                            genesis and that member's key), operator.key and consortium.json;
                            \`botpeer start --members N --data DIR\` runs them all
  --members N               how many members (default 4)
  --frost                   with --consortium on one machine: each block is signed by one FROST
                            (BIP-340) group signature; the members' key generation runs here and
                            each member folder gets keys/frost-<groupKey>.key and frost-<groupKey>.json
  --member-key              on each member's machine, first: make this member's key (kept if there
                            is one) and print its public key; nothing else is written
  --member-keys HEX,…       with --consortium, on one member's machine: the shared genesis from the
                            other members' public keys (this member's key joins the set); the
                            others copy its genesis.cbor and genesis.json into their folders
  With --validator instead (older form): one folder, this gateway plus the listed keys.

options:
  --name NAME               the chain's name, up to 32 bytes (default botpeer)
  --public                  a public chain: devices enrol themselves with a proof of work
                            (the operator may still enrol devices); per-block quotas apply
  --pow-bits N              public: leading zero bits of the self-enrolment proof of work,
                            0..32 (default ${DEFAULT_PUBLIC_LIMITS.powBits}: about 2^N hashes per device, once)
  --max-txs-per-block N     public: transactions one device may have in a block (default ${DEFAULT_PUBLIC_LIMITS.maxTxsPerBlockPerDevice})
  --max-self-enrol N        public: self-enrolments one block may hold (default ${DEFAULT_PUBLIC_LIMITS.maxSelfEnrolPerBlock})
  --validator HEXKEY        another member's validator public key (33-byte compressed, hex);
                            repeat for each. This gateway's key is always in the set.
  --threshold K             signatures a block needs (default: a majority of the validators)
  --force                   replace an existing chain in the folder, and its ledger
${DATA_HELP}`,
  options: {
    name: { type: 'string' },
    consortium: { type: 'boolean' },
    frost: { type: 'boolean' },
    public: { type: 'boolean' },
    'pow-bits': { type: 'string' },
    'max-txs-per-block': { type: 'string' },
    'max-self-enrol': { type: 'string' },
    validator: { type: 'string', multiple: true },
    members: { type: 'string' },
    'member-key': { type: 'boolean' },
    'member-keys': { type: 'string' },
    threshold: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(values, positionals, { crypto, out }) {
    noPositionals(positionals, 'init');
    const dir = dataOf(values);
    const name = str(values, 'name') ?? 'botpeer';
    if (new TextEncoder().encode(name).length > 32) throw new UsageError('--name must be at most 32 bytes', 'init');
    const others = ((values.validator as string[] | undefined) ?? []).map((hex) => {
      const key = /^([0-9a-fA-F]{2}){33}$/.test(hex) ? hexToBytes(hex.toLowerCase()) : undefined;
      if (!key || !isCompressedPublicKey(key)) throw new UsageError(`--validator must be a 33-byte compressed public key in hex (66 digits), got ${JSON.stringify(hex.slice(0, 70))}`, 'init');
      return key;
    });
    const consortiumOnly = ['members', 'member-keys', 'frost'].filter((o) => values[o] !== undefined);
    if (!values.consortium && consortiumOnly.length > 0) throw new UsageError(`--${consortiumOnly[0]} needs --consortium`, 'init');
    if (values['member-key']) {
      const extra = Object.keys(values).filter((o) => values[o] !== undefined && !['member-key', 'data'].includes(o));
      if (extra.length > 0) throw new UsageError(`--member-key only makes this member's key: --${extra[0]} does not go with it`, 'init');
      return runMemberKey(crypto, dir, out);
    }
    if (values.consortium && others.length === 0) {
      if (values.public) throw new UsageError('--public and --consortium exclude each other', 'init');
      if (values.frost && values['member-keys'] !== undefined) throw new UsageError('--frost runs the key generation on one machine: it does not go with --member-keys yet', 'init');
      if (values['members'] !== undefined && values['member-keys'] !== undefined) throw new UsageError('--members and --member-keys exclude each other (the keys say how many)', 'init');
      const force = values.force === true;
      if (values['member-keys'] !== undefined) {
        const otherKeys = memberKeysOf(str(values, 'member-keys')!);
        if (otherKeys.length === 0) throw new UsageError('--member-keys lists no key', 'init');
        const threshold = values.threshold === undefined ? undefined : intOption(str(values, 'threshold'), '--threshold', 1, 1, otherKeys.length + 1);
        return runMemberGenesis(crypto, { dir, name, otherKeys, threshold, force }, out);
      }
      const members = intOption(str(values, 'members'), '--members', 4, 1, 64);
      const threshold = values.threshold === undefined ? undefined : intOption(str(values, 'threshold'), '--threshold', 1, 1, members);
      return runConsortiumFolders(crypto, { dir, name, members, threshold, force, frost: values.frost === true }, out);
    }
    if (consortiumOnly.length > 0) throw new UsageError(`--${consortiumOnly[0]} does not go with --validator`, 'init');
    const size = others.length + 1;
    const threshold = values.threshold === undefined ? undefined : intOption(str(values, 'threshold'), '--threshold', 1, 1, size);
    if (values.public && values.consortium) throw new UsageError('--public and --consortium exclude each other', 'init');
    const publicOnly = ['pow-bits', 'max-txs-per-block', 'max-self-enrol'].filter((o) => values[o] !== undefined);
    if (!values.public && publicOnly.length > 0) throw new UsageError(`--${publicOnly[0]} needs --public`, 'init');
    const publicLimits: PublicLimits | undefined = values.public ? {
      powBits: intOption(str(values, 'pow-bits'), '--pow-bits', DEFAULT_PUBLIC_LIMITS.powBits, 0, MAX_POW_BITS),
      maxTxsPerBlockPerDevice: intOption(str(values, 'max-txs-per-block'), '--max-txs-per-block', DEFAULT_PUBLIC_LIMITS.maxTxsPerBlockPerDevice, 1, MAX_PUBLIC_QUOTA),
      maxSelfEnrolPerBlock: intOption(str(values, 'max-self-enrol'), '--max-self-enrol', DEFAULT_PUBLIC_LIMITS.maxSelfEnrolPerBlock, 1, MAX_PUBLIC_QUOTA),
    } : undefined;
    let chain;
    try {
      chain = initChain(crypto, {
        dir, name, otherValidators: others, force: values.force === true,
        permission: values.consortium ? Permission.CONSORTIUM : values.public ? Permission.PUBLIC : Permission.PRIVATE,
        ...(publicLimits ? { publicLimits } : {}),
        ...(threshold === undefined ? {} : { threshold }),
      });
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const { genesis } = chain;
    out(`chain ${bytesToHex(chain.chainId)} "${name}" (${permissionName(genesis.permission)}) created in ${resolve(dir)}`);
    out(`validators (${genesis.validators.threshold} of ${genesis.validators.keys.length} sign each block):`);
    for (const key of genesis.validators.keys) {
      const mine = bytesToHex(key) === bytesToHex(chain.gatewayKey.publicKey);
      out(`  ${bytesToHex(keyId(crypto, key))}  ${bytesToHex(key)}${mine ? '  (this gateway)' : ''}`);
    }
    if (genesis.publicLimits) {
      const l = genesis.publicLimits;
      out(`public:    devices enrol themselves: proof of work ${l.powBits} bits; per block at most ${l.maxTxsPerBlockPerDevice} transactions per device, ${l.maxSelfEnrolPerBlock} self-enrolments`);
    }
    out(`operator   ${bytesToHex(keyId(crypto, genesis.operatorKey))}  ${bytesToHex(genesis.operatorKey)}`);
    out(`keys:      ${join(dir, 'keys', 'gateway.key')} (this gateway), ${join(dir, 'keys', 'operator.key')} (operator; keep it safe)`);
    if (genesis.validators.threshold > 1) out(`note: this gateway alone cannot commit blocks (${genesis.validators.threshold} signatures needed)`);
    out(`next:      npx botpeer gateway${dir === DEFAULT_DATA_DIR ? '' : ` --data ${dir}`}`);
    return 0;
  },
};
