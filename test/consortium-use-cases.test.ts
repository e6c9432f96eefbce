// The use-case contracts on a consortium (four members over the in-memory chain stream,
// threshold 3): a crate's custody steps and its thermometer's readings, and credits minted by a
// member, earned and spent, sent through different members' brokers. Every member executes every
// INVOKE itself and gets the same state root: the blocks are identical hash for hash, the
// headers' stateRoots agree, and each member's state holds the same item and balances.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ContractId, SupplyChainMethod, TransportMethod, TxKind, buyArgs, bytesToHex, contractNamespace, decodeLightBlock, errorName, invokeBody, itemKey,
  balanceKey, mintArgs, publishArgs, registerItemArgs, transferCustodyArgs,
} from '../src/index.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { enrolAt, known, sameLedgers } from './support/consortium-fixture.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { type MqttDevice, connectDevice } from './support/mqtt-device.js';
import { waitUntil } from './support/desktop-fleet.js';

const TIMING = { intervalMs: 50, heartbeatMs: 60_000, takeoverMs: 300, maxBlockTxs: 64 };
const now = () => Math.floor(Date.now() / 1000);

async function verdict(device: MqttDevice, seq: number, contract: number, method: number, args: Parameters<typeof invokeBody>[2]): Promise<string> {
  await device.send({ kind: TxKind.INVOKE, sender: device.id, seq, time: now(), body: invokeBody(contract, method, args) });
  await device.waitFor(() => device.proofs.has(seq) || (device.acks.get(seq)?.code ?? 0) !== 0, `verdict of seq ${seq}`, 30_000);
  return errorName(device.acks.get(seq)!.code);
}

test('four members run the use-case contracts to the same state root', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-consortium-uc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'use cases', members: 4, threshold: 3 });
  const log = new MemoryLog();
  const members: Member[] = await Promise.all(files.members.map(async (m) => {
    const member = await startMember({ dataDir: m.dir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1 });
    t.teardown(() => member.close());
    return member;
  }));
  const keys = [newDeviceKey(), newDeviceKey(), newDeviceKey()];
  await enrolAt(members[0]!, keys, 1);
  await known(members, keys);
  const [holderA, holderB, thermo] = await Promise.all(keys.map((k, i) => connectDevice(members[i + 1]!.mqttUrl, crypto, members[i + 1]!.chain.chainId, k)));
  // A member's own key: it enrolled with seq 1–3, and may mint (a validator).
  const memberSelf = await connectDevice(members[0]!.mqttUrl, crypto, members[0]!.chain.chainId, members[0]!.chain.gatewayKey);
  t.teardown(() => Promise.all([holderA, holderB, thermo, memberSelf].map((d) => d!.close())));
  const crate = new TextEncoder().encode('pallet-7');
  const SC = ContractId.SUPPLY_CHAIN;
  const TC = ContractId.TRANSPORT_CREDITS;

  t.is(await verdict(holderA!, 1, SC, SupplyChainMethod.REGISTER_ITEM, registerItemArgs(crate, [thermo!.id])), 'OK');
  await thermo!.sendReadings(1, [350, 360]);
  t.is(await verdict(holderA!, 2, SC, SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(crate, holderB!.id)), 'OK');
  t.is(await verdict(holderA!, 3, SC, SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(crate, holderB!.id)), 'NOT_HOLDER');
  t.is(await verdict(memberSelf, 4, TC, TransportMethod.MINT, mintArgs(holderB!.id, 10)), 'OK');
  const obs = crypto.sha256(new TextEncoder().encode('lane 2 closed'));
  t.is(await verdict(thermo!, 2, TC, TransportMethod.PUBLISH, publishArgs(obs, 7, 6)), 'OK');
  t.is(await verdict(holderB!, 1, TC, TransportMethod.BUY, buyArgs(obs)), 'OK');
  t.is(await verdict(holderA!, 4, TC, TransportMethod.BUY, buyArgs(obs)), 'INSUFFICIENT_CREDITS');
  await thermo!.waitFor(() => thermo!.proofs.has(1), 'the reading is final', 30_000);

  const target = Math.max(...members.map((m) => m.executedHeight));
  await waitUntil(() => members.every((m) => m.height >= target), 'every member has every block', 30_000);
  sameLedgers(t, members, target);
  const roots = members.map((m) => bytesToHex(decodeLightBlock(m.store.block(target)!.lightBlock).header.stateRoot));
  t.is(new Set(roots).size, 1, 'one state root at every member');
  const entry = (m: Member, id: number, key: Uint8Array) => bytesToHex(m.working().entry(contractNamespace(id), key) ?? new Uint8Array());
  for (const key of [itemKey(crate)]) t.is(new Set(members.map((m) => entry(m, SC, key))).size, 1);
  for (const id of [thermo!.id, holderB!.id]) t.is(new Set(members.map((m) => entry(m, TC, balanceKey(id)))).size, 1);
});
