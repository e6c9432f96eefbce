// The light peer end to end against the in-memory fake gateway, on virtual time:
// happy path, reboots, a full outbox, every ack code's reaction, lost acks, and
// re-checks while blocked. Each test asserts on what the gateway saw as well as
// on what the peer says, so a peer that lies about finality fails.

import test from 'ava';
import { ErrorCode, Method, Quantity, decodeTx } from '../src/index.js';
import { PeerState } from '../src/peer/index.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { scenario } from './fakes/scenario.js';

const finalSeqs = (d: { of: (t: 'final') => { seq: number }[] }) => d.of('final').map((e) => e.seq);

test('happy path: sampled → signed → acked → header → proof → final, exactly once', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 6)] });
  device.start();
  clock.advance(15_000);
  const s = device.status;
  t.deepEqual(finalSeqs(device), [1, 2, 3, 4, 5, 6]);
  t.is(device.outbox.size, 0, 'outbox empty');
  t.is(s.counters.final, 6);
  t.is(s.counters.signed, 6);
  t.is(s.counters.acked, 6);
  t.is(s.counters.resent, 0);
  t.is(s.state, PeerState.ONLINE);
  t.deepEqual(gateway.seqsSeen(device.hex), [1, 2, 3, 4, 5, 6], 'each sent once, in order');
  // Final only after the ack and after the header of its block was verified.
  for (const final of device.of('final')) {
    const i = device.events.indexOf(final);
    t.true(device.events.slice(0, i).some((e) => e.type === 'acked' && e.seq === final.seq));
    t.true(device.events.slice(0, i).some((e) => e.type === 'header' && e.height >= final.height));
    t.true(final.latencyMs > 0 && final.latencyMs < 5000);
  }
  t.is(s.trustedHeight, gateway.height);
});

test('batches: one signature covers batchSize rounds of every sensor', (t) => {
  const sensors = [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 8), rampSensor(Quantity.RELATIVE_HUMIDITY_PCT, 0, 40, 1, 8)];
  const { clock, device } = scenario({ sensors, config: { batchSize: 4 } });
  device.start();
  clock.advance(20_000);
  t.deepEqual(device.of('signed').map((e) => e.readings), [8, 8]);
  t.deepEqual(finalSeqs(device), [1, 2]);
  t.is(device.status.counters.sampled, 16);
});

test('stop() signs and stores a batch not yet full; a crash loses only its unsigned readings', (t) => {
  const sensors = [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 100)];
  const { clock, gateway, device } = scenario({ sensors, config: { batchSize: 4 } });
  device.start();
  clock.advance(10_000);
  const sealedBefore = device.of('signed').length;
  const buffered = device.status.counters.sampled - device.of('signed').reduce((n, e) => n + e.readings, 0);
  t.true(buffered > 0 && buffered < 4, `a partial batch is waiting (${buffered} readings)`);
  device.peer.stop();
  t.is(device.of('signed').length, sealedBefore + 1, 'the partial batch was sealed at stop');
  t.is(device.of('signed').at(-1)!.readings, buffered, 'with every reading it held');
  const partialSeq = device.of('signed').at(-1)!.seq;
  t.true([...device.outbox.entries()].some(([seq]) => seq === partialSeq), 'and stored in the outbox');
  device.sensors[0]!.limit = device.sensors[0]!.count; // no new readings after the restart
  device.boot();
  device.peer.start();
  clock.advance(10_000);
  t.true(finalSeqs(device).includes(partialSeq), 'final after the next start');
  t.true(gateway.seqsSeen(device.hex).includes(partialSeq));

  // A crash instead of a stop: the readings of the unsealed batch were never signed and are gone.
  const crashed = scenario({ seed: 9, sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 100)], config: { batchSize: 4 } });
  crashed.device.start();
  crashed.clock.advance(10_000);
  const signedBeforeCrash = crashed.device.of('signed').length;
  crashed.device.crash();
  t.is(crashed.device.of('signed').length, signedBeforeCrash, 'nothing sealed by a crash');
});

test('reboot mid-flight: no seq reused, outbox resumed, everything final once', (t) => {
  const { clock, gateway, device } = scenario({ config: { seqReserve: 4 } });
  device.start();
  clock.advance(5_500);
  gateway.setNetwork(false); // signed while offline: stays in the outbox
  clock.advance(4_000);
  device.peer.sampleNow();
  device.crash();
  const outboxBefore = device.outbox.size;
  t.true(outboxBefore >= 4);

  device.boot();
  gateway.setNetwork(true);
  device.peer.start();
  clock.advance(3_200);
  // A crash between the gateway's admission and the ack: the next boot finds it in the outbox.
  device.peer.sampleNow();
  clock.advance(7); // the gateway has it, the ack is on its way
  device.crash();
  device.boot();
  device.peer.start();
  device.sensors[0]!.limit = device.sensors[0]!.count; // no new readings: let everything settle
  clock.advance(30_000);

  const signed = device.of('signed').map((e) => e.seq);
  t.is(new Set(signed).size, signed.length, 'no seq signed twice across boots');
  t.deepEqual([...finalSeqs(device)].sort((a, b) => a - b), [...signed].sort((a, b) => a - b), 'every signed seq final exactly once');
  t.is(device.outbox.size, 0);
  // The gateway never saw one seq with two different transactions.
  const bySeq = new Map<number, string>();
  for (const s of gateway.seen.filter((x) => x.device === device.hex)) {
    if (bySeq.has(s.seq)) t.is(bySeq.get(s.seq), s.txId, `seq ${s.seq} reused with other content`);
    bySeq.set(s.seq, s.txId);
  }
  // Gaps after a reboot stay within one reservation (the gateway accepts up to 4096).
  const sorted = [...signed].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) t.true(sorted[i]! - sorted[i - 1]! <= 5, `gap ${sorted[i - 1]} → ${sorted[i]}`);
  t.true(sorted.some((s, i) => i > 0 && s - sorted[i - 1]! > 1), 'a reboot skipped the rest of a reservation');
  t.true(device.of('acked').length >= signed.length - 1);
  t.true(gateway.acks.some((a) => a.device === device.hex && a.code === ErrorCode.REPLAY), 'a resumed transaction the gateway had was answered REPLAY');
  t.is(device.status.counters.rejected, 0);
});

test('the seq ceiling is written once per reservation, not per transaction', (t) => {
  const { clock, device } = scenario({ config: { seqReserve: 16 } });
  device.start();
  clock.advance(40_500);
  t.is(device.status.counters.signed, 40);
  t.is(device.kv.writes.get('bp.seq'), 3);
});

test('outbox full: the peer says so, takes no readings, drops nothing signed, and resumes', (t) => {
  const { clock, gateway, device } = scenario({ config: { outboxCapacity: 4 } });
  gateway.setNetwork(false);
  device.start();
  clock.advance(10_500);
  t.is(device.status.state, PeerState.OUTBOX_FULL);
  t.true(device.of('state').some((e) => e.state === PeerState.OUTBOX_FULL));
  t.true(device.logs.some((l) => l.includes('outbox-full')));
  t.is(device.outbox.size, 4);
  t.is(device.sensors[0]!.count, 4, 'no reading taken while full');
  t.true(device.status.counters.skipped >= 6);
  gateway.setNetwork(true);
  clock.advance(10_000);
  t.deepEqual(finalSeqs(device).slice(0, 4), [1, 2, 3, 4], 'what was signed while full became final');
  t.true(device.status.counters.signed > 4, 'sampling resumed');
  t.not(device.status.state, PeerState.OUTBOX_FULL);
});

test('REPLAY after a lost ack: PROOF request, then final; never re-sent in a loop', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1)] });
  let lost = 0;
  gateway.ackRule = (tx) => (tx.seq === 1 && lost++ === 0 ? 'lose-ack' : undefined);
  gateway.pushProofs = false; // the proof must come by request
  device.start();
  clock.advance(40_000);
  t.deepEqual(finalSeqs(device), [1]);
  t.deepEqual(gateway.seqsSeen(device.hex), [1, 1], 'sent once, re-sent once after the ack timeout');
  t.true(gateway.acks.some((a) => a.device === device.hex && a.seq === 1 && a.code === ErrorCode.REPLAY));
  t.true(gateway.requests.some((r) => r.device === device.hex && r.request.method === Method.PROOF && r.request.params[0] === 1));
  t.is(device.outbox.size, 0);
});

test('a transient rejection overtaken by a later seq is re-signed under a new seq, not lost', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 3)] });
  let limited = 0;
  gateway.ackRule = (tx) => (tx.seq === 2 && limited++ === 0 ? ErrorCode.RATE_LIMITED : undefined);
  device.start();
  clock.advance(2); // connected
  device.peer.sampleNow();
  device.peer.sampleNow();
  device.peer.sampleNow(); // seqs 1, 2, 3 in flight together
  clock.advance(10_000);
  t.deepEqual(device.of('reissued'), [], 'one NOT_FOUND may be the gateway still writing it: not re-signed yet');
  clock.advance(120_000);
  const reissued = device.of('reissued');
  t.deepEqual(reissued.map((e) => e.seq), [2]);
  t.deepEqual([...finalSeqs(device)].sort(), [1, 3, reissued[0]!.newSeq].sort());
  t.is(device.status.counters.rejected, 0);
  // The re-signed transaction carries the time and readings seq 2 carried.
  const wireOf = (seq: number) => decodeTx(gateway.seen.find((s) => s.device === device.hex && s.seq === seq)!.wire);
  const [original, again] = [wireOf(2), wireOf(reissued[0]!.newSeq)];
  t.deepEqual([again.time, again.body], [original.time, original.body]);
  t.is(device.outbox.size, 0);
  t.is(device.status.counters.reissued, 1);
});

test('RATE_LIMITED and INTERNAL: sent again after a backoff', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1)] });
  let n = 0;
  gateway.ackRule = () => (n++ < 3 ? (n % 2 ? ErrorCode.RATE_LIMITED : ErrorCode.INTERNAL) : undefined);
  device.start();
  clock.advance(30_000);
  t.deepEqual(finalSeqs(device), [1]);
  t.deepEqual(gateway.seqsSeen(device.hex), [1, 1, 1, 1]);
  t.is(device.status.counters.resent, 3);
});

test('a reject (say, forged on a broker that lets others publish acks) loses no reading: re-signed under a new seq', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 3)] });
  gateway.ackRule = (tx) => (tx.seq === 2 ? ErrorCode.BAD_BODY : undefined);
  device.start();
  clock.advance(60_000);
  t.deepEqual(device.of('rejected'), [{ type: 'rejected', seq: 2, code: ErrorCode.BAD_BODY }]);
  const reissued = device.of('reissued');
  t.is(reissued.length, 1);
  t.is(reissued[0]!.seq, 2);
  t.true(finalSeqs(device).includes(reissued[0]!.newSeq), 'the readings of seq 2 are final under their new seq');
  t.is(finalSeqs(device).length, 3, 'three batches, all final');
  t.is(gateway.seqsSeen(device.hex).filter((s) => s === 2).length, 1);
  t.is(device.status.counters.rejected, 1);
  t.is(device.status.lastError?.name, 'BAD_BODY');
  t.is(device.outbox.size, 0);
});

test('a transaction rejected after every re-signing is kept in the outbox, not sent again until a reboot', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 3)] });
  let first: number | undefined;
  // The same readings, however often re-signed, are refused: the first transaction's time.
  gateway.ackRule = (tx) => {
    first ??= tx.time;
    return tx.time === first ? ErrorCode.BAD_BODY : undefined;
  };
  device.start();
  clock.advance(120_000);
  const rejected = device.of('rejected').map((e) => e.seq);
  t.is(rejected.length, 1 + 2, 'rejected, then re-signed twice and rejected again');
  const kept = rejected[rejected.length - 1]!;
  t.true(device.outbox.has(kept), 'kept in the outbox');
  const seen = gateway.seqsSeen(device.hex).length;
  clock.advance(120_000);
  t.is(gateway.seqsSeen(device.hex).filter((s) => s === kept).length, 1, 'not sent again');
  t.true(gateway.seqsSeen(device.hex).length >= seen);
});

test('BLOCKED: visible, no send loop, the outbox kept; lifted → resumes', (t) => {
  const { clock, gateway, device } = scenario({ config: { outboxCapacity: 8 } });
  device.start();
  clock.advance(3_500);
  const finalBefore = device.status.counters.final;
  gateway.block(device.id);
  clock.advance(2_000);
  t.is(device.status.state, PeerState.BLOCKED);
  t.is(device.status.lastError?.name, 'BLOCKED');
  const seenAtBlock = gateway.seqsSeen(device.hex).length;
  clock.advance(10 * 60_000);
  const offered = gateway.seqsSeen(device.hex).length - seenAtBlock;
  t.true(offered >= 9 && offered <= 12, `${offered} transactions offered in 10 minutes (one re-check a minute)`);
  t.is(device.status.state, PeerState.BLOCKED, 'blocked wins over a full outbox');
  t.is(device.outbox.size, 8, 'kept, not dropped');
  t.is(device.status.counters.rejected, 0);
  gateway.lift(device.id);
  clock.advance(90_000);
  t.is(device.status.state, PeerState.ONLINE);
  t.is(device.status.lastError, undefined, 'the lifted block is no longer the last error');
  const signed = device.of('signed').map((e) => e.seq);
  t.true(device.status.counters.final >= finalBefore + 8);
  t.true(device.outbox.size <= 2);
  t.is(new Set(finalSeqs(device)).size, finalSeqs(device).length);
  t.true(signed.length > 8);
});

test('REVOKED and UNENROLLED are visible; a later enrolment resumes', (t) => {
  const revoked = scenario({ seed: 2 });
  revoked.device.start();
  revoked.clock.advance(2_500);
  revoked.gateway.revoke(revoked.device.id);
  revoked.clock.advance(3 * 60_000);
  t.is(revoked.device.status.state, PeerState.REVOKED);
  t.true(revoked.device.of('state').some((e) => e.state === PeerState.REVOKED));
  t.true(revoked.gateway.seqsSeen(revoked.device.hex).length < 12, 'no loop');

  const late = scenario({ seed: 3, enroll: false });
  late.device.start();
  late.clock.advance(5_000);
  t.is(late.device.status.state, PeerState.UNENROLLED);
  t.is(late.device.status.counters.rejected, 0);
  late.gateway.enroll(late.device.peer.publicKey);
  late.clock.advance(70_000);
  t.is(late.device.status.state, PeerState.ONLINE);
  t.is(late.device.status.lastError, undefined, 'UNKNOWN_SENDER is not the last error once the device is accepted');
  t.true(late.device.status.counters.final >= 5);
});

test('a broker refusing the connection (blocklist) shows BLOCKED until it accepts', (t) => {
  const { clock, gateway, device } = scenario();
  device.start();
  clock.advance(5_000);
  t.true(device.status.counters.acked > 0, 'accepted once on this chain');
  gateway.refuse = () => 5;
  device.reboot();
  clock.advance(5_000);
  t.is(device.status.state, PeerState.BLOCKED);
  gateway.refuse = undefined;
  clock.advance(10_000);
  t.is(device.status.state, PeerState.ONLINE);
  t.true(device.status.counters.final > 0);
});

test('acks lost in a disconnect: re-sent after reconnect, REPLAY, final once', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 4)] });
  device.start();
  clock.advance(2);
  // Whenever seq 3 arrives the first time, the connection drops before the ack leaves.
  let dropped = false;
  const rule = gateway.ackRule;
  gateway.ackRule = (tx, dev) => {
    if (tx.seq === 3 && !dropped) {
      dropped = true;
      clock.setTimer(0, () => gateway.disconnect(dev));
      return 'lose-ack';
    }
    return rule?.(tx, dev);
  };
  clock.advance(30_000);
  t.true(dropped);
  t.deepEqual(finalSeqs(device), [1, 2, 3, 4]);
  const threes = gateway.seqsSeen(device.hex).filter((s) => s === 3).length;
  t.true(threes >= 2 && threes <= 3, `seq 3 seen ${threes} times`);
  t.is(device.status.counters.rejected, 0);
});

test('stop() leaves storage consistent and a later boot finishes the work', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 3)] });
  gateway.setNetwork(false);
  device.start();
  clock.advance(5_000);
  device.peer.stop();
  t.is(device.status.state, PeerState.OFFLINE);
  const pending = [...device.outbox.entries()].map(([seq, wire]) => [seq, decodeTx(wire).seq]);
  t.deepEqual(pending, [[1, 1], [2, 2], [3, 3]]);
  gateway.setNetwork(true);
  device.boot();
  device.peer.start();
  clock.advance(10_000);
  t.deepEqual(finalSeqs(device), [1, 2, 3]);
  t.is(device.outbox.size, 0);
});

test('stop() shows OFFLINE even while unenrolled, blocked or full; a new start shows the hold again', (t) => {
  const late = scenario({ seed: 4, enroll: false });
  late.device.start();
  late.clock.advance(5_000);
  t.is(late.device.status.state, PeerState.UNENROLLED);
  late.device.peer.stop();
  t.is(late.device.status.state, PeerState.OFFLINE, 'stopped while unenrolled');
  t.is(late.device.of('state').at(-1)?.state, PeerState.OFFLINE, 'and says so');
  late.clock.advance(120_000);
  t.is(late.device.status.state, PeerState.OFFLINE, 'nothing runs after stop to change it');
  late.device.peer.start();
  late.clock.advance(65_000);
  t.is(late.device.status.state, PeerState.UNENROLLED, 'the hold was kept for the next start');

  const refused = scenario({ seed: 5 });
  refused.gateway.refuse = () => 5;
  refused.device.start();
  refused.clock.advance(5_000);
  t.is(refused.device.status.state, PeerState.UNENROLLED, 'refused (code 5) and never accepted on this chain: most likely not enrolled');
  t.is(refused.device.status.lastError?.name, 'UNKNOWN_SENDER');
  refused.device.peer.stop();
  t.is(refused.device.status.state, PeerState.OFFLINE, 'stopped while the broker refused it');

  const known = scenario({ seed: 7 });
  known.device.start();
  known.clock.advance(5_000);
  t.true(known.device.status.counters.acked > 0);
  known.gateway.refuse = () => 5;
  known.device.reboot();
  known.clock.advance(5_000);
  t.is(known.device.status.state, PeerState.BLOCKED, 'refused (code 5) after the gateway accepted it, on an earlier boot: revoked or blocked');
  t.is(known.device.status.lastError?.name, 'BLOCKED');

  const full = scenario({ seed: 6, config: { outboxCapacity: 2 } });
  full.gateway.setNetwork(false);
  full.device.start();
  full.clock.advance(20_000);
  t.is(full.device.status.state, PeerState.OUTBOX_FULL);
  full.device.peer.stop();
  t.is(full.device.status.state, PeerState.OFFLINE, 'stopped with a full outbox');
});

test('a sampling timer that fires more than an interval late takes one round, not two at the same instant', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 100)] });
  device.start();
  clock.advance(3_500);
  clock.stall(5_500); // the event loop was busy: the next sampling timer fires 5 s late
  clock.advance(4_000);
  const times = gateway.seen.filter((s) => s.device === device.hex).map((s) => decodeTx(s.wire).time);
  t.true(times.length >= 6, `sampled after the stall too (${times.length} transactions)`);
  t.deepEqual(times, [...new Set(times)], `no two rounds at the same second: ${times.join(', ')}`);
  for (let i = 1; i < times.length; i++) t.true(times[i]! > times[i - 1]!, 'rounds move forward in time');
});

test('a stall that skips a round seals the batch before it: a series never spans a gap', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 100)], config: { batchSize: 4 } });
  device.start();
  clock.advance(2_500); // two rounds buffered
  clock.stall(5_500);
  clock.advance(5_000);
  const txs = gateway.seen.filter((s) => s.device === device.hex).map((s) => decodeTx(s.wire));
  t.true(txs.length >= 2);
  t.is(((txs[0]!.body as unknown[][])[0]![3] as unknown[]).length, 2, 'the two rounds before the stall, sealed alone');
  t.is(txs[1]!.time, txs[0]!.time + 2 + 5, 'the next batch starts at the late round');
});

test('a clock more than 10 minutes ahead: TIME_OUT_OF_RANGE spends no seq, and once the clock is right the held readings are re-signed and become final', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1_000_000)], config: { outboxCapacity: 16, recheckIntervalMs: 10_000 } });
  device.clockSkewMs = 3 * 3_600_000; // far enough that the gateway's clock does not catch up during the test
  device.start();
  // Long enough that a peer dropping each refused transaction would run its seq MAX_SEQ_JUMP ahead of the gateway.
  clock.advance(4_200_000);
  t.is(device.of('rejected').length, 0, 'nothing thrown away');
  t.true(device.status.counters.signed <= 16, `no seq spent on refusals (${device.status.counters.signed} signed)`);
  t.true(gateway.acks.some((a) => a.device === device.hex && a.code === ErrorCode.TIME_OUT_OF_RANGE));
  t.is(device.status.lastError?.code, ErrorCode.TIME_OUT_OF_RANGE, 'the peer says why');
  device.clockSkewMs = 0; // the clock is set right (NTP, RTC)
  clock.advance(60_000);
  const codes = new Set(gateway.acks.filter((a) => a.device === device.hex).map((a) => a.code));
  t.false(codes.has(ErrorCode.SEQUENCE_GAP), 'no SEQUENCE_GAP');
  t.is(device.of('rejected').length, 0);
  t.true(device.status.counters.final >= 16 + 50, `the held readings and the new ones are final (${device.status.counters.final})`);
  const seqs = device.of('final').map((e) => e.seq).sort((a, b) => a - b);
  t.deepEqual(seqs.slice(0, 16), Array.from({ length: 16 }, (_, i) => i + 1), 'under the seqs they were first signed with');
});

test('request ids do not restart at 1 on a reboot: a response queued for the previous boot cannot answer a new request', (t) => {
  // A persistent session keeps QoS 1 responses for a device that rebooted; with ids from 1 on every
  // boot, a NOT_FOUND meant for an old request (a never-accepted seq) answered a new PROOF request
  // for a transaction the gateway had accepted.
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 3)], config: { proofTimeoutMs: 1_000 } }, { blockIntervalMs: 0 });
  device.start();
  clock.advance(8_000);
  const firstBoot = gateway.requests.filter((r) => r.device === device.hex).map((r) => r.request.id);
  t.true(firstBoot.length > 0, 'PROOF requests in the first boot');
  device.reboot();
  device.start();
  clock.advance(8_000);
  const secondBoot = gateway.requests.filter((r) => r.device === device.hex).map((r) => r.request.id).slice(firstBoot.length);
  t.true(secondBoot.length > 0, 'and in the second');
  t.deepEqual(secondBoot.filter((id) => firstBoot.includes(id)), [], 'no id of the first boot is used again');
});
