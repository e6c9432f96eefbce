// State proofs on a consortium (issue 12, §9.4 STATE_PROOF): four member gateways over an
// in-memory chain stream, threshold 3. A light peer on one member's broker proves "device A is
// enrolled" and "A is not blocked" against headers carrying the members' threshold commit, and
// every member computes the same stateRoot (the proof is about the chain, not one member's view).

import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractId, Quantity, bytesToHex, contractNamespace, decodeLightBlock, keyId } from '../src/index.js';
import { createLightPeer, makePeerConfig } from '../src/peer/index.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { startMember } from '../tools/gateway/consortium/member.js';
import { MemoryLog } from './fakes/memory-ordering.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { MemoryKeyValueStore, MemoryOutbox } from './fakes/memory-store.js';
import { seededRandom } from './fakes/seeded-random.js';
import { enrolAt, known } from './support/consortium-fixture.js';
import { crypto, newDeviceKey } from './support/gateway-fixture.js';
import { connectPassword } from './support/mqtt-device.js';
import { mqttJsSession, realClock, until } from './support/mqtt-js-session.js';

const TIMING = { intervalMs: 50, heartbeatMs: 60_000, takeoverMs: 300, maxBlockTxs: 64 };

test('a light peer on one member proves "enrolled" and "not blocked" against the consortium\'s headers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-consortium-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = initConsortium(crypto, { dir, name: 'test', members: 4, threshold: 3 });
  const log = new MemoryLog();
  const members = await Promise.all(files.members.map(async (m) => {
    const member = await startMember({ dataDir: m.dir, ordering: async () => log.port(), mqttPort: 0, timing: TIMING, verifyWorkers: 1 });
    t.teardown(() => member.close());
    return member;
  }));
  const a = newDeviceKey();
  const b = newDeviceKey();
  await enrolAt(members[0]!, [a, b], 1);
  await known(members, [a, b]);
  const { chain } = members[2]!;
  const idA = keyId(crypto, a.publicKey);

  const config = makePeerConfig(chain.genesis, { samplingIntervalMs: 60_000 });
  const session = mqttJsSession(members[2]!.mqttUrl, bytesToHex(keyId(crypto, b.publicKey)), () => connectPassword(crypto, chain.chainId, b));
  const peer = createLightPeer(config, {
    crypto, clock: realClock(), random: seededRandom(5), store: new MemoryKeyValueStore(), outbox: new MemoryOutbox(config.outboxCapacity),
    sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1)], session, log: () => {},
  }, b);
  peer.start();
  t.teardown(async () => {
    peer.stop();
    await session.close();
  });
  await until(() => peer.status().trustedHeight >= 1, 'a verified header', 30_000);

  const enrolled = await peer.proveState(contractNamespace(ContractId.REGISTRY), idA);
  t.true(enrolled.present, 'A is enrolled');
  const notBlocked = await peer.proveState(contractNamespace(ContractId.BLOCKLIST), idA);
  t.false(notBlocked.present, 'A is not blocked');
  // The header the proof checked against is every member's.
  await until(() => members.every((m) => m.height >= enrolled.height), 'every member at that height');
  const roots = members.map((m) => bytesToHex(decodeLightBlock(m.store.block(enrolled.height)!.lightBlock).header.stateRoot));
  t.is(new Set(roots).size, 1, 'every member has the same stateRoot at that height');
  t.log(`proven against height ${enrolled.height} (stateRoot ${roots[0]!.slice(0, 16)}…) through member 2's broker`);
});
