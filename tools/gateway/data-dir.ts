// A chain's data folder (tools layer): what `botpeer init` writes and the
// gateway reads. Keys are hex files readable by their owner only.
//
//   genesis.cbor      the genesis, canonical CBOR (genesis.json: the same, for people)
//   keys/gateway.key  this gateway's validator key
//   keys/operator.key the operator key (enrolment, revocation, checkpoints); a consortium
//                     keeps it off the gateways and passes --operator-key to the CLI
//   ledger.sqlite     the ledger (created by the gateway)

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  type CryptoProvider, type Genesis, type KeyPair, Permission, type PublicLimits, bytesToHex, chainIdOf, decodeGenesis, encodeGenesis,
  generateKeyPair, genesisHash, hexToBytes, keyId, keyPairFromPrivate, makeValidatorSet,
} from '../../src/index.js';
import { permissionName } from './ledger-json.js';

export interface InitOptions {
  readonly dir: string;
  readonly name: string;
  readonly permission: Permission;
  /** A public chain's limits (required when permission is PUBLIC). */
  readonly publicLimits?: PublicLimits;
  /** Other members' validator keys (consortium); this gateway's key is always in the set. */
  readonly otherValidators: readonly Uint8Array[];
  /** Defaults to a strict majority of the set. */
  readonly threshold?: number;
  readonly force?: boolean;
  readonly now?: number;
}

export interface ChainFiles {
  readonly dir: string;
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
  readonly gatewayKey: KeyPair;
  readonly operatorKey?: KeyPair;
  readonly ledgerPath: string;
}

const random = (n: number) => new Uint8Array(randomBytes(n));

export function initChain(crypto: CryptoProvider, options: InitOptions): ChainFiles {
  const genesisPath = join(options.dir, 'genesis.cbor');
  if (existsSync(genesisPath) && !options.force) {
    throw new Error(`${options.dir} already holds a chain (genesis.cbor); pass --force to replace it and its ledger`);
  }
  const gatewayKey = generateKeyPair(crypto, random);
  const operatorKey = generateKeyPair(crypto, random);
  const keys = [gatewayKey.publicKey, ...options.otherValidators];
  const threshold = options.threshold ?? Math.floor(keys.length / 2) + 1;
  const genesis: Genesis = {
    name: new TextEncoder().encode(options.name),
    time: options.now ?? Date.now(),
    permission: options.permission,
    validators: makeValidatorSet(threshold, keys),
    operatorKey: operatorKey.publicKey,
    ...(options.publicLimits ? { publicLimits: options.publicLimits } : {}),
  };
  mkdirSync(join(options.dir, 'keys'), { recursive: true, mode: 0o700 });
  for (const stale of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm']) {
    rmSync(join(options.dir, stale), { force: true }); // with --force: the old ledger belongs to the old chain
  }
  writeFileSync(join(options.dir, 'keys', 'gateway.key'), bytesToHex(gatewayKey.privateKey) + '\n', { mode: 0o600 });
  writeFileSync(join(options.dir, 'keys', 'operator.key'), bytesToHex(operatorKey.privateKey) + '\n', { mode: 0o600 });
  writeFileSync(genesisPath, encodeGenesis(genesis));
  writeFileSync(join(options.dir, 'genesis.json'), JSON.stringify(describeGenesis(crypto, genesis), null, 2) + '\n');
  return loadChain(crypto, options.dir);
}

export function loadChain(crypto: CryptoProvider, dir: string): ChainFiles {
  const genesisPath = join(dir, 'genesis.cbor');
  if (!existsSync(genesisPath)) throw new Error(`no chain in ${dir}: run \`npx botpeer init --data ${dir}\` first`);
  const genesis = decodeGenesis(new Uint8Array(readFileSync(genesisPath)));
  const readKey = (name: string) => {
    const path = join(dir, 'keys', name);
    return existsSync(path) ? keyPairFromPrivate(crypto, hexToBytes(readFileSync(path, 'utf8').trim())) : undefined;
  };
  const gatewayKey = readKey('gateway.key');
  if (!gatewayKey) throw new Error(`no gateway key in ${join(dir, 'keys')}`);
  const operatorKey = readKey('operator.key');
  return { dir, genesis, chainId: chainIdOf(crypto, genesis), gatewayKey, ...(operatorKey ? { operatorKey } : {}), ledgerPath: join(dir, 'ledger.sqlite') };
}

export function readOperatorKey(crypto: CryptoProvider, path: string): KeyPair {
  return keyPairFromPrivate(crypto, hexToBytes(readFileSync(path, 'utf8').trim()));
}

export function describeGenesis(crypto: CryptoProvider, genesis: Genesis) {
  return {
    chainId: bytesToHex(chainIdOf(crypto, genesis)),
    genesisHash: bytesToHex(genesisHash(crypto, genesis)),
    name: new TextDecoder().decode(genesis.name),
    time: new Date(genesis.time).toISOString(),
    permission: permissionName(genesis.permission),
    threshold: genesis.validators.threshold,
    validators: genesis.validators.keys.map((k) => ({ key: bytesToHex(k), id: bytesToHex(keyId(crypto, k)) })),
    ...(genesis.validators.groupKey ? { groupKey: bytesToHex(genesis.validators.groupKey) } : {}),
    operator: { key: bytesToHex(genesis.operatorKey), id: bytesToHex(keyId(crypto, genesis.operatorKey)) },
    ...(genesis.publicLimits ? { publicLimits: { ...genesis.publicLimits } } : {}),
  };
}
