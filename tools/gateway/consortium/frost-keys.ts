// A consortium member's FROST key material on disk (tools layer, Node only): what
// `botpeer init --consortium --frost` (and, for a REKEY, the key generation among the new
// members) writes into each member folder, and what the member reads to sign headers of a
// FROST validator set. One share per group key, so a member holds the old group's share and the
// new one's across a REKEY and signs each height with the share of the set that signs it:
//
//   keys/frost-<groupKeyHex>.key  the member's secret share, 32 bytes hex (mode 0600, never leaves the member)
//   frost-<groupKeyHex>.json      public: t, n, the 33-byte threshold key, the x-only group key, every
//                                 participant's public share by FROST identifier, and this member's identifier
//
// The single-group names of earlier versions (keys/frost-share.key, frost.json) are still read
// when their group key is the one asked for.
//
// FROST identifier i is the member at index i of its set's (sorted) keys: signing, nonce and
// partial-signature messages all use the set index, so one number names a member.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bytesToHex, equalBytes, hexToBytes } from '../../../src/index.js';
import { runDkg } from '../frost-dkg/session.js';

export interface FrostKeys {
  readonly t: number;
  readonly n: number;
  /** 33-byte compressed threshold key (the FROST signing draft's thresh_pk). */
  readonly threshPk: Uint8Array;
  /** 32-byte x-only BIP-340 group key: the validator set's groupKey. */
  readonly groupKey: Uint8Array;
  /** 33-byte public share of each FROST identifier (= set index). */
  readonly pubshares: readonly Uint8Array[];
  /** This member's identifier (its index in the set). */
  readonly id: number;
  readonly secshare: Uint8Array;
}

/** The single-group file names of earlier versions: still read, never written. */
export const FROST_SHARE_FILE = join('keys', 'frost-share.key');
export const FROST_PUBLIC_FILE = 'frost.json';

/** Where a member keeps its secret share for `groupKey` (relative to its folder). */
export const frostShareFile = (groupKey: Uint8Array): string => join('keys', `frost-${bytesToHex(groupKey)}.key`);
/** Where a member keeps the public part of the key generation for `groupKey`. */
export const frostPublicFile = (groupKey: Uint8Array): string => `frost-${bytesToHex(groupKey)}.json`;

/** Public part of the key generation, shared by every member. */
export interface FrostGroup {
  readonly t: number;
  readonly threshPk: Uint8Array;
  readonly groupKey: Uint8Array;
  readonly pubshares: readonly Uint8Array[];
  readonly secshares: readonly Uint8Array[];
}

/**
 * Key generation with no trusted dealer among n members on this machine (the DKG simulation
 * driver with fresh CSPRNG randomness): participant i is the member at set index i. A
 * multi-machine DKG over the members' network is a later step.
 */
export function generateFrostGroup(n: number, t: number): FrostGroup {
  const members = Array.from({ length: n }, (_, i) => `member-${i}`);
  const result = runDkg({
    members, t, maxAttempts: 1,
    entropy: () => ({ seed: new Uint8Array(randomBytes(32)), auxRand: new Uint8Array(randomBytes(32)) }),
  });
  if (!result.ok) throw new Error(`FROST key generation failed: ${result.reason}`);
  const { keys } = result;
  return {
    t, threshPk: keys.threshPk, groupKey: keys.groupKey, pubshares: keys.pubshares,
    secshares: members.map((m) => keys.outputs.get(m)!.secshare!),
  };
}

/** Writes member `id`'s share of `group` (and the group's public part) under the group key's names. */
export function writeFrostKeys(dir: string, group: FrostGroup, id: number): void {
  writeFrostShare(dir, group, id, group.secshares[id]!);
}

/** One member's share and the group's public part (a network key generation gives a member only its own share). */
export function writeFrostShare(dir: string, group: Omit<FrostGroup, 'secshares'>, id: number, secshare: Uint8Array): void {
  writeFileSync(join(dir, frostShareFile(group.groupKey)), bytesToHex(secshare) + '\n', { mode: 0o600 });
  writeFileSync(join(dir, frostPublicFile(group.groupKey)), JSON.stringify({
    t: group.t, n: group.pubshares.length, id,
    threshPk: bytesToHex(group.threshPk), groupKey: bytesToHex(group.groupKey),
    pubshares: group.pubshares.map(bytesToHex),
  }, null, 2) + '\n');
}

function readPair(dir: string, sharePath: string, publicPath: string): FrostKeys | undefined {
  if (!existsSync(join(dir, sharePath)) || !existsSync(join(dir, publicPath))) return undefined;
  const pub = JSON.parse(readFileSync(join(dir, publicPath), 'utf8')) as { t: number; n: number; id: number; threshPk: string; groupKey: string; pubshares: string[] };
  return {
    t: pub.t, n: pub.n, id: pub.id,
    threshPk: hexToBytes(pub.threshPk), groupKey: hexToBytes(pub.groupKey),
    pubshares: pub.pubshares.map(hexToBytes),
    secshare: hexToBytes(readFileSync(join(dir, sharePath), 'utf8').trim()),
  };
}

/** The member's FROST keys for `groupKey`, when its folder holds them (under either naming); else undefined. */
export function readFrostKeys(dir: string, groupKey: Uint8Array): FrostKeys | undefined {
  const keys = readPair(dir, frostShareFile(groupKey), frostPublicFile(groupKey)) ?? readPair(dir, FROST_SHARE_FILE, FROST_PUBLIC_FILE);
  // Shares of another group (a set changed since) sign nothing for this one.
  return keys !== undefined && equalBytes(keys.groupKey, groupKey) ? keys : undefined;
}
