// The gateway end to end over real MQTT: mqtt.js clients play devices, the
// embedded broker (aedes) or a real Mosquitto carries the messages. Every
// reading gets its ack, lands in a block, and its proof verifies with the
// core's light client against a header the "device" verified itself.

import test from 'ava';
import {
  type LightBlock, type TrustedState, applyHeader, decodeLightBlock, errorName, makeTrustOptions, trustFromGenesis, txId, verifyHeader,
  verifyTxInclusion,
} from '../src/index.js';
import type { ChainFiles } from '../tools/gateway/data-dir.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { connectAll, crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { mosquittoAvailable, startMosquitto } from './support/mosquitto.js';
import type { MqttDevice } from './support/mqtt-device.js';

const DEVICES = 5;
const READINGS_EACH = 6;

/** What a light peer does with what it received: verify headers in order, then each proof against its header. */
function finalOnDevice(chain: ChainFiles, device: MqttDevice, gateway: Gateway): number {
  const options = makeTrustOptions();
  let trusted: TrustedState = trustFromGenesis(crypto, chain.genesis);
  const verified = new Map<number, LightBlock>();
  for (const block of [...device.headers].sort((a, b) => a.header.height - b.header.height)) {
    if (block.header.height <= trusted.height) continue;
    const r = verifyHeader(crypto, trusted, block, Date.now(), options);
    if (!r.ok) throw new Error(`header ${block.header.height} refused: ${errorName(r.code)}`);
    trusted = applyHeader(trusted, r.value);
    verified.set(block.header.height, block);
  }
  let final = 0;
  for (const [seq, message] of device.proofs) {
    // Headers the device skipped (it saw only the newest retained one) are fetched by height here.
    const block = verified.get(message.height) ?? fetchVerified(gateway, trusted, message.height);
    if (verifyTxInclusion(crypto, block.header, txId(crypto, device.sent.get(seq)!), message.proof).ok) final++;
  }
  return final;
}

function fetchVerified(gateway: Gateway, trusted: TrustedState, height: number): LightBlock {
  // The adjacent-chain walk a device does with HEADER_RANGE: verify forward from genesis to `height`.
  let state = trustFromGenesis(crypto, gateway.chain.genesis);
  for (let h = 1; h <= height; h++) {
    const block = decodeLightBlock(gateway.store.block(h)!.lightBlock);
    const r = verifyHeader(crypto, state, block, Date.now(), makeTrustOptions());
    if (!r.ok) throw new Error(`stored header ${h} refused: ${errorName(r.code)}`);
    state = applyHeader(state, r.value);
    if (h === height) return block;
  }
  throw new Error(`no header ${height} (trusted ${trusted.height})`);
}

async function runFleet(t: import('ava').ExecutionContext, gateway: Gateway, chain: ChainFiles, url: string): Promise<void> {
  const keys = Array.from({ length: DEVICES }, newDeviceKey);
  await enroll(url, chain, keys);
  const devices = await connectAll(url, chain, keys);
  t.teardown(() => Promise.all(devices.map((d) => d.close())));
  for (let seq = 1; seq <= READINGS_EACH; seq++) {
    await Promise.all(devices.map((d, i) => d.sendReadings(seq, [2000 + i * 10 + seq, 2001 + i])));
  }
  for (const d of devices) {
    await d.waitFor(() => d.acks.size === READINGS_EACH && d.proofs.size === READINGS_EACH, 'acks and proofs');
    t.deepEqual([...d.acks.values()].map((a) => errorName(a.code)), Array(READINGS_EACH).fill('OK'));
  }
  const last = Math.max(...devices.flatMap((d) => [...d.proofs.values()].map((p) => p.height)));
  await devices[0]!.waitFor(() => devices.every((d) => d.headers.some((h) => h.header.height >= last)), 'newest header');
  for (const d of devices) t.is(finalOnDevice(chain, d, gateway), READINGS_EACH, 'every reading final on its device');
  t.is(gateway.store.txCount(), DEVICES + DEVICES * READINGS_EACH, 'enrolments and readings, each exactly once');
}

test('a fleet over the embedded broker: ack, block, proof verified by the light client', async (t) => {
  const { dir, chain, remove } = makeChainDir();
  const gateway = await startTestGateway(dir);
  t.teardown(async () => {
    await gateway.close();
    remove();
  });
  await runFleet(t, gateway, chain, gateway.mqttUrl);
});

// Without Mosquitto this is skipped here; CI installs it, and test/brokers.test.ts fails there if it is missing.
(mosquittoAvailable() ? test : test.skip)('a fleet over Mosquitto', async (t) => {
  const broker = await startMosquitto();
  const { dir, chain, remove } = makeChainDir();
  const gateway = await startTestGateway(dir, { brokerUrl: broker.url });
  t.teardown(async () => {
    await gateway.close();
    await broker.stop();
    remove();
  });
  t.false(gateway.mqttUrl.includes(':0'), 'connected to the external broker');
  await runFleet(t, gateway, chain, broker.url);
});
