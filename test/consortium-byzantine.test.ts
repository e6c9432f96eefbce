// A Byzantine member on a real NATS JetStream cluster: it signs a header of its own making
// (other transactions, another state root) and publishes it, with its own signature and
// forged ones of two honest members, as votes and as the newest light block on the MQTT
// listener where a light peer listens. No honest member counts it, the peer refuses it, and
// the honest members' chain goes on with the peer's readings becoming final.

import test from 'ava';
import mqtt from 'mqtt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Header, TxKind, bytesToHex, chainTopics, enrollBody, decodeLightBlock, encodeLightBlock, equalBytes, headerHash, signCommit,
} from '../src/index.js';
import { encodeVote, signVote } from '../src/chain/vote.js';
import { openDevice } from '../hosts/desktop/device.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { brokerAddress } from '../tools/cli/fleet-run.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { chainSubjects, connectNats, jetstream, publishToStream } from '../tools/gateway/consortium/ordering.js';
import { connectNatsOrdering } from '../tools/gateway/consortium/nats-ordering.js';
import { NATS_INSTALL_HINT, findNatsServer, startNatsCluster } from '../tools/nats/nats-cluster.js';
import { waitUntil } from './support/desktop-fleet.js';
import { crypto } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';

const TIMING = { intervalMs: 100, heartbeatMs: 60_000, takeoverMs: 500, maxBlockTxs: 256 };

test('a Byzantine member’s header, with its own and forged signatures, is refused by every honest member and by a device', async (t) => {
  if (findNatsServer() === undefined) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  const root = mkdtempSync(join(tmpdir(), 'botpeer-byzantine-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const cluster = await startNatsCluster({ nodes: 3, dir: join(root, 'nats') });
  t.teardown(() => cluster.close());
  const files = initConsortium(crypto, { dir: join(root, 'chain'), name: 'byzantine', members: 4, threshold: 3 });
  const listener = cluster.mqttUrls[1]!;
  // Members 0–2 are honest; member 3's key is the Byzantine member's, which this test plays.
  const honest: Member[] = [];
  for (const i of [0, 1, 2]) {
    const member = await startMember({
      dataDir: files.members[i]!.dir, mqttPort: 0, timing: TIMING, verifyWorkers: 1, listenerUrl: listener,
      ordering: (chainHex, name) => connectNatsOrdering({ urls: cluster.urls, chainHex, name }),
    });
    t.teardown(() => member.close());
    honest.push(member);
  }
  const { chainId, genesis } = files.members[0]!;
  const byzantine = files.members[3]!.gatewayKey;
  const set = genesis.validators;
  const indexOf = (key: Uint8Array) => set.keys.findIndex((k) => equalBytes(k, key));
  const evil = indexOf(byzantine.publicKey);
  const forgedFor = [0, 1, 2, 3].filter((i) => i !== evil).slice(0, 2);

  // A light peer on the NATS MQTT listener, enrolled by member 0.
  const device = openDevice({
    dir: join(root, 'device'), genesis, crypto: createNativeCrypto(), broker: brokerAddress(listener), log: () => {},
    peer: { samplingIntervalMs: 200, batchSize: 1, recheckIntervalMs: 500, proofTimeoutMs: 3000, retryMaxMs: 2000 },
  });
  t.teardown(() => device.stop());
  const operator = await connectDevice(honest[0]!.mqttUrl, crypto, chainId, files.members[0]!.gatewayKey);
  await operator.send({ kind: TxKind.ENROLL, sender: operator.id, seq: 1, time: Math.floor(Date.now() / 1000), body: enrollBody(device.publicKey) });
  await operator.waitFor(() => operator.acks.size === 1, 'the enrolment is final', 30_000);
  await operator.close();
  let finals = 0;
  device.onEvent((e) => void (e.type === 'final' && finals++));
  device.start();
  await waitUntil(() => finals >= 2 && device.status().trustedHeight >= 2, 'the device trusts the honest chain', 60_000);

  // The forgery: a height the honest chain is about to reach (so the votes arrive before its block), another block.
  const latest = decodeLightBlock(honest[0]!.store.block(honest[0]!.height)!.lightBlock).header;
  const fake: Header = Object.freeze({
    ...latest,
    height: latest.height + 20,
    time: Date.now(),
    prevHash: crypto.sha256(new TextEncoder().encode('a block nobody made')),
    txRoot: crypto.sha256(new TextEncoder().encode('transactions nobody sent')),
    txCount: 7,
    stateRoot: crypto.sha256(new TextEncoder().encode('a state nobody computed')),
  });
  const fakeHash = headerHash(crypto, fake);
  const own = signCommit(crypto, fake.height, fakeHash, [{ index: evil, privateKey: byzantine.privateKey }]).signatures[0]!;
  const forged = forgedFor.map((index) => ({ index, signature: new Uint8Array(64).fill(index + 1) }));
  const signatures = [own, ...forged].sort((a, b) => a.index - b.index);
  const lightBlock = encodeLightBlock({ header: fake, commit: { height: fake.height, headerHash: fakeHash, signatures } });

  // Into the vote stream (as member 3 would) …
  const nc = await connectNats(cluster.urls, 'byzantine');
  t.teardown(() => nc.close());
  const js = jetstream(nc);
  const subjects = chainSubjects(bytesToHex(chainId));
  await publishToStream(js, subjects.vote, encodeVote(signVote(crypto, fake.height, fakeHash, evil, byzantine.privateKey)));
  for (const { index, signature } of forged) await publishToStream(js, subjects.vote, encodeVote({ height: fake.height, headerHash: fakeHash, validatorIndex: index, signature }));
  // … and as the newest light block where the device listens.
  const rejectedBefore = device.status().counters.headersRejected;
  const liar = await mqtt.connectAsync(listener, { clientId: 'byzantine-member' });
  t.teardown(() => liar.endAsync());
  await liar.publishAsync(chainTopics(chainId).header, Buffer.from(lightBlock), { qos: 1, retain: true });
  await waitUntil(() => device.status().counters.headersRejected > rejectedBefore, 'the device refuses the forged light block', 30_000);

  // The honest chain goes on past that height, and the device follows it.
  const target = fake.height + 2;
  await waitUntil(() => honest.every((m) => m.height >= target), 'the honest members go on', 60_000);
  const finalsThen = finals;
  await waitUntil(() => finals >= finalsThen + 2, 'the device’s readings become final on the honest chain', 60_000);
  for (const m of honest) {
    const stored = m.store.block(fake.height)!;
    t.false(equalBytes(stored.hash, fakeHash), `${m.name} stored the honest block ${fake.height}`);
    t.true(m.votes.disagreements.some((d) => d.index === evil && d.headerHash === bytesToHex(fakeHash)), `${m.name} kept the evidence`);
    const commit = decodeLightBlock(stored.lightBlock).commit;
    t.false(commit.signatures.some((s) => forgedFor.includes(s.index) && forged.some((f) => equalBytes(f.signature, s.signature))));
  }
  t.true(device.status().trustedHeight >= fake.height, 'the device trusts an honest header at or past that height');
});
