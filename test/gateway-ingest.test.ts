// Bad input at the gateway: each kind gets its typed rejection on the device's
// ack topic and changes nothing (ledger, pool, registry); random payloads and
// raw garbage on the MQTT port never crash ingest. Also the DDoS use case: a
// flooding device is reported into the ledger, refused by the broker, and let
// back in by a later BLOCK_LIFT.

import test from 'ava';
import fc from 'fast-check';
import { connect } from 'node:net';
import {
  ErrorCode, type KeyPair, TxKind, bytesToHex, concatBytes, decodeTx, deviceBody, encodeCbor, encodeTx, errorName, keyId, readingsBody, Quantity, signTx,
} from '../src/index.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { connectAll, crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { type MqttDevice, connectDevice } from './support/mqtt-device.js';

const { dir, chain, remove } = makeChainDir('ingest');
let gateway: Gateway;
let device: MqttDevice;
let deviceKey: KeyPair;
let seq = 0;

test.before(async () => {
  gateway = await startTestGateway(dir, { rateLimits: { perSecond: 20, burst: 20, floodRejections: 40, floodWindowMs: 60_000 } });
  deviceKey = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [deviceKey]);
  [device] = await connectAll(gateway.mqttUrl, chain, [deviceKey]);
  await device!.sendReadings(++seq, [2000]);
  await device!.waitFor(() => device.acks.get(1)?.code === ErrorCode.OK, 'first ack');
});

test.after.always(async () => {
  await device?.close();
  await gateway?.close();
  remove();
});

/** Everything a rejection must leave untouched (a block cut meanwhile moves transactions, it does not add any). */
function snapshot() {
  const working = gateway.working();
  return JSON.stringify({
    stored: gateway.store.txCount() + gateway.store.pending().length,
    pooled: gateway.producer.pendingCount + gateway.store.txCount(),
    accounts: working.accounts().map((a) => [bytesToHex(a.id), a.lastSeq, a.status, bytesToHex(a.key)]),
    blocked: working.blocked().map((b) => bytesToHex(b.id)),
  });
}

async function expectRejected(t: import('ava').ExecutionContext, payload: Uint8Array, ackSeq: number, code: number, from: MqttDevice = device) {
  await gateway.ingest.drain();
  const before = snapshot();
  const acks = from.ackLog.length;
  await from.publishRaw(payload);
  await from.waitFor(() => from.ackLog.length > acks, `ack for ${errorName(code)}`);
  const ack = from.ackLog[acks]!;
  t.is(errorName(ack.code), errorName(code));
  t.is(ack.seq, ackSeq);
  await gateway.ingest.drain();
  t.is(snapshot(), before, 'state unchanged');
}

const reading = (s: number, key = deviceKey, chainId = chain.chainId) =>
  encodeTx(signTx(crypto, chainId, { kind: TxKind.READINGS, sender: keyId(crypto, key.publicKey), seq: s, time: Math.floor(Date.now() / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2100] }]) }, key.privateKey));

test.serial('malformed CBOR', (t) => expectRejected(t, Uint8Array.of(0x86, 0x00), 0, ErrorCode.MALFORMED_CBOR));
test.serial('non-canonical CBOR', (t) => {
  const wire = reading(seq + 1);
  // seq written in two bytes instead of one: the same value, another encoding.
  return expectRejected(t, concatBytes(wire.slice(0, 11), Uint8Array.of(0x18, wire[11]!), wire.slice(12)), 0, ErrorCode.NON_CANONICAL);
});
test.serial('oversized payload', (t) => expectRejected(t, new Uint8Array(5000), 0, ErrorCode.TOO_LARGE));
test.serial('deeply nested payload', (t) => expectRejected(t, Uint8Array.from([...Array(3000).fill(0x81), 0x00]), 0, ErrorCode.TOO_DEEP));
test.serial('a map where an array belongs', (t) => expectRejected(t, encodeCbor([1]).fill(0xa0, 0, 1), 0, ErrorCode.UNSUPPORTED_TYPE));
// The header of these reads (ingest's main thread never decodes it); a verify worker's strict
// decode then finds the fault, and the answer is the same as for any wire that does not decode.
test.serial('a well-formed header with a malformed body', (t) => {
  const wire = reading(seq + 1);
  const tx = decodeTx(wire);
  return expectRejected(t, encodeTx({ ...tx, body: [Quantity.TEMPERATURE_C] }), seq + 1, ErrorCode.BAD_BODY);
});
// The seq read: the ack carries it (§9.2), so the device can tell which transaction failed.
test.serial('a well-formed header with bytes after the transaction', (t) => expectRejected(t, concatBytes(reading(seq + 1), Uint8Array.of(0)), seq + 1, ErrorCode.TRAILING_BYTES));
test.serial('a well-formed header with a truncated signature', (t) => {
  const wire = reading(seq + 1);
  return expectRejected(t, wire.subarray(0, wire.length - 1), seq + 1, ErrorCode.MALFORMED_CBOR);
});
test.serial('bad signature', (t) => {
  const wire = reading(seq + 1);
  wire[wire.length - 5]! ^= 1;
  return expectRejected(t, wire, seq + 1, ErrorCode.BAD_SIGNATURE);
});
test.serial('signed for another chain', (t) => expectRejected(t, reading(seq + 1, deviceKey, new Uint8Array(8).fill(0xab)), seq + 1, ErrorCode.BAD_SIGNATURE));
test.serial('replayed transaction', (t) => expectRejected(t, device.sent.get(1)!, 1, ErrorCode.REPLAY));
test.serial('out of order: a lower sequence after a higher one', async (t) => {
  seq += 5; // a legal gap, as after a reboot that skipped reserved sequence numbers
  await device.sendReadings(seq, [2001]);
  await device.waitFor(() => device.acks.get(seq)?.code === ErrorCode.OK, 'ack');
  await expectRejected(t, reading(seq - 2), seq - 2, ErrorCode.REPLAY);
});
test.serial('a sequence jump beyond the reservation limit', (t) => expectRejected(t, reading(seq + 5000), seq + 5000, ErrorCode.SEQUENCE_GAP));
test.serial('transaction time in the future', (t) => {
  const wire = encodeTx(signTx(crypto, chain.chainId, { kind: TxKind.READINGS, sender: device.id, seq: seq + 1, time: Math.floor(Date.now() / 1000) + 3600, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [1] }]) }, deviceKey.privateKey));
  return expectRejected(t, wire, seq + 1, ErrorCode.TIME_OUT_OF_RANGE);
});
test.serial('a device may not enrol others', (t) => {
  const wire = encodeTx(signTx(crypto, chain.chainId, { kind: TxKind.ENROLL, sender: device.id, seq: seq + 1, time: Math.floor(Date.now() / 1000), body: [newDeviceKey().publicKey, 0] }, deviceKey.privateKey));
  return expectRejected(t, wire, seq + 1, ErrorCode.NOT_PERMITTED);
});

test.serial('unknown device', async (t) => {
  const stranger = newDeviceKey();
  // Refused at CONNECT (not enrolled: 5, docs/protocol.md §9.6)…
  const error = await t.throwsAsync(connectDevice(gateway.mqttUrl, crypto, chain.chainId, stranger));
  t.is((error as Error & { code?: number }).code, 5);
  // …and its transaction through an external broker is counted, answered to no one.
  const before = gateway.ingest.stats.rejected[String(ErrorCode.UNKNOWN_SENDER)] ?? 0;
  gateway.ingest.handle(reading(1, stranger), undefined);
  await gateway.ingest.drain();
  t.is(gateway.ingest.stats.rejected[String(ErrorCode.UNKNOWN_SENDER)], before + 1);
});

test.serial('revoked device', async (t) => {
  const key = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [key], 1 + operatorSeq());
  const revoked = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, key);
  t.teardown(() => revoked.close());
  await operatorSend(TxKind.REVOKE, deviceBody(revoked.id));
  await expectRejected(t, reading(1, key), 1, ErrorCode.REVOKED, revoked);
});

function operatorSeq(): number {
  return gateway.working().account(keyId(crypto, chain.genesis.operatorKey))!.lastSeq;
}

async function operatorSend(kind: TxKind, body: ReturnType<typeof deviceBody>): Promise<void> {
  const operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  try {
    const s = operatorSeq() + 1;
    await operator.send({ kind, sender: operator.id, seq: s, time: Math.floor(Date.now() / 1000), body });
    await operator.waitFor(() => operator.acks.has(s), 'operator ack');
    if (operator.acks.get(s)!.code !== ErrorCode.OK) throw new Error(`operator tx rejected: ${errorName(operator.acks.get(s)!.code)}`);
  } finally {
    await operator.close();
  }
}

test.serial('random payloads never crash ingest and each gets a typed answer', async (t) => {
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      const before = device.ackLog.length;
      await device.publishRaw(bytes);
      await device.waitFor(() => device.ackLog.length > before, 'ack');
      const ack = device.ackLog[before]!;
      answered++;
      return ack.code !== ErrorCode.OK && !errorName(ack.code).startsWith('UNKNOWN_');
    }),
    { numRuns: 60 },
  );
  await device.sendReadings(++seq + 100, [2002]);
  seq += 100;
  await device.waitFor(() => device.acks.get(seq)?.code === ErrorCode.OK, 'a valid transaction still accepted');
  t.true(answered >= 60);
});

test.serial('garbage on the MQTT port drops that connection only', async (t) => {
  const url = new URL(gateway.mqttUrl);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(Buffer.from('this is not MQTT at all \x00\xff\x10\x7f')));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  seq++;
  await device.sendReadings(seq, [2003]);
  await device.waitFor(() => device.acks.get(seq)?.code === ErrorCode.OK, 'still accepted');
  t.pass();
});

test.serial('a flooding device is reported into the ledger, refused by the broker, and lifted later', async (t) => {
  const key = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [key], 1 + operatorSeq());
  const flooder = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, key);
  let disconnected = false;
  flooder.client.on('close', () => (disconnected = true));
  // Far beyond 20/s: the bucket empties, rejections pile up, the gateway files a report.
  for (let s = 1; s <= 120 && !disconnected; s++) flooder.publishRaw(reading(s, key)).catch(() => {});
  await flooder.waitFor(() => gateway.working().blockEntry(flooder.id) !== undefined, 'block report admitted');
  await flooder.waitFor(() => disconnected, 'broker drops the flooder');
  t.true(flooder.ackLog.some((a) => a.code === ErrorCode.RATE_LIMITED), 'rate limited before the report');
  await flooder.waitFor(() => gateway.producer.pendingCount === 0 && gateway.producer.committedState().blockEntry(flooder.id) !== undefined, 'report in a block');

  const error = await t.throwsAsync(connectDevice(gateway.mqttUrl, crypto, chain.chainId, key));
  t.regex(String(error?.message), /authori[sz]ed|Connection refused|blocklist/i, 'reconnect refused');

  // Relayed through another device's connection: refused as not that connection's own (§9.6).
  const relayedSeq = gateway.working().account(flooder.id)!.lastSeq + 1;
  await expectRejected(t, reading(relayedSeq, key), relayedSeq, ErrorCode.WRONG_SENDER);
  // Through an external broker (no connection known), ingest still says BLOCKED, once it verified the signature.
  const blockedBefore = gateway.ingest.stats.rejected[String(ErrorCode.BLOCKED)] ?? 0;
  const before = snapshot();
  gateway.ingest.handle(reading(relayedSeq, key), undefined);
  await gateway.ingest.drain();
  t.is(gateway.ingest.stats.rejected[String(ErrorCode.BLOCKED)], blockedBefore + 1, 'BLOCKED rejection');
  t.is(snapshot(), before, 'state unchanged');

  await operatorSend(TxKind.BLOCK_LIFT, deviceBody(flooder.id));
  t.is(gateway.working().blockEntry(flooder.id), undefined);
  const back = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, key);
  t.teardown(() => back.close());
  const next = gateway.working().account(back.id)!.lastSeq + 1;
  await back.sendReadings(next, [2100]);
  await back.waitFor(() => back.acks.get(next)?.code === ErrorCode.OK, 'accepted after the lift');
});

// Attacks by a client that does not hold the victim's key (issue 9 §1): forged transactions naming
// a victim have no effect on it. The attacker here is an enrolled device of its own (the embedded
// broker admits no one else), and then an external broker's path, where the gateway does not know
// who published.

/** Forged: the victim's id and a seq of its choosing, signed by a key that is not the victim's. */
const forged = (victim: Uint8Array, s: number, key: KeyPair) =>
  encodeTx(signTx(crypto, chain.chainId, { kind: TxKind.READINGS, sender: victim, seq: s, time: Math.floor(Date.now() / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [6666] }]) }, key.privateKey));

async function attacker(t: import('ava').ExecutionContext): Promise<{ key: KeyPair; client: MqttDevice }> {
  const key = newDeviceKey();
  await enroll(gateway.mqttUrl, chain, [key], 1 + operatorSeq());
  const client = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, key);
  t.teardown(() => client.close());
  return { key, client };
}

test.serial('attack: 800 forged transactions naming a victim do not get it reported, limited or acked', async (t) => {
  const { key, client } = await attacker(t);
  const victimAcks = device.ackLog.length;
  const reportsBefore = gateway.working().blocked().length;
  // Far beyond the victim's rate (20/s, flood at 40 rejections): 400 from the attacker's own connection…
  await Promise.all(Array.from({ length: 400 }, (_, i) => client.publishRaw(forged(device.id, seq + 1 + i, key))));
  await client.waitFor(() => client.ackLog.length >= 400, 'the attacker hears of its own forgeries');
  t.true(client.ackLog.every((a) => a.code === ErrorCode.WRONG_SENDER), 'refused as not its own, before any verification');
  // …and 400 as they would arrive through an external broker.
  for (let i = 0; i < 400; i++) gateway.ingest.handle(forged(device.id, seq + 1 + i, key), undefined);
  await gateway.ingest.drain();
  t.is(gateway.working().blockEntry(device.id), undefined, 'the victim is not reported');
  t.is(gateway.working().blocked().length, reportsBefore);
  // The victim is neither limited nor told anything: its next transaction is accepted (its proof is the ack) and no ack reached it.
  await device.sendReadings(++seq, [2500]);
  await device.waitFor(() => device.acks.get(seq) !== undefined, 'the victim\'s own proof');
  t.is(device.acks.get(seq)!.code, ErrorCode.OK);
  t.deepEqual(device.ackLog.slice(victimAcks), []);
});

test.serial('attack: forged transactions with a victim\'s next seqs do not make it lose readings', async (t) => {
  const { key, client } = await attacker(t);
  const victimAcks = device.ackLog.length;
  const next = seq + 1;
  await client.publishRaw(forged(device.id, next, key));
  await client.publishRaw(forged(device.id, next + 1, key));
  for (let i = 0; i < 5; i++) gateway.ingest.handle(forged(device.id, next + i, key), undefined);
  await client.waitFor(() => client.ackLog.length >= 2, 'the attacker\'s rejects');
  await gateway.ingest.drain();
  // The victim's own transactions under those seqs are accepted, and no reject ever reached it.
  await device.sendReadings(next, [2600]);
  await device.sendReadings(next + 1, [2601]);
  seq = next + 1;
  await device.waitFor(() => device.acks.has(next) && device.acks.has(next + 1), 'the victim\'s proofs');
  t.deepEqual([device.acks.get(next)!.code, device.acks.get(next + 1)!.code], [ErrorCode.OK, ErrorCode.OK]);
  t.deepEqual(device.ackLog.slice(victimAcks), [], 'no reject ever reached it');
});
