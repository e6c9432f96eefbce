// Request/response over MQTT, as a device uses it: header ranges verified with
// the light client from genesis, the validator set by hash, a proof by sequence
// number, registry state, and the operator-signed checkpoint for re-anchoring.

import test from 'ava';
import {
  DeviceTopic, Method, encodeCbor, type Request, type Response, applyHeader, bytesToHex, chainTopics, decodeCbor, decodeCheckpoint,
  decodeLightBlock, decodeProofMessage, decodeResponse, decodeValidatorSet, encodeRequest, errorName, makeTrustOptions, SMALL_LIMITS,
  trustFromGenesis, txId, validatorSetHash, verifyCheckpoint, verifyHeader, verifyTxInclusion,
} from '../src/index.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { connectAll, crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import type { MqttDevice } from './support/mqtt-device.js';

const { dir, chain, remove } = makeChainDir('queries');
const topics = chainTopics(chain.chainId);
let gateway: Gateway;
let device: MqttDevice;
const responses = new Map<number, Response>();
let nextId = 1;

test.before(async () => {
  gateway = await startTestGateway(dir);
  const key = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [key]);
  [device] = await connectAll(gateway.mqttUrl, chain, [key]);
  device!.client.on('message', (topic, payload) => {
    if (topic === topics.device(device.id, DeviceTopic.RESPONSE)) {
      const response = decodeResponse(new Uint8Array(payload));
      responses.set(response.id, response);
    }
  });
  await device!.client.subscribeAsync(topics.device(device!.id, DeviceTopic.RESPONSE), { qos: 1 });
  for (let seq = 1; seq <= 3; seq++) await device!.sendReadings(seq, [2100 + seq]);
  await device!.waitFor(() => device.proofs.size === 3, 'proofs');
});

test.after.always(async () => {
  await device?.close();
  await gateway?.close();
  remove();
});

async function ask(method: Request['method'], params: Request['params']): Promise<Response> {
  const id = nextId++;
  await device.client.publishAsync(topics.device(device.id, DeviceTopic.REQUEST), Buffer.from(encodeRequest({ id, method, params })), { qos: 1 });
  await device.waitFor(() => responses.has(id), `response ${id}`);
  return responses.get(id)!;
}

test.serial('HEADER_RANGE: every header from genesis verifies with the light client', async (t) => {
  const latest = gateway.store.latestBlock()!.height;
  const r = await ask(Method.HEADER_RANGE, [1, latest]);
  t.is(errorName(r.code), 'OK');
  t.is(r.payloads.length, Math.min(latest, 8));
  let trusted = trustFromGenesis(crypto, chain.genesis);
  for (const payload of r.payloads) {
    const verdict = verifyHeader(crypto, trusted, decodeLightBlock(payload), Date.now(), makeTrustOptions());
    if (!verdict.ok) return t.fail(`header refused: ${verdict.reason}`);
    trusted = applyHeader(trusted, verdict.value);
  }
  t.is(trusted.height, r.payloads.length);
});

test.serial('VALIDATORS by hash', async (t) => {
  const r = await ask(Method.VALIDATORS, [validatorSetHash(crypto, chain.genesis.validators)]);
  t.is(bytesToHex(validatorSetHash(crypto, decodeValidatorSet(r.payloads[0]!))), bytesToHex(validatorSetHash(crypto, chain.genesis.validators)));
  t.is(errorName((await ask(Method.VALIDATORS, [new Uint8Array(32)])).code), 'NOT_FOUND', 'no set with that hash');
});

test.serial('PROOF by sequence number checks against its verified header', async (t) => {
  const r = await ask(Method.PROOF, [2]);
  const message = decodeProofMessage(r.payloads[0]!);
  const header = decodeLightBlock(gateway.store.block(message.height)!.lightBlock).header;
  t.deepEqual(message.proofs.map((p) => p.seq), [2], 'one proof: the one asked for');
  t.true(verifyTxInclusion(crypto, header, txId(crypto, device.sent.get(2)!), message.proofs[0]!.proof).ok);
  t.is(errorName((await ask(Method.PROOF, [99])).code), 'NOT_FOUND', 'never accepted');
});

test.serial('STATE of the registry and the blocklist', async (t) => {
  const r = await ask(Method.STATE, [0, device.id]);
  const [id, , , status, lastSeq] = decodeCbor(r.payloads[0]!, SMALL_LIMITS) as [Uint8Array, Uint8Array, number, number, number];
  t.is(bytesToHex(id), bytesToHex(device.id));
  t.is(status, 0);
  t.is(lastSeq, 3);
  t.deepEqual((await ask(Method.STATE, [1, device.id])).payloads, [], 'not blocked');
  t.is(errorName((await ask(Method.STATE, [7, device.id])).code), 'BAD_REQUEST');
});

test.serial('CHECKPOINT re-anchors a device whose trust expired', async (t) => {
  const r = await ask(Method.CHECKPOINT, []);
  t.is(errorName(r.code), 'OK');
  const anchored = verifyCheckpoint(crypto, { chainId: chain.chainId, operatorKey: chain.genesis.operatorKey }, undefined, decodeCheckpoint(r.payloads[0]!), Date.now(), makeTrustOptions());
  t.true(anchored.ok);
});

test.serial('malformed parameters get BAD_SHAPE, not silence', async (t) => {
  const r = await ask(Method.HEADER_RANGE, [new Uint8Array(1), 2]);
  t.is(errorName(r.code), 'BAD_SHAPE');
});

/** Publishes raw request bytes and waits for the response with `id` (one at a time: several answer with id 0). */
async function askRaw(bytes: Uint8Array, id: number): Promise<Response> {
  responses.delete(id);
  await device.client.publishAsync(topics.device(device.id, DeviceTopic.REQUEST), Buffer.from(bytes), { qos: 1 });
  await device.waitFor(() => responses.has(id), `response ${id}`);
  return responses.get(id)!;
}

test.serial('every request gets the response §9.4 says, malformed ones included', async (t) => {
  const latest = gateway.store.latestBlock()!.height;
  const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const req = (id: number, method: number, params: Request['params']) => encodeCbor([id, method, params]);
  const cases: [what: string, bytes: Uint8Array, id: number, code: string, payloads?: number][] = [
    ['empty payload', new Uint8Array(0), 0, 'MALFORMED_CBOR'],
    ['a text string', hex('6161'), 0, 'UNSUPPORTED_TYPE'],
    ['not an array of 3', encodeCbor([1, 5]), 0, 'BAD_SHAPE'],
    ['request id 2^32: cannot be echoed', req(2 ** 32, Method.CHECKPOINT, []), 0, 'BAD_REQUEST'],
    ['request id a byte string', encodeCbor([new Uint8Array(1), Method.CHECKPOINT, []]), 0, 'BAD_REQUEST'],
    ['request id 2^32 − 1 is echoed', req(2 ** 32 - 1, Method.CHECKPOINT, []), 2 ** 32 - 1, 'OK', 1],
    ['unknown method', req(9001, 99, []), 9001, 'BAD_REQUEST'],
    ['method 0', req(9002, 0, []), 9002, 'BAD_REQUEST'],
    ['params not an array', encodeCbor([9003, Method.CHECKPOINT, 0]), 9003, 'BAD_SHAPE'],
    ['CHECKPOINT [1]: params must be []', req(9004, Method.CHECKPOINT, [1]), 9004, 'BAD_SHAPE'],
    ['HEADER_RANGE [1]', req(9005, Method.HEADER_RANGE, [1]), 9005, 'BAD_SHAPE'],
    ['HEADER_RANGE reversed', req(9006, Method.HEADER_RANGE, [3, 2]), 9006, 'OK', 0],
    ['HEADER_RANGE above the newest block', req(9007, Method.HEADER_RANGE, [latest + 1, latest + 5]), 9007, 'OK', 0],
    ['HEADER_RANGE [0, 0]: the genesis has no light block', req(9008, Method.HEADER_RANGE, [0, 0]), 9008, 'OK', 0],
    ['HEADER_RANGE [0, 1] starts at 1', req(9009, Method.HEADER_RANGE, [0, 1]), 9009, 'OK', 1],
    ['VALIDATORS of a 31-byte hash', req(9010, Method.VALIDATORS, [new Uint8Array(31)]), 9010, 'BAD_SHAPE'],
    ['PROOF with a negative seq', req(9011, Method.PROOF, [-1]), 9011, 'BAD_SHAPE'],
    ['PROOF [1, 2]', req(9012, Method.PROOF, [1, 2]), 9012, 'BAD_SHAPE'],
    ['STATE of an unknown contract', req(9013, Method.STATE, [7, device.id]), 9013, 'BAD_REQUEST'],
    ['STATE with a 7-byte id', req(9014, Method.STATE, [0, new Uint8Array(7)]), 9014, 'BAD_SHAPE'],
    ['STATE [0]', req(9015, Method.STATE, [0]), 9015, 'BAD_SHAPE'],
    ['STATE of an id not enrolled', req(9016, Method.STATE, [0, new Uint8Array(8)]), 9016, 'OK', 0],
  ];
  for (const [what, bytes, id, code, payloads] of cases) {
    const r = await askRaw(bytes, id);
    t.is(errorName(r.code), code, what);
    if (payloads !== undefined) t.is(r.payloads.length, payloads, `${what}: payloads`);
  }
});

test.serial('PROOF of a transaction accepted but not yet in a block: OK with no payload', async (t) => {
  gateway.producer.stop(); // hold blocks back
  try {
    await device.sendReadings(4, [2104]);
    // No ack for an accepted transaction (§9.2): wait until the gateway holds it.
    await device.waitFor(() => gateway.producer.pendingCount > 0, 'seq 4 accepted');
    const pending = await ask(Method.PROOF, [4]);
    t.is(errorName(pending.code), 'OK');
    t.deepEqual(pending.payloads, [], 'pending: no proof yet');
    t.is(errorName((await ask(Method.PROOF, [5])).code), 'NOT_FOUND', 'seq 5 was never sent');
  } finally {
    gateway.producer.start();
  }
  await device.waitFor(() => device.proofs.has(4), 'proof 4');
  const r = await ask(Method.PROOF, [4]);
  t.is(r.payloads.length, 1, 'in a block now: the proof');
  t.deepEqual(decodeProofMessage(r.payloads[0]!).proofs.map((p) => p.seq), [4]);
});
