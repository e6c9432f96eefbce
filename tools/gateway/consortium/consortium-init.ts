// A consortium's data folders (tools layer): what `botpeer init --consortium` writes. One
// genesis for N members, each member's folder holding that genesis and its own key only:
//
//   <dir>/member-1 … member-N   genesis.cbor, genesis.json, keys/gateway.key (the member's key)
//   <dir>/operator.key          the consortium's operator key, kept off every gateway
//   <dir>/consortium.json       the members' keys and ids, for people and for `botpeer start`
//
// With `frost`, the genesis set is a FROST set (docs/protocol.md §6.1): the members run the key
// generation (frost-dkg, no trusted dealer) here, and each member folder also gets its secret
// share (keys/frost-<groupKey>.key) and the group's public shares (frost-<groupKey>.json, frost-keys.ts).
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
import { type ChainFiles, describeGenesis, loadChain, readOperatorKey } from '../data-dir.js';
import { type FrostGroup, generateFrostGroup, writeFrostKeys } from './frost-keys.js';

export interface ConsortiumInitOptions {
  readonly dir: string;
  readonly name: string;
  readonly members: number;
  /** Defaults to a two-thirds majority: floor(2n/3) + 1. */
  readonly threshold?: number;
  readonly force?: boolean;
  readonly now?: number;
  /** Commits are one FROST group signature: run the key generation among the members on this machine. */
  readonly frost?: boolean;
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
  const ecdsaSet = makeValidatorSet(threshold, memberKeys.map((k) => k.publicKey));
  // FROST identifier i is set index i (keys sorted), so the shares are generated in that order.
  let frost: FrostGroup | undefined;
  if (options.frost) {
    if (options.members < 2) throw new Error('--frost needs at least 2 members');
    frost = generateFrostGroup(options.members, threshold);
  }
  const genesis: Genesis = {
    name: new TextEncoder().encode(options.name),
    time: options.now ?? Date.now(),
    permission: Permission.CONSORTIUM,
    validators: frost ? makeValidatorSet(threshold, ecdsaSet.keys, frost.groupKey) : ecdsaSet,
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
    if (frost) writeFrostKeys(dir, frost, ecdsaSet.keys.findIndex((k) => bytesToHex(k) === bytesToHex(key.publicKey)));
  });
  // With --force and fewer members than before: the old ones' folders belong to the old chain.
  for (let i = options.members; existsSync(memberDir(options.dir, i)); i++) rmSync(memberDir(options.dir, i), { recursive: true, force: true });
  writeFileSync(join(options.dir, 'operator.key'), bytesToHex(operatorKey.privateKey) + '\n', { mode: 0o600 });
  writeFileSync(join(options.dir, 'consortium.json'), JSON.stringify({
    name: options.name,
    threshold,
    ...(frost ? { frost: { groupKey: bytesToHex(frost.groupKey), threshPk: bytesToHex(frost.threshPk) } } : {}),
    members: memberKeys.map((k, i) => ({ dir: `member-${i + 1}`, key: bytesToHex(k.publicKey), id: bytesToHex(keyId(crypto, k.publicKey)) })),
  }, null, 2) + '\n');
  return { dir: options.dir, members: memberKeys.map((_, i) => loadChain(crypto, memberDir(options.dir, i))), operatorKey };
}

export interface MemberGenesisOptions {
  readonly dir: string;
  readonly name: string;
  /** The other members' public keys (33-byte compressed); this member's own key joins the set. */
  readonly otherKeys: readonly Uint8Array[];
  readonly threshold?: number;
  readonly force?: boolean;
  readonly now?: number;
}

/**
 * A member's key (keys/gateway.key in `dir`): the existing one, else a new one. What each member
 * of a multi-machine consortium makes first; only its public key leaves the machine.
 */
export function ensureMemberKey(crypto: CryptoProvider, dir: string): { key: KeyPair; created: boolean } {
  const path = join(dir, 'keys', 'gateway.key');
  if (existsSync(path)) return { key: readOperatorKey(crypto, path), created: false };
  const key = generateKeyPair(crypto, random);
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  writeFileSync(path, bytesToHex(key.privateKey) + '\n', { mode: 0o600 });
  return { key, created: true };
}

/**
 * The shared genesis of a multi-machine consortium, assembled from the members' public keys by
 * one of them: genesis.cbor/json in `dir` (with its own member key, kept or made) and a new
 * operator key in keys/operator.key (to be moved off the gateway). The other members copy
 * genesis.cbor and genesis.json into their own folders.
 */
export function initMemberGenesis(crypto: CryptoProvider, options: MemberGenesisOptions): ChainFiles {
  if (existsSync(join(options.dir, 'genesis.cbor')) && !options.force) {
    throw new Error(`${options.dir} already holds a chain (genesis.cbor); pass --force to replace it and its ledger`);
  }
  const { key } = ensureMemberKey(crypto, options.dir);
  const own = bytesToHex(key.publicKey);
  const keys = [key.publicKey, ...options.otherKeys.filter((k) => bytesToHex(k) !== own)];
  if (new Set(keys.map(bytesToHex)).size !== keys.length) throw new Error('a member key is listed twice');
  const threshold = options.threshold ?? Math.min(keys.length, defaultThreshold(keys.length));
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > keys.length) throw new Error(`--threshold must be 1..${keys.length}`);
  const operatorKey = generateKeyPair(crypto, random);
  const genesis: Genesis = {
    name: new TextEncoder().encode(options.name),
    time: options.now ?? Date.now(),
    permission: Permission.CONSORTIUM,
    validators: makeValidatorSet(threshold, keys),
    operatorKey: operatorKey.publicKey,
  };
  for (const stale of ['ledger.sqlite', 'ledger.sqlite-wal', 'ledger.sqlite-shm', 'stream-position.json']) rmSync(join(options.dir, stale), { force: true });
  writeFileSync(join(options.dir, 'keys', 'operator.key'), bytesToHex(operatorKey.privateKey) + '\n', { mode: 0o600 });
  writeFileSync(join(options.dir, 'genesis.cbor'), encodeGenesis(genesis));
  writeFileSync(join(options.dir, 'genesis.json'), JSON.stringify(describeGenesis(crypto, genesis), null, 2) + '\n');
  return loadChain(crypto, options.dir);
}
