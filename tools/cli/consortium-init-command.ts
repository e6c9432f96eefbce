// `botpeer init --consortium …` and `botpeer init --member-key` (tools layer, Node only): the
// consortium's folders on one machine (a folder per member, for `botpeer start --members`
// or for trying it out), a member's own key, and the shared genesis of a multi-machine
// consortium assembled from the members' public keys. What each prints says what to run next.

import { join, resolve } from 'node:path';
import { type CryptoProvider, bytesToHex, hexToBytes, isCompressedPublicKey, keyId } from '../../src/index.js';
import { ensureMemberKey, initConsortium, initMemberGenesis } from '../gateway/consortium/consortium-init.js';
import { CliError, UsageError } from './cli-support.js';

type Out = (line: string) => void;

const fail = (error: unknown): never => {
  throw new CliError((error as Error).message);
};

/** `--consortium [--members N]`: N member folders, the operator key and consortium.json in `dir`. */
export function runConsortiumFolders(crypto: CryptoProvider, options: { dir: string; name: string; members: number; threshold?: number | undefined; force: boolean; frost?: boolean }, out: Out): number {
  if (options.threshold !== undefined && options.threshold > options.members) throw new UsageError(`--threshold must be 1..${options.members} (the members)`, 'init');
  let files;
  try {
    files = initConsortium(crypto, { dir: options.dir, name: options.name, members: options.members, force: options.force, frost: options.frost === true, ...(options.threshold === undefined ? {} : { threshold: options.threshold }) });
  } catch (error) {
    fail(error);
  }
  const { genesis, chainId } = files!.members[0]!;
  out(`consortium chain ${bytesToHex(chainId)} "${options.name}" created in ${resolve(options.dir)}`);
  out(`members (${genesis.validators.threshold} of ${genesis.validators.keys.length} sign each block):`);
  files!.members.forEach((m, i) => {
    out(`  member-${i + 1}  ${bytesToHex(keyId(crypto, m.gatewayKey.publicKey))}  ${bytesToHex(m.gatewayKey.publicKey)}  ${m.dir}`);
  });
  if (genesis.validators.groupKey) out(`FROST group key ${bytesToHex(genesis.validators.groupKey)}: each block carries one group signature; each member folder holds its share (keys/frost-<groupKey>.key) and frost-<groupKey>.json`);
  out(`operator   ${bytesToHex(keyId(crypto, genesis.operatorKey))}  ${bytesToHex(genesis.operatorKey)}  (${join(options.dir, 'operator.key')}; keep it off the gateways)`);
  out(`consortium.json lists the members; each member-N folder holds the genesis and that member's key only`);
  out('next, all on this machine:');
  out(`  npx botpeer start --members ${files!.members.length} --data ${options.dir}          (NATS cluster, members and a simulated fleet)`);
  out('or each member on its own, against a running NATS cluster (see README, "Consortium"):');
  files!.members.forEach((m, i) => out(`  npx botpeer gateway --data ${m.dir} --nats nats://HOST:4222 --mqtt-port ${1883 + i} --http-port ${8080 + i}`));
  return 0;
}

/** `--member-key`: this member's key (made if missing); its public key goes to whoever assembles the genesis. */
export function runMemberKey(crypto: CryptoProvider, dir: string, out: Out): number {
  let made;
  try {
    made = ensureMemberKey(crypto, dir);
  } catch (error) {
    fail(error);
  }
  const { key, created } = made!;
  out(`${created ? 'created' : 'kept'} this member's key in ${join(dir, 'keys', 'gateway.key')} (never leaves this machine)`);
  out(`  id   ${bytesToHex(keyId(crypto, key.publicKey))}`);
  out(`  key  ${bytesToHex(key.publicKey)}`);
  out('next: send the key line to the member who assembles the genesis (`botpeer init --consortium --member-keys …`),');
  out(`then put the genesis.cbor and genesis.json it sends you into ${dir}`);
  return 0;
}

/** Parses `--member-keys HEX,HEX,…`. */
export function memberKeysOf(list: string): Uint8Array[] {
  return list.split(',').map((s) => s.trim()).filter((s) => s !== '').map((hex) => {
    const key = /^([0-9a-fA-F]{2}){33}$/.test(hex) ? hexToBytes(hex.toLowerCase()) : undefined;
    if (!key || !isCompressedPublicKey(key)) throw new UsageError(`--member-keys takes 33-byte compressed public keys in hex (66 digits), comma-separated; got ${JSON.stringify(hex.slice(0, 70))}`, 'init');
    return key;
  });
}

/** `--consortium --member-keys …`: the shared genesis in `dir`, with this member's key (kept or made) in the set. */
export function runMemberGenesis(crypto: CryptoProvider, options: { dir: string; name: string; otherKeys: Uint8Array[]; threshold?: number | undefined; force: boolean }, out: Out): number {
  let chain;
  try {
    chain = initMemberGenesis(crypto, { dir: options.dir, name: options.name, otherKeys: options.otherKeys, force: options.force, ...(options.threshold === undefined ? {} : { threshold: options.threshold }) });
  } catch (error) {
    fail(error);
  }
  const { genesis, chainId, gatewayKey } = chain!;
  out(`consortium chain ${bytesToHex(chainId)} "${options.name}" created in ${resolve(options.dir)}`);
  out(`members (${genesis.validators.threshold} of ${genesis.validators.keys.length} sign each block):`);
  for (const key of genesis.validators.keys) {
    const mine = bytesToHex(key) === bytesToHex(gatewayKey.publicKey);
    out(`  ${bytesToHex(keyId(crypto, key))}  ${bytesToHex(key)}${mine ? '  (this member)' : ''}`);
  }
  if (genesis.validators.groupKey) out(`FROST group key ${bytesToHex(genesis.validators.groupKey)}: each block carries one group signature; each member folder holds its share (keys/frost-<groupKey>.key) and frost-<groupKey>.json`);
  out(`operator   ${bytesToHex(keyId(crypto, genesis.operatorKey))}  ${bytesToHex(genesis.operatorKey)}`);
  out(`keys:      ${join(options.dir, 'keys', 'operator.key')} is the operator key: move it off this gateway, keep it safe`);
  out(`next:      send ${join(options.dir, 'genesis.cbor')} and genesis.json to every member (into its --data folder), then each runs`);
  out('           npx botpeer gateway --data DIR --nats nats://HOST1:4222,nats://HOST2:4222,nats://HOST3:4222');
  return 0;
}
