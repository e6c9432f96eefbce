// Desktop devices through restarts (test layer), against a real gateway:
//   - the gateway stopped for a while and started again on the same data folder and
//     port: the devices keep sampling into their outboxes, then everything arrives once
//     and becomes final;
//   - a device's peer stopped mid-flight and a new one made over the same folder: no
//     sequence number reused, the outbox resumes;
//   - the same with the device's process killed -9 (a child process), twice.
// Every check ends against the gateway's ledger: per device, seqs strictly increasing,
// none twice, each signed one there and final once.

import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDevice } from '../hosts/desktop/device.js';
import { openFleet } from '../hosts/desktop/fleet.js';
import { createFileOutbox } from '../hosts/desktop/outbox-file-node.js';
import { enrolledBy, enrollKeys } from '../tools/cli/fleet-enroll.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import type { ChainFiles } from '../tools/gateway/data-dir.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { EventLog, checkExactlyOnce, ledgerTxs, sleep, tempDir, waitUntil } from './support/desktop-fleet.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { freePort } from './support/mosquitto.js';

const crypto = createNativeCrypto();
const MANUAL = 3_600_000;
/** The devices' own logs stay out of the test output (their events are what is checked). */
const quiet = () => () => {};
const CHILD = fileURLToPath(new URL('./support/desktop-device-child.ts', import.meta.url));
const fastRetry = { backoff: { minMs: 50, maxMs: 500 } };

async function enroll(gateway: Gateway, chain: ChainFiles, publicKeys: Uint8Array[], firstSeq = 1): Promise<void> {
  const codes = await enrollKeys({ crypto, chainId: chain.chainId, operator: chain.operatorKey!, brokerUrl: gateway.mqttUrl, firstSeq, timeoutMs: 10_000 }, publicKeys);
  if (!codes.every(enrolledBy)) throw new Error(`enrolment failed: ${codes.join(',')}`);
}

test('gateway stopped and restarted on the same folder and port: devices buffer, then everything arrives once and is final', async (t) => {
  const { dir, chain, remove } = makeChainDir('fleet-gw-restart');
  t.teardown(remove);
  const port = await freePort();
  let gateway = await startTestGateway(dir, { mqttPort: port });
  let closed = false;
  t.teardown(async () => {
    if (!closed) await gateway.close();
  });
  const fleet = openFleet({
    dir: join(tempDir(t), 'fleet'), count: 3, genesis: chain.genesis, broker: { host: '127.0.0.1', port }, crypto, durable: false,
    peer: { samplingIntervalMs: MANUAL, proofTimeoutMs: 1000 }, mqtt: fastRetry, stagger: false, log: quiet,
  });
  t.teardown(() => fleet.stop());
  await enroll(gateway, chain, fleet.devices.map((d) => d.publicKey));
  const events = new EventLog();
  for (const device of fleet.devices) events.attach(device);
  fleet.start();
  await waitUntil(() => fleet.devices.every((d) => d.status().state === 'online'), 'devices online');
  for (let i = 0; i < 5; i++) for (const d of fleet.devices) d.peer.sampleNow();
  await waitUntil(() => fleet.totals().outbox === 0 && events.count('final') === events.count('signed'), 'first readings final');
  const heightBefore = gateway.producer.height;

  await gateway.close();
  closed = true;
  await waitUntil(() => fleet.devices.every((d) => d.status().state === 'offline'), 'devices see the gateway gone');
  for (let i = 0; i < 10; i++) {
    for (const d of fleet.devices) d.peer.sampleNow();
    await sleep(50);
  }
  // Each round's batch reaches the outbox through the file store: wait for it, not for a time.
  await waitUntil(() => fleet.totals().outbox >= 30, 'the rounds signed while the gateway was down in the outboxes');
  const buffered = fleet.totals().outbox;
  t.true(buffered >= 30, `the devices kept what they signed while the gateway was down (${buffered} in the outboxes)`);
  t.is(events.count('final'), 15, 'nothing became final without a gateway');

  gateway = await startTestGateway(dir, { mqttPort: port });
  closed = false;
  t.is(gateway.producer.height, heightBefore, 'the gateway came back at the height it stopped');
  await waitUntil(() => fleet.totals().outbox === 0 && events.count('final') === events.count('signed'), 'the outboxes drained after the restart', 30_000);
  fleet.stop();
  const { txs } = checkExactlyOnce(t, gateway.store, fleet.devices, events);
  t.is(txs, events.count('signed'));
  t.true(gateway.producer.height > heightBefore);
});

test('a device\'s peer stopped mid-flight and a new one over the same folder: no seq reused, the outbox resumes', async (t) => {
  const { dir, chain, remove } = makeChainDir('device-restart');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const url = new URL(gateway.mqttUrl);
  const deviceDir = join(tempDir(t), 'device');
  const open = (samplingIntervalMs: number) => openDevice({
    dir: deviceDir, genesis: chain.genesis, crypto, broker: { host: url.hostname, port: Number(url.port) },
    peer: { samplingIntervalMs, proofTimeoutMs: 1000 }, mqtt: fastRetry, log: () => {},
  });
  const events = new EventLog();
  const first = open(40);
  await enroll(gateway, chain, [first.publicKey]);
  events.attach(first);
  first.start();
  await waitUntil(() => events.of(first.idHex, 'final').length >= 10, 'ten finals');
  first.stop();
  const firstSigned = events.of(first.idHex, 'signed').map((e) => e.seq);
  const pending = first.status().outbox;

  const second = open(MANUAL);
  t.is(second.idHex, first.idHex, 'the same key from the folder');
  t.is(second.status().outbox, pending, 'the outbox came back from disk');
  const mark = events.of(first.idHex, 'signed').length;
  events.attach(second);
  second.start();
  for (let i = 0; i < 3; i++) second.peer.sampleNow();
  await waitUntil(() => second.status().outbox === 0 && events.count('final') === events.count('signed'), 'everything final');
  second.stop();
  const secondSigned = events.of(first.idHex, 'signed').slice(mark).map((e) => e.seq);
  t.true(secondSigned.length >= 3);
  t.true(secondSigned.every((seq) => seq > Math.max(...firstSigned)), `new seqs ${secondSigned.join(',')} all above the old ones (max ${Math.max(...firstSigned)})`);
  checkExactlyOnce(t, gateway.store, [second], events);
});

// ---- kill -9 -------------------------------------------------------------------------------

interface ChildDevice {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<void>;
}

function startChildDevice(config: Record<string, unknown>): ChildDevice {
  const child = spawn(process.execPath, ['--import=tsx', CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const part of parts) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') lines.push({ event: 'crash', code, stderr });
    resolve();
  }));
  return { child, lines, exited };
}

const peerEvents = (run: ChildDevice, type: string) => run.lines.filter((l) => l.event === 'peer' && l.type === type);

test('a device process killed -9 mid-flight, twice: restarted over its folder, no seq reused, the outbox resumes, nothing lost', async (t) => {
  const { dir, chain, remove } = makeChainDir('device-kill');
  t.teardown(remove);
  const gateway = await startTestGateway(dir);
  t.teardown(() => gateway.close());
  const url = new URL(gateway.mqttUrl);
  const deviceDir = join(tempDir(t), 'device');
  const config = { dir: deviceDir, dataDir: dir, host: url.hostname, port: Number(url.port), intervalMs: 30 };

  // Make the key and enrol it before the first run (the child prints its id at start).
  const keyed = openDevice({ dir: deviceDir, genesis: chain.genesis, crypto, broker: { host: url.hostname, port: Number(url.port) }, log: () => {} });
  await enroll(gateway, chain, [keyed.publicKey]);
  keyed.markEnrolled();
  const id = keyed.id;

  const signedByRun: number[][] = [];
  const inOutboxAtKill: number[][] = [];
  const superseded = new Set<number>();
  for (let run = 0; run < 3; run++) {
    const child = startChildDevice(config);
    t.teardown(() => void child.child.kill('SIGKILL'));
    await waitUntil(() => peerEvents(child, 'final').length >= 8 || child.lines.some((l) => l.event === 'crash'), `run ${run}: finals`, 30_000);
    t.falsy(child.lines.find((l) => l.event === 'crash'), `run ${run} did not crash`);
    if (run < 2) {
      // Let it sign a few more so that some are in flight, then kill it at a random moment.
      await sleep(20 + Math.random() * 60);
      child.child.kill('SIGKILL');
    } else {
      child.child.kill('SIGTERM');
    }
    await child.exited;
    // A batch re-signed under a fresh seq (REPLAY then NOT_FOUND, e.g. after a rate-limited send) counts as signed too.
    for (const e of peerEvents(child, 'reissued')) superseded.add(e.seq as number);
    // A kill between the outbox write and the event line leaves a signed seq that only the outbox shows.
    const outboxAfter = [...createFileOutbox(join(deviceDir, 'outbox'), { capacity: 4096, durable: false }).entries()].map(([seq]) => seq);
    const logged = [...peerEvents(child, 'signed').map((e) => e.seq as number), ...peerEvents(child, 'reissued').map((e) => e.newSeq as number)];
    const earlier = new Set(signedByRun.flat());
    signedByRun.push([...new Set([...logged, ...outboxAfter.filter((seq) => !earlier.has(seq))])]);
    inOutboxAtKill.push(outboxAfter);
  }
  t.log(`signed per run: ${signedByRun.map((s) => s.length).join(', ')}; in the outbox after each stop: ${inOutboxAtKill.map((s) => s.length).join(', ')}`);

  // No reuse: each run signs only above everything an earlier run signed.
  for (let run = 1; run < signedByRun.length; run++) {
    const before = Math.max(...signedByRun.slice(0, run).flat());
    t.true(signedByRun[run]!.every((seq) => seq > before), `run ${run} signs above ${before}`);
  }
  // Nothing lost: what runs 0 and 1 signed (and what they left in the outbox) is in the ledger,
  // since each following run resumed the outbox. What the last run left is still in its outbox.
  await waitUntil(() => {
    const seqs = new Set(ledgerTxs(gateway.store, id).map((tx) => tx.seq));
    return [...signedByRun[0]!, ...signedByRun[1]!].every((seq) => seqs.has(seq) || superseded.has(seq));
  }, 'every transaction of the killed runs in the ledger', 30_000).catch(() => {});
  const ledger = ledgerTxs(gateway.store, id).map((tx) => tx.seq);
  const inLedger = new Set(ledger);
  for (const seq of [...signedByRun[0]!, ...signedByRun[1]!, ...inOutboxAtKill[0]!, ...inOutboxAtKill[1]!]) {
    if (superseded.has(seq)) continue;
    t.true(inLedger.has(seq), `seq ${seq}, signed before a kill, reached the ledger`);
  }
  t.true(ledger.every((seq, i) => i === 0 || seq > ledger[i - 1]!), 'seqs strictly increase in the ledger, none twice');
  const allSigned = signedByRun.flat();
  t.true(ledger.every((seq) => allSigned.includes(seq)), 'the ledger holds nothing the device did not sign');
  for (const seq of allSigned) {
    if (superseded.has(seq)) continue; // its readings went out again under the new seq, checked above
    t.true(inLedger.has(seq) || inOutboxAtKill[2]!.includes(seq), `seq ${seq} is in the ledger or still in the outbox`);
  }
});
