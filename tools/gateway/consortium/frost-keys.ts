// A consortium member's FROST key material on disk (tools layer, Node only): what
// `botpeer init --consortium --frost` writes into each member folder after the key generation,
// and what the member reads at start to sign headers of a FROST validator set.
//
//   keys/frost-share.key   the member's secret share, 32 bytes hex (mode 0600, never leaves the member)
//   frost.json             public: t, n, the 33-byte threshold key, the x-only group key, every
//                          participant's public share by FROST identifier, and this member's identifier
//
// FROST identifier i is the member at index i of the genesis set's (sorted) keys: signing,
// nonce and partial-signature messages all use the set index, so one number names a member.

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

export const FROST_SHARE_FILE = join('keys', 'frost-share.key');
export const FROST_PUBLIC_FILE = 'frost.json';

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

export function writeFrostKeys(dir: string, group: FrostGroup, id: number): void {
  writeFileSync(join(dir, FROST_SHARE_FILE), bytesToHex(group.secshares[id]!) + '\n', { mode: 0o600 });
  writeFileSync(join(dir, FROST_PUBLIC_FILE), JSON.stringify({
    t: group.t, n: group.pubshares.length, id,
    threshPk: bytesToHex(group.threshPk), groupKey: bytesToHex(group.groupKey),
    pubshares: group.pubshares.map(bytesToHex),
  }, null, 2) + '\n');
}

/** The member's FROST keys, when its folder holds them (and, given `groupKey`, they are for it); else undefined. */
export function readFrostKeys(dir: string, groupKey?: Uint8Array): FrostKeys | undefined {
  const sharePath = join(dir, FROST_SHARE_FILE);
  const publicPath = join(dir, FROST_PUBLIC_FILE);
  if (!existsSync(sharePath) || !existsSync(publicPath)) return undefined;
  const pub = JSON.parse(readFileSync(publicPath, 'utf8')) as { t: number; n: number; id: number; threshPk: string; groupKey: string; pubshares: string[] };
  const keys: FrostKeys = {
    t: pub.t, n: pub.n, id: pub.id,
    threshPk: hexToBytes(pub.threshPk), groupKey: hexToBytes(pub.groupKey),
    pubshares: pub.pubshares.map(hexToBytes),
    secshare: hexToBytes(readFileSync(sharePath, 'utf8').trim()),
  };
  // Shares of another group (a set changed since) sign nothing for this one.
  return groupKey === undefined || equalBytes(keys.groupKey, groupKey) ? keys : undefined;
}
