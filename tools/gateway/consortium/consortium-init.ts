// A consortium's data folders (tools layer): what `botpeer init --consortium` writes. One
// genesis for N members, each member's folder holding that genesis and its own key only:
//
//   <dir>/member-1 … member-N   genesis.cbor, genesis.json, keys/gateway.key (the member's key)
//   <dir>/operator.key          the consortium's operator key, kept off every gateway
//   <dir>/consortium.json       the members' keys and ids, for people and for `botpeer start`
//
// On one machine this stands for N organisations; in a real deployment each member makes its
// own key (`botpeer init --data DIR` prints its public key) and one genesis is agreed from the
// public keys (`--member-keys`), so no private key ever leaves its member.

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  type CryptoProvider, type Genesis, type KeyPair, Permission, bytesToHex, encodeGenesis, generateKeyPair, keyId,
  makeValidatorSet,
} from '../../../src/index.js';
import { type ChainFiles, describeGenesis, loadChain } from '../data-dir.js';

export interface ConsortiumInitOptions {
  readonly dir: string;
  readonly name: string;
  readonly members: number;
  /** Defaults to a two-thirds majority: floor(2n/3) + 1. */
  readonly threshold?: number;
  readonly force?: boolean;
  readonly now?: number;
}

export interface ConsortiumFiles {
  readonly dir: string;
  readonly members: readonly ChainFiles[];
  readonly operatorKey: KeyPair;
}

const random = (n: number) => new Uint8Array(randomBytes(n));

export function memberDir(dir: string, i: number): string {
  return join(dir, `member-${i + 1}`);
}

export function defaultThreshold(members: number): number {
  return Math.floor((2 * members) / 3) + 1;
}

export function initConsortium(crypto: CryptoProvider, options: ConsortiumInitOptions): ConsortiumFiles {
  if (!Number.isInteger(options.members) || options.members < 1 || options.members > 64) throw new Error('--members must be 1..64');
  if (existsSync(join(options.dir, 'consortium.json')) && !options.force) {
    throw new Error(`${options.dir} already holds a consortium; pass --force to replace it and its ledgers`);
  }
  const memberKeys = Array.from({ length: options.members }, () => generateKeyPair(crypto, random));
  const operatorKey = generateKeyPair(crypto, random);
  const threshold = options.threshold ?? Math.min(options.members, defaultThreshold(options.members));
  const genesis: Genesis = {
    name: new TextEncoder().encode(options.name),
    time: options.now ?? Date.now(),
    permission: Permission.CONSORTIUM,
    validators: makeValidatorSet(threshold, memberKeys.map((k) => k.publicKey)),
    operatorKey: operatorKey.publicKey,
  };
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const encoded = encodeGenesis(genesis);
  const described = JSON.stringify(describeGenesis(crypto, genesis), null, 2) + '\n';
  memberKeys.forEach((key, i) => {
    const dir = memberDir(options.dir, i);
    rmSync(dir, { recursive: true, force: true }); // with --force: the old ledger belongs to the old chain
    mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'keys', 'gateway.key'), bytesToHex(key.privateKey) + '\n', { mode: 0o600 });
    writeFileSync(join(dir, 'genesis.cbor'), encoded);
    writeFileSync(join(dir, 'genesis.json'), described);
  });
  writeFileSync(join(options.dir, 'operator.key'), bytesToHex(operatorKey.privateKey) + '\n', { mode: 0o600 });
  writeFileSync(join(options.dir, 'consortium.json'), JSON.stringify({
    name: options.name,
    threshold,
    members: memberKeys.map((k, i) => ({ dir: `member-${i + 1}`, key: bytesToHex(k.publicKey), id: bytesToHex(keyId(crypto, k.publicKey)) })),
  }, null, 2) + '\n');
  return { dir: options.dir, members: memberKeys.map((_, i) => loadChain(crypto, memberDir(options.dir, i))), operatorKey };
}
