// The light peer's trust against a gateway that lies, and across validator-set
// changes, trust expiry and reboots (virtual time, in-memory fake gateway).
// The malicious-gateway table gives one reason per row; each row checks the
// rejection code, that it was reported (event, counter, lastError), that trust
// did not move, and that nothing became final on it.

import test from 'ava';
import {
  type Checkpoint, ErrorCode, type Header, type LightBlock, Method, Quantity, type ValidatorSet,
  decodeLightBlock, encodeCheckpoint, encodeLightBlock, errorName, headerHash,
  inclusionProof, makeValidatorSet, signCheckpoint, validatorSetHash,
} from '../src/index.js';
import { PeerState } from '../src/peer/index.js';
import { type FakeGateway, mapProofs } from './fakes/fake-gateway.js';
import { rampSensor } from './fakes/fake-sensors.js';
import { scenario } from './fakes/scenario.js';

/** Re-makes a light block from `base` with header changes, signed by the first threshold keys of `set` (default: the honest set of that height). */
function forge(g: FakeGateway, base: LightBlock, changes: Partial<Header>, options: { set?: ValidatorSet; signatures?: number; includeSet?: boolean } = {}): Uint8Array {
  const set = options.set ?? g.blocks[base.header.height - 1]?.set ?? g.genesis.validators;
  const header: Header = Object.freeze({ ...base.header, ...changes, ...(options.set ? { validatorsHash: validatorSetHash(g.crypto, options.set) } : {}) });
  const signed = g.signBlock(header, headerHash(g.crypto, header), set, set);
  const commit = options.signatures === undefined ? signed.commit : { ...signed.commit, signatures: signed.commit.signatures.slice(0, options.signatures) };
  return encodeLightBlock(options.includeSet ? { header, commit, validators: set } : { header, commit });
}

interface Row {
  readonly reason: string;
  readonly code: number;
  readonly on: 'header' | 'proof';
  /** What the gateway does instead of honestly publishing block 2 (or through gateway.tamper while it does). */
  readonly attack: (g: FakeGateway) => void;
}

const unknownSet = (g: FakeGateway) => makeValidatorSet(2, g.validatorKeys.slice(3, 6).map((k) => k.publicKey));
const tamperHeader = (g: FakeGateway, rewrite: (block: LightBlock) => Uint8Array) => {
  g.tamper = (topic, payload) => (topic === g.topics.header ? rewrite(decodeLightBlock(payload)) : payload);
  g.produceBlock();
};
const tamperProof = (g: FakeGateway, rewrite: (payload: Uint8Array) => Uint8Array) => {
  g.tamper = (topic, payload) => (topic.endsWith('/proof') ? rewrite(payload) : payload);
  g.produceBlock();
};

const rows: Row[] = [
  {
    reason: 'forged commit signature: a byte of the first signature flipped',
    code: ErrorCode.BAD_COMMIT_SIGNATURE,
    on: 'header',
    attack: (g) => tamperHeader(g, (b) => {
      const signatures = b.commit.signatures.map((s, i) => (i === 0 ? { ...s, signature: s.signature.map((x, j) => (j === 40 ? x ^ 1 : x)) } : s));
      return encodeLightBlock({ ...b, commit: { ...b.commit, signatures } });
    }),
  },
  {
    reason: 'under-signed commit: 1 signature where the set needs 2 of 3',
    code: ErrorCode.INSUFFICIENT_SIGNATURES,
    on: 'header',
    attack: (g) => tamperHeader(g, (b) => forge(g, b, {}, { signatures: 1 })),
  },
  {
    reason: 'wrong chain: validly signed, but for another chain id',
    code: ErrorCode.WRONG_CHAIN,
    on: 'header',
    attack: (g) => tamperHeader(g, (b) => forge(g, b, { chainId: new Uint8Array(8).fill(7) })),
  },
  {
    reason: 'stale: a validly signed header at the trusted height that is not the trusted one',
    code: ErrorCode.NOT_NEWER,
    on: 'header',
    attack: (g) => g.inject(g.topics.header, forge(g, g.blocks[0]!.block, { stateRoot: new Uint8Array(32).fill(1) }), true),
  },
  {
    reason: 'future: header time an hour ahead of the device clock',
    code: ErrorCode.FROM_FUTURE,
    on: 'header',
    attack: (g) => tamperHeader(g, (b) => forge(g, b, { time: g.clock.now() + 3_600_000 })),
  },
  {
    reason: 'unknown validator set on the adjacent header (carries its own set)',
    code: ErrorCode.VALSET_MISMATCH,
    on: 'header',
    attack: (g) => tamperHeader(g, (b) => forge(g, b, {}, { set: unknownSet(g), includeSet: true })),
  },
  {
    reason: 'unknown validator set far ahead: the range from the gateway never leads to it',
    code: ErrorCode.VALSET_CHANGED,
    on: 'header',
    attack: (g) => g.inject(g.topics.header, forge(g, g.blocks[0]!.block, { height: 5, time: g.clock.now() }, { set: unknownSet(g), includeSet: true }), true),
  },
  {
    reason: 'undecodable light block',
    code: ErrorCode.MALFORMED_CBOR,
    on: 'header',
    attack: (g) => tamperHeader(g, (b) => encodeLightBlock(b).slice(0, 40)),
  },
  {
    reason: 'bad proof: wrong path (a sibling hash flipped)',
    code: ErrorCode.BAD_PROOF,
    on: 'proof',
    attack: (g) => tamperProof(g, (p) => mapProofs(p, (proof) => ({ ...proof, path: proof.path.map((h, i) => (i === 0 ? h.map((x, j) => (j === 0 ? x ^ 1 : x)) : h)) }))),
  },
  {
    reason: 'bad proof: wrong tree size (the root alone does not bind it)',
    code: ErrorCode.PROOF_SHAPE,
    on: 'proof',
    attack: (g) => tamperProof(g, (p) => mapProofs(p, (proof) => ({ ...proof, size: proof.size + 1 }))),
  },
  {
    reason: 'proof for another transaction of the block, sent as ours',
    code: ErrorCode.BAD_PROOF,
    on: 'proof',
    attack: (g) => tamperProof(g, (p) => mapProofs(p, (proof, _seq, height) => {
      const block = g.blocks[height - 1]!;
      return inclusionProof(g.crypto, block.ids, (proof.index + 1) % block.ids.length);
    })),
  },
];

test('a malicious gateway: every lie rejected with its code, reported, and nothing final on it', (t) => {
  for (const row of rows) {
    const { clock, gateway, device } = scenario({ config: { samplingIntervalMs: 3_600_000, proofTimeoutMs: 3_600_000 } }, { blockIntervalMs: 0, checkpointEvery: 0 });
    gateway.produceBlock(); // block 1: the enrolment
    device.start();
    clock.advance(50);
    device.peer.sampleNow();
    device.peer.sampleNow();
    clock.advance(50);
    t.is(device.status.trustedHeight, 1, `${row.reason}: setup`);
    // Both accepted, so neither is acked yet: the proof is the ack (§9.2).
    t.is(gateway.pendingCount, 2, `${row.reason}: setup`);
    row.attack(gateway);
    clock.advance(200);
    const s = device.status;
    const events = device.of(row.on === 'header' ? 'header-rejected' : 'proof-rejected');
    t.true(events.some((e) => e.code === row.code), `${row.reason}: expected ${errorName(row.code)}, got ${events.map((e) => errorName(e.code)).join(', ') || 'nothing'}`);
    t.is(s.lastError?.code, row.code, `${row.reason}: lastError`);
    t.true((row.on === 'header' ? s.counters.headersRejected : s.counters.proofsRejected) >= 1, `${row.reason}: counted`);
    t.is(s.counters.final, 0, `${row.reason}: nothing final`);
    t.is(device.outbox.size, 2, `${row.reason}: outbox kept`);
    if (row.on === 'header') t.is(s.trustedHeight, 1, `${row.reason}: trust unchanged`);
  }
});

test('after a rejected proof, the honest proof (asked for later) makes it final', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1)] });
  gateway.tamper = (topic, payload) => {
    if (!topic.endsWith('/proof')) return payload;
    return mapProofs(payload, (proof) => ({ ...proof, size: proof.size + 1 }));
  };
  device.start();
  clock.advance(5_000);
  t.is(device.status.counters.proofsRejected, 1);
  t.is(device.status.counters.final, 0);
  gateway.tamper = undefined;
  clock.advance(20_000);
  t.deepEqual(device.of('final').map((e) => e.seq), [1]);
  t.true(gateway.requests.some((r) => r.request.method === Method.PROOF));
});

test('validator-set change while offline: HEADER_RANGE, verified header by header, then skipping again', (t) => {
  const { clock, gateway, device } = scenario({}, { blockIntervalMs: 0, checkpointEvery: 0 });
  gateway.produceBlock();
  device.start();
  clock.advance(1_100);
  gateway.produceBlock();
  clock.advance(100);
  t.is(device.status.counters.final, 1);
  gateway.setNetwork(false);
  for (let i = 0; i < 10; i++) {
    clock.advance(1_000);
    gateway.produceBlock();
  }
  gateway.changeValidators([1, 2, 3, 4], 3); // announced by block 13, signing from block 14 on
  for (let i = 0; i < 10; i++) {
    clock.advance(1_000);
    gateway.produceBlock();
  }
  t.is(gateway.height, 22);
  gateway.setNetwork(true);
  clock.advance(3_000);
  const ranges = gateway.requests.filter((r) => r.device === device.hex && r.request.method === Method.HEADER_RANGE).map((r) => r.request.params);
  t.deepEqual(ranges, [[3, 10], [11, 18]], 'adjacent ranges from trusted + 1, until the change is behind; then one skip');
  t.is(device.status.counters.headersRejected, 0);
  t.true(device.status.trustedHeight >= 22);
  // Under the new set (3 of 4), new blocks keep verifying and transactions keep becoming final.
  gateway.autoBlocks = true;
  const finalBefore = device.status.counters.final;
  for (let i = 0; i < 5; i++) {
    clock.advance(1_000);
    gateway.produceBlock();
  }
  clock.advance(500);
  t.true(device.status.counters.final > finalBefore);
  t.is(device.status.trustedHeight, gateway.height);
  t.is(device.kv.writes.get('bp.trust')! >= 2, true, 'the set change was persisted at once');
});

test('trust expiry: UNTRUSTED, then re-anchored on the retained checkpoint', (t) => {
  const trust = { trustPeriodMs: 60_000, maxClockDriftMs: 5_000 };
  const { clock, gateway, device } = scenario({ config: { trust, samplingIntervalMs: 5_000 } }, { checkpointEvery: 5 });
  device.start();
  clock.advance(6_000);
  t.is(device.status.state, PeerState.ONLINE);
  gateway.setNetwork(false);
  clock.advance(90_000);
  t.is(device.status.state, PeerState.OFFLINE);
  gateway.produceBlock();
  gateway.publishCheckpoint();
  gateway.setNetwork(true);
  clock.advance(3_000);
  t.true(device.of('state').some((e) => e.state === PeerState.UNTRUSTED));
  t.is(device.of('anchored').length, 1);
  t.is(device.status.state, PeerState.ONLINE);
  t.true(device.status.trustedHeight >= gateway.lastCheckpoint!.header.height);
  clock.advance(20_000);
  t.true(device.status.counters.final >= 18, 'everything signed while away became final after re-anchoring');
  t.is(device.outbox.size <= 2, true);
});

test('trust expiry without a retained checkpoint: CHECKPOINT request; a forged checkpoint is refused', (t) => {
  const trust = { trustPeriodMs: 60_000, maxClockDriftMs: 5_000 };
  const { clock, gateway, device } = scenario({ config: { trust, samplingIntervalMs: 5_000, recheckIntervalMs: 10_000 } }, { checkpointEvery: 0 });
  device.start();
  clock.advance(4_000);
  gateway.setNetwork(false);
  const finalBefore = device.status.counters.final;
  clock.advance(90_000);
  gateway.produceBlock();
  // A checkpoint signed by a validator instead of the operator, on the retained topic.
  const latest = gateway.blocks[gateway.height - 1]!;
  const forged: Checkpoint = signCheckpoint(gateway.crypto, latest.block.header, latest.set, gateway.validatorKeys[0]!.privateKey);
  gateway.inject(gateway.topics.checkpoint, encodeCheckpoint(forged), true);
  gateway.setNetwork(true);
  clock.advance(3_000);
  t.true(device.of('header-rejected').some((e) => e.code === ErrorCode.BAD_CHECKPOINT_SIGNATURE));
  t.is(device.status.state, PeerState.UNTRUSTED);
  t.true(gateway.requests.some((r) => r.device === device.hex && r.request.method === Method.CHECKPOINT));
  t.true(device.status.counters.acked > finalBefore, 'sent and acknowledged meanwhile');
  t.is(device.status.counters.final, finalBefore, 'nothing final while untrusted');
  // The operator's checkpoint, by request (asked again every recheckIntervalMs).
  gateway.lastCheckpoint = signCheckpoint(gateway.crypto, latest.block.header, latest.set, gateway.operator.privateKey);
  clock.advance(12_000);
  t.is(device.of('anchored').length, 1);
  t.is(device.status.state, PeerState.ONLINE);
});

test('a proof for a block the peer skipped: the past header is fetched and verified', (t) => {
  const { clock, gateway, device } = scenario({ sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2100, 1, 1)] }, { blockIntervalMs: 0, checkpointEvery: 0 });
  gateway.produceBlock();
  device.start();
  clock.advance(1_100); // sampled, sent, accepted (no ack: the proof will be the ack)
  t.is(gateway.pendingCount, 1);
  gateway.setNetwork(false);
  for (let i = 0; i < 10; i++) {
    gateway.produceBlock(); // the transaction is in block 2; its pushed proof is lost
    clock.advance(1_000);
  }
  gateway.setNetwork(true);
  clock.advance(3_000);
  t.deepEqual(device.of('header').map((e) => e.height), [1, 11], 'skipped straight to the newest header');
  t.deepEqual(device.of('final').map((e) => [e.seq, e.height]), [[1, 2]]);
  t.true(gateway.requests.some((r) => r.request.method === Method.HEADER_RANGE && r.request.params[0] === 2 && r.request.params[1] === 2));
});

test('the trusted header survives a reboot; written at most every trustSaveIntervalMs otherwise', (t) => {
  const eager = scenario({ config: { trustSaveIntervalMs: 0 } });
  eager.device.start();
  eager.clock.advance(10_000);
  const height = eager.device.status.trustedHeight;
  t.true(height >= 9);
  eager.device.crash();
  eager.device.boot();
  t.is(eager.device.status.trustedHeight, height, 'trust restored before any message');

  const frugal = scenario({ seed: 5 });
  frugal.device.start();
  frugal.clock.advance(120_000);
  t.true(frugal.device.status.trustedHeight >= 100);
  t.is(frugal.device.kv.writes.get('bp.trust'), 1, 'one write in two minutes of blocks');
  const before = frugal.device.status.trustedHeight;
  frugal.device.peer.stop();
  t.is(frugal.device.kv.writes.get('bp.trust'), 2, 'stop() writes the newest');
  frugal.device.boot();
  t.is(frugal.device.status.trustedHeight, before);
});

test('a corrupt stored trusted header falls back to the genesis and still syncs', (t) => {
  const { clock, device } = scenario();
  device.kv.set('bp.trust', new Uint8Array([0x83, 0x01, 0x02]));
  device.boot();
  device.start();
  clock.advance(5_000);
  t.true(device.logs.some((l) => l.includes('starting from the genesis')));
  t.true(device.status.counters.final >= 3);
});
