// The desktop host's composition (test layer): one device's folder (key, sequence
// reservation, outbox, enrolment marker), the sensor switch a fleet drains with,
// and a fleet folder bound to its chain. No broker here: the peers are not started;
// the fleet tests (fleet-*.test.ts) run them against a real gateway.

import test from 'ava';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Permission, bytesToHex, chainIdOf, decodeTx, keyId, parseReadings } from '../src/index.js';
import { openDevice } from '../hosts/desktop/device.js';
import { FleetDirError, deviceFolder, openFleet } from '../hosts/desktop/fleet.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { initChain } from '../tools/gateway/data-dir.js';
import { createFileOutbox } from '../hosts/desktop/outbox-file-node.js';
import { tempDir } from './support/desktop-fleet.js';

const crypto = createNativeCrypto();
// Nothing listens here: a device that is never started never connects.
const nowhere = { host: '127.0.0.1', port: 9 };

function chainIn(dir: string, name = 'desktop') {
  return initChain(crypto, { dir, name, permission: Permission.PRIVATE, otherValidators: [] });
}

test('a device folder keeps the key, the sequence reservation and the outbox across reopenings', (t) => {
  const root = tempDir(t);
  const { genesis } = chainIn(join(root, 'chain'));
  const dir = join(root, 'device');
  const open = () => openDevice({ dir, genesis, crypto, broker: nowhere, log: () => {}, peer: { samplingIntervalMs: 60_000 } });
  const first = open();
  t.is(first.idHex, bytesToHex(keyId(crypto, first.publicKey)));
  t.deepEqual(readdirSync(dir).sort(), ['outbox', 'state']);
  for (let i = 0; i < 3; i++) first.peer.sampleNow();
  t.is(first.status().counters.signed, 3);
  const stored = [...createFileOutbox(join(dir, 'outbox'), { capacity: first.config.outboxCapacity }).entries()];
  t.deepEqual(stored.map(([seq]) => seq), [1, 2, 3], 'each signed transaction is on disk before anything is sent');
  const tx = decodeTx(stored[0]![1]);
  t.is(bytesToHex(tx.sender), first.idHex);
  t.deepEqual(parseReadings(tx.body).map((s) => s.values.length), [1, 1, 1], 'three simulated channels, one reading each');

  const second = open();
  t.is(second.idHex, first.idHex, 'the same identity');
  t.is(second.status().outbox, 3, 'the outbox is taken over');
  second.peer.sampleNow();
  const seqs = [...createFileOutbox(join(dir, 'outbox'), { capacity: second.config.outboxCapacity }).entries()].map(([seq]) => seq);
  t.is(seqs.length, 4);
  t.true(seqs[3]! > 3, `a reopened device signs above every seq it may have used (got ${seqs[3]})`);
});

test('setSampling(false): sampling takes and signs nothing until it is switched on again', (t) => {
  const root = tempDir(t);
  const { genesis } = chainIn(join(root, 'chain'));
  const device = openDevice({ dir: join(root, 'device'), genesis, crypto, broker: nowhere, log: () => {} });
  device.setSampling(false);
  device.peer.sampleNow();
  device.peer.sampleNow();
  t.is(device.status().counters.signed, 0);
  t.is(device.status().outbox, 0);
  device.setSampling(true);
  device.peer.sampleNow();
  t.is(device.status().counters.signed, 1);
});

test('the enrolment marker belongs to one chain', (t) => {
  const root = tempDir(t);
  const a = chainIn(join(root, 'a'), 'chain-a');
  const b = chainIn(join(root, 'b'), 'chain-b');
  const dir = join(root, 'device');
  const onA = openDevice({ dir, genesis: a.genesis, crypto, broker: nowhere, log: () => {} });
  t.false(onA.enrolled);
  onA.markEnrolled();
  t.true(onA.enrolled);
  t.true(openDevice({ dir, genesis: a.genesis, crypto, broker: nowhere, log: () => {} }).enrolled);
  t.false(openDevice({ dir, genesis: b.genesis, crypto, broker: nowhere, log: () => {} }).enrolled, 'not enrolled on another chain');
});

test('a fleet folder is bound to its chain; device folders are numbered; the count is bounded', (t) => {
  const root = tempDir(t);
  const a = chainIn(join(root, 'a'), 'chain-a');
  const b = chainIn(join(root, 'b'), 'chain-b');
  const dir = join(root, 'fleet');
  const fleet = openFleet({ dir, count: 3, genesis: a.genesis, broker: nowhere, crypto, log: () => () => {} });
  t.is(bytesToHex(fleet.chainId), bytesToHex(chainIdOf(crypto, a.genesis)));
  t.deepEqual(readdirSync(dir).sort(), ['chain', deviceFolder(1), deviceFolder(2), deviceFolder(3)]);
  t.is(new Set(fleet.devices.map((d) => d.idHex)).size, 3, 'distinct keys');
  const again = openFleet({ dir, count: 4, genesis: a.genesis, broker: nowhere, crypto, log: () => () => {} });
  t.deepEqual(again.devices.slice(0, 3).map((d) => d.idHex), fleet.devices.map((d) => d.idHex), 'a bigger fleet keeps the first devices');
  const error = t.throws(() => openFleet({ dir, count: 1, genesis: b.genesis, broker: nowhere, crypto }), { instanceOf: FleetDirError });
  t.regex(error!.message, /belongs to chain [0-9a-f]{16}/);
  t.false(existsSync(join(dir, deviceFolder(5))));
  for (const count of [0, 10_001, 1.5]) t.throws(() => openFleet({ dir, count, genesis: a.genesis, broker: nowhere, crypto }), { instanceOf: RangeError });
  const totals = again.totals();
  t.is(totals.devices, 4);
  t.deepEqual(totals.states, { offline: 4 });
  t.is(totals.outbox, 0);
  t.is(totals.counters.signed, 0);
});

test('a corrupt stored key is an error, never silently replaced by a new identity', (t) => {
  const root = tempDir(t);
  const { genesis } = chainIn(join(root, 'chain'));
  const dir = join(root, 'device');
  mkdirSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'state', 'bp.key'), new Uint8Array(7));
  t.throws(() => openDevice({ dir, genesis, crypto, broker: nowhere, log: () => {} }), { message: /corrupt/ });
});

test('sensors off seal a batch still filling; a fleet\'s drain waits for it (and for the outbox, here in vain: no gateway)', async (t) => {
  const root = tempDir(t);
  const { genesis } = chainIn(join(root, 'chain'));
  const device = openDevice({ dir: join(root, 'device'), genesis, crypto, broker: nowhere, log: () => {}, peer: { batchSize: 3, samplingIntervalMs: 1000 } });
  device.peer.sampleNow();
  device.peer.sampleNow();
  t.is(device.status().counters.sampled, 6);
  t.is(device.status().counters.signed, 0, 'a batch of 3 rounds is not full after 2');
  const signed: number[] = [];
  device.onEvent((e) => void (e.type === 'signed' && signed.push(e.readings)));
  device.setSampling(false);
  device.peer.sampleNow();
  t.deepEqual(signed, [6], 'the next round, finding the sensors off, seals the 2 rounds taken');

  const fleet = openFleet({ dir: join(root, 'fleet'), count: 2, genesis, broker: nowhere, crypto, durable: false, log: () => () => {}, peer: { batchSize: 3, samplingIntervalMs: 1000 }, mqtt: { backoff: { minMs: 50, maxMs: 200 } } });
  t.teardown(() => fleet.stop());
  for (const d of fleet.devices) d.peer.sampleNow();
  t.is(fleet.totals().unsigned, 6, 'one round of three channels on each device, not signed yet');
  fleet.start();
  t.false(await fleet.drain(4000), 'the outboxes cannot empty without a gateway');
  t.is(fleet.totals().unsigned, 0, 'but the unfinished batches were signed');
  t.is(fleet.totals().outbox, 2, 'and are kept in the outboxes');
  fleet.stop();
});
