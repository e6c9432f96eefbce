// A public chain end to end over the real solo gateway (aedes, SQLite, verify workers): a
// desktop light peer that nobody enrolled connects with the self-enrolling CONNECT token, sends
// its self-ENROLL first and its readings become final; a device over the per-block quota gets
// QUOTA_EXCEEDED acks, and the next block accepts it again.

import test from 'ava';
import { join } from 'node:path';
import { AccountRole, ErrorCode, Permission, bytesToHex, errorName } from '../src/index.js';
import type { PeerEvent } from '../src/peer/index.js';
import { openDevice } from '../hosts/desktop/device.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { initChain } from '../tools/gateway/data-dir.js';
import { brokerAddress } from '../tools/cli/fleet-run.js';
import { crypto as nobleCrypto, enroll, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';
import { tempDir, waitUntil } from './support/desktop-fleet.js';

const crypto = createNativeCrypto();
const limits = { powBits: 10, maxTxsPerBlockPerDevice: 4, maxSelfEnrolPerBlock: 8 };

function publicChain(dir: string) {
  return initChain(crypto, { dir, name: 'public-e2e', permission: Permission.PUBLIC, publicLimits: limits, otherValidators: [] });
}

test('a desktop peer enrols itself on a public chain and its readings become final', async (t) => {
  const root = tempDir(t);
  const chain = publicChain(join(root, 'chain'));
  const gateway = await startTestGateway(chain.dir);
  t.teardown(() => gateway.close());
  const device = openDevice({
    dir: join(root, 'device'), genesis: chain.genesis, crypto, broker: brokerAddress(gateway.mqttUrl), log: () => {},
    peer: { samplingIntervalMs: 200, recheckIntervalMs: 500 },
  });
  t.deepEqual(device.config.selfEnroll, { powBits: limits.powBits }, 'the peer config follows the public genesis');
  const events: PeerEvent[] = [];
  device.onEvent((e) => events.push(e));
  const finals = () => events.filter((e) => e.type === 'final').length;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${finals()} final; events ${JSON.stringify(events.slice(-5))}`)), 20_000);
    device.onEvent(() => {
      if (finals() >= 4) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  device.start();
  t.teardown(() => device.stop());
  await done;
  const first = events.find((e) => e.type === 'final' && e.seq === 1);
  t.truthy(first, 'seq 1, the self-enrolment, became final');
  const account = gateway.producer.committedState().account(device.id);
  t.truthy(account, 'the device is an account');
  t.is(account!.role, AccountRole.DEVICE);
  t.true(account!.enrolledAt >= 1);
  t.false(events.some((e) => e.type === 'rejected'), `no rejection: ${JSON.stringify(events.filter((e) => e.type === 'rejected'))}`);
  t.is(device.status().state, 'online');
  t.is(bytesToHex(account!.key), bytesToHex(device.publicKey));
});

test('a device over its per-block quota gets QUOTA_EXCEEDED, and the next block accepts it again', async (t) => {
  const root = tempDir(t);
  const chain = publicChain(join(root, 'chain'));
  // Blocks only when the test cuts one, so every transaction below falls into a known block.
  const gateway = await startTestGateway(chain.dir, { producer: { intervalMs: 600_000, heartbeatMs: 600_000 } });
  t.teardown(() => gateway.close());
  const key = newDeviceKey();
  // The operator still enrols on a public chain; its proof, in the block cut here, is its ack (§9.2).
  const enrolled = enroll(gateway.mqttUrl, chain, [key]);
  await waitUntil(() => gateway.ingest.stats.accepted === 1, 'enrolment admitted');
  gateway.producer.produce(); // the enrolment's block: the device's quota starts empty
  await enrolled;
  const device = await connectDevice(gateway.mqttUrl, nobleCrypto, chain.chainId, key);
  t.teardown(() => device.close());

  const burst = limits.maxTxsPerBlockPerDevice + 2;
  for (let seq = 1; seq <= burst; seq++) await device.sendReadings(seq, [2000 + seq]);
  // The two over the quota are refused at once; the others are acknowledged by their proofs, in the next block.
  await device.waitFor(() => device.acks.size === 2 && gateway.ingest.stats.accepted === 1 + limits.maxTxsPerBlockPerDevice, 'the refusals and the admissions');
  gateway.producer.produce();
  await device.waitFor(() => device.acks.size === burst, 'acks of the burst');
  const codes = [...device.acks.entries()].sort(([a], [b]) => a - b).map(([, ack]) => errorName(ack.code));
  t.deepEqual(codes, [...Array(limits.maxTxsPerBlockPerDevice).fill('OK'), 'QUOTA_EXCEEDED', 'QUOTA_EXCEEDED']);

  device.acks.clear();
  await device.sendReadings(burst, [1]);
  await device.waitFor(() => gateway.ingest.stats.accepted === 2 + limits.maxTxsPerBlockPerDevice, 'admitted after the cut');
  gateway.producer.produce();
  await device.waitFor(() => device.acks.has(burst), 'ack after the cut');
  t.is(device.acks.get(burst)!.code, ErrorCode.OK, 'a new block, a new quota: the refused seq was not spent');
});
