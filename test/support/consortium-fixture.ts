// Consortium members in tests (test layer): enrolling through a member, waiting for every
// member's replay, GOVERN through a member, and comparing ledgers block for block. The
// member tests over the in-memory log and over a real NATS cluster share these.

import type { ExecutionContext } from 'ava';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ErrorCode, type KeyPair, type Proposal, type Result, TxKind, type ValidatorSet, bytesToHex, enrollBody, equalBytes, governBody, keyId,
  signApprovals, validatorSetHash,
} from '../../src/index.js';
import type { ConsortiumFiles } from '../../tools/gateway/consortium/consortium-init.js';
import type { Member } from '../../tools/gateway/consortium/member.js';
import { brokerAddress } from '../../tools/cli/fleet-run.js';
import { type Device, openDevice } from '../../hosts/desktop/device.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { waitUntil } from './desktop-fleet.js';
import { crypto, newDeviceKey } from './gateway-fixture.js';
import { type MqttDevice, connectDevice } from './mqtt-device.js';

/** Enrols `keys` through `member`, signed by that member's own key (a consortium member enrols its own devices); waits for their proofs. */
export async function enrolAt(member: Member, keys: readonly Pick<KeyPair, 'publicKey'>[], firstSeq: number): Promise<void> {
  const self = await connectDevice(member.mqttUrl, crypto, member.chain.chainId, member.chain.gatewayKey);
  try {
    for (let i = 0; i < keys.length; i++) {
      await self.send({ kind: TxKind.ENROLL, sender: self.id, seq: firstSeq + i, time: Math.floor(Date.now() / 1000), body: enrollBody(keys[i]!.publicKey) });
    }
    await self.waitFor(() => self.acks.size === keys.length, 'enrolments acknowledged', 30_000);
    for (const [seq, ack] of self.acks) if (ack.code !== ErrorCode.OK) throw new Error(`enrolment ${seq}: code ${ack.code}`);
  } finally {
    await self.close();
  }
}

/** Sends an INVOKE of `device` with `body` and waits for its verdict: its proof (OK) or a refusing ack; the code. */
export async function submitInvoke(device: MqttDevice, seq: number, body: unknown): Promise<number> {
  device.acks.delete(seq);
  await device.send({ kind: TxKind.INVOKE, sender: device.id, seq, time: Math.floor(Date.now() / 1000), body: body as never });
  await device.waitFor(() => device.proofs.has(seq) || (device.acks.has(seq) && device.acks.get(seq)!.code !== ErrorCode.OK), `verdict on seq ${seq}`, 60_000);
  return device.acks.get(seq)!.code;
}

/** Each member admits what the stream holds on its own replay: a device may connect to a member once that member knows it. */
export async function known(members: readonly Member[], keys: readonly Pick<KeyPair, 'publicKey'>[]): Promise<void> {
  const ids = keys.map((k) => keyId(crypto, k.publicKey));
  await waitUntil(() => members.every((m) => ids.every((id) => m.working().account(id) !== undefined)), 'every member knows the devices', 30_000);
}

/** Every member holds the same headers (hash for hash) and the same transactions up to `height`. */
export function sameLedgers(t: ExecutionContext, members: readonly Member[], height: number): void {
  const reference = members[0]!.store;
  for (let h = 1; h <= height; h++) {
    const hash = bytesToHex(reference.block(h)!.hash);
    const ids = reference.blockTxIds(h).map(bytesToHex).join();
    for (const m of members.slice(1)) {
      t.is(bytesToHex(m.store.block(h)?.hash ?? new Uint8Array()), hash, `block ${h} of ${m.name}`);
      t.is(m.store.blockTxIds(h).map(bytesToHex).join(), ids, `transactions of block ${h} at ${m.name}`);
    }
  }
}

export const indexIn = (set: ValidatorSet, key: Uint8Array): number => set.keys.findIndex((k) => equalBytes(k, key));

/** A GOVERN through `member`'s broker, signed by that member, approved by `approvers`; resolves with its block height. */
export async function govern(member: Member, set: ValidatorSet, proposal: Proposal, approvers: readonly KeyPair[]): Promise<number> {
  const { chainId, gatewayKey } = member.chain;
  const approvals = signApprovals(crypto, chainId, validatorSetHash(crypto, set), proposal, approvers.map((k) => ({ index: indexIn(set, k.publicKey), privateKey: k.privateKey })));
  const self = await connectDevice(member.mqttUrl, crypto, chainId, gatewayKey);
  try {
    const seq = (member.working().account(self.id)?.lastSeq ?? 0) + 1;
    await self.send({ kind: TxKind.GOVERN, sender: self.id, seq, time: Math.floor(Date.now() / 1000), body: governBody(proposal, approvals) });
    await self.waitFor(() => self.acks.has(seq), 'the GOVERN verdict', 60_000);
    if (self.acks.get(seq)!.code !== ErrorCode.OK) throw new Error(`GOVERN: code ${self.acks.get(seq)!.code}`);
    return self.proofs.get(seq)!.height;
  } finally {
    await self.close();
  }
}

/** A new member's folder: the consortium's genesis and a key of its own (what `botpeer init --member-key` makes, with the genesis copied in). */
export function newMemberDir(files: ConsortiumFiles, name: string): { dir: string; key: KeyPair } {
  const dir = join(files.dir, name);
  mkdirSync(join(dir, 'keys'), { recursive: true });
  for (const f of ['genesis.cbor', 'genesis.json']) copyFileSync(join(files.members[0]!.dir, f), join(dir, f));
  const key = newDeviceKey();
  writeFileSync(join(dir, 'keys', 'gateway.key'), bytesToHex(key.privateKey) + '\n');
  return { dir, key };
}

/** The value of an ok Result; a failed one fails the test with its code and reason. */
export function expectOk<T>(t: ExecutionContext, result: Result<T>, what = 'result'): T {
  if (result.ok === false) {
    const { code, reason } = result as { code: number; reason: string };
    t.fail(`${what}: ${code}: ${reason}`);
    throw new Error(reason);
  }
  return result.value;
}

const OFFLINE_PEER = { samplingIntervalMs: 200, batchSize: 1, recheckIntervalMs: 300, proofTimeoutMs: 3000, retryMaxMs: 1000 };

/**
 * A light peer (the desktop host) in `dir`, enrolled through `members[0]` with its key, that
 * trusts an early header and is then stopped: it stays offline across what the test does next.
 * `reopen(member)` starts it again on that member's broker (the earlier one is stopped at teardown).
 */
export async function offlineDevice(t: ExecutionContext, dir: string, members: readonly Member[], peerBroker: Member): Promise<{ trustedBefore: number; reopen(member: Member): Device }> {
  const { genesis } = members[0]!.chain;
  const open = (member: Member) => {
    const device = openDevice({ dir, genesis, crypto: createNativeCrypto(), broker: brokerAddress(member.mqttUrl), log: () => {}, peer: OFFLINE_PEER });
    t.teardown(() => device.stop());
    return device;
  };
  const device = open(peerBroker);
  await enrolAt(members[0]!, [device], 1);
  await known(members, [device]);
  device.start();
  await waitUntil(() => device.status().trustedHeight >= 1, 'the device trusts a header', 30_000);
  device.stop();
  return { trustedBefore: device.status().trustedHeight, reopen: (member) => open(member) };
}
