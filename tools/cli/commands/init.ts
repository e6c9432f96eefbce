// `botpeer init` (tools layer, Node only): creates a chain in a data folder.

import { join, resolve } from 'node:path';
import { MAX_POW_BITS, MAX_PUBLIC_QUOTA, Permission, type PublicLimits, bytesToHex, hexToBytes, isCompressedPublicKey, keyId } from '../../../src/index.js';
import { initChain } from '../../gateway/data-dir.js';
import { permissionName } from '../../gateway/ledger-json.js';
import { CliError, DEFAULT_DATA_DIR, UsageError, intOption } from '../cli-support.js';
import { type Command, DATA_HELP, dataOf, noPositionals, str } from './command.js';

/** `botpeer init --public` without the limit options. */
export const DEFAULT_PUBLIC_LIMITS: PublicLimits = Object.freeze({ powBits: 16, maxTxsPerBlockPerDevice: 16, maxSelfEnrolPerBlock: 64 });

export const command: Command = {
  name: 'init',
  summary: 'create a chain: genesis, this gateway\'s validator key and the operator key',
  help: `usage: botpeer init [--name NAME] [--consortium | --public [--pow-bits N] [--max-txs-per-block N] [--max-self-enrol N]]
                    [--validator HEXKEY]… [--threshold K] [--force] [--data DIR]

Creates a chain in the data folder: genesis.cbor (and genesis.json), keys/gateway.key
(this gateway's validator key) and keys/operator.key (signs enrolments; a consortium
keeps it off the gateways). The chain id is derived from the genesis.

options:
  --name NAME               the chain's name, up to 32 bytes (default botpeer)
  --consortium              a consortium chain (several members, each with a validating gateway);
                            default: private (one operator)
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
    public: { type: 'boolean' },
    'pow-bits': { type: 'string' },
    'max-txs-per-block': { type: 'string' },
    'max-self-enrol': { type: 'string' },
    validator: { type: 'string', multiple: true },
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
