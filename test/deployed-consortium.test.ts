// Deployed contracts on a consortium (four members over the in-memory chain stream,
// test/fakes/memory-ordering.ts): a member deploys, devices on different members' brokers call,
// a looping call is refused by every member alike, and all members reach the same headers and
// state root, and answer queries alike.

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, bytesToHex, errorName, hexToBytes, txId } from '../src/index.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { callBody, deployBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { enrolAt, known, sameLedgers, submitInvoke } from './support/consortium-fixture.js';
import { TOKEN } from './support/deployed-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';

const TIMING = { intervalMs: 50, heartbeatMs: 60_000, takeoverMs: 300, maxBlockTxs: 64 };

test('four members: deploys and calls through different members give every member the same state root', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-deployed-consortium-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'test', members: 4, threshold: 3 });
  const log = new MemoryLog();
  const members: Member[] = await Promise.all(files.members.map(async (m) => {
    const member = await startMember({ dataDir: m.dir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1 });
    t.teardown(() => member.close());
    return member;
  }));
  const keys = [newDeviceKey(), newDeviceKey()];
  await enrolAt(members[0]!, keys, 1);
  await known(members, keys);
  const self = await connectDevice(members[1]!.mqttUrl, crypto, members[1]!.chain.chainId, members[1]!.chain.gatewayKey);
  t.teardown(() => self.close());
  const hash = contractHash(TOKEN);
  t.is(errorName(await submitInvoke(self, 1, deployBody(TOKEN))), 'OK');
  const devices = await Promise.all(keys.map((k, i) => connectDevice(members[2 + i]!.mqttUrl, crypto, members[0]!.chain.chainId, k)));
  t.teardown(() => Promise.all(devices.map((d) => d.close())));
  const [a, b] = devices.map((d) => bytesToHex(d.id)) as [string, string];
  t.is(errorName(await submitInvoke(self, 2, callBody(hash, 'mint', { to: a, amount: 50 }))), 'OK');
  t.is(errorName(await submitInvoke(devices[0]!, 1, callBody(hash, 'transfer', { to: b, amount: 20 }))), 'OK');
  t.is(errorName(await submitInvoke(devices[1]!, 1, callBody(hash, 'loop', null))), 'CONTRACT_OUT_OF_GAS');
  t.is(errorName(await submitInvoke(devices[1]!, 1, callBody(hash, 'transfer', { to: a, amount: 5 }))), 'OK');
  t.is(errorName(await submitInvoke(devices[0]!, 2, callBody(hash, 'note', 'hello'))), 'OK');
  t.is(errorName(await submitInvoke(devices[0]!, 3, callBody(hash, 'stamp', null))), 'OK');
  const stampId = txId(crypto, devices[0]!.sent.get(3)!);

  const target = members[0]!.executedHeight;
  await waitUntil(() => members.every((m) => m.height >= target), 'every member commits the last block', 30_000);
  sameLedgers(t, members, target);
  const roots = new Set(members.map((m) => bytesToHex(m.committed().root(crypto))));
  t.is(roots.size, 1);
  // The refused loop counted the same at every member's replay.
  for (const m of members) t.is(m.stats.replayRefused[ErrorCode.CONTRACT_OUT_OF_GAS], 1, m.name);
  // ctx.height is the height of the block that holds the call, at every member.
  for (const m of members) {
    const at = m.committed().entry(hexToBytes(hash), new TextEncoder().encode(bytesToHex(stampId)));
    t.is(JSON.parse(new TextDecoder().decode(at)), m.store.txById(stampId)!.height, m.name);
  }
  for (const m of members) {
    const answer = await m.deployed.query(m.committed(), hash, 'balance', { who: a }, m.height);
    t.like(answer, { ok: true, result: 35 }, m.name);
  }
});
