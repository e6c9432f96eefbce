// Property tests of the light peer (fast-check): whatever arrives on the
// topics a gateway writes to — random bytes, random well-formed CBOR, or honest
// messages with bytes flipped — no handler throws and nothing becomes final
// without a proof against a header the peer verified.

import test from 'ava';
import fc from 'fast-check';
import { type CborValue, DeviceTopic, encodeCbor, encodeCheckpoint, signCheckpoint } from '../src/index.js';
import { scenario } from './fakes/scenario.js';

const cborValue: fc.Arbitrary<CborValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -1000, max: 100_000 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 5 }),
  ),
})).value as fc.Arbitrary<CborValue>;

const topicKinds = ['ack', 'proof', 'res', 'header', 'checkpoint'] as const;

test('random input on every gateway topic never throws and never makes anything final', (t) => {
  const { clock, gateway, device } = scenario({ config: { samplingIntervalMs: 3_600_000 } }, { blockIntervalMs: 0, checkpointEvery: 0 });
  gateway.produceBlock();
  device.start();
  clock.advance(50);
  device.peer.sampleNow();
  device.peer.sampleNow();
  clock.advance(50);
  // Block 2 holds both transactions; the device never sees it, so no proof of them can check.
  gateway.tamper = () => undefined;
  gateway.produceBlock();
  const genuineBlock = gateway.blocks[1]!.bytes;
  const checkpoint = encodeCheckpoint(signCheckpoint(gateway.crypto, gateway.blocks[1]!.block.header, gateway.blocks[1]!.set, gateway.operator.privateKey));
  gateway.tamper = undefined;
  gateway.pushProofs = false;
  gateway.requestRule = () => 'drop'; // nothing honest comes back either
  const topicOf = (kind: (typeof topicKinds)[number]) =>
    kind === 'header' ? gateway.topics.header
      : kind === 'checkpoint' ? gateway.topics.checkpoint
        : gateway.topics.device(device.id, kind === 'ack' ? DeviceTopic.ACK : kind === 'proof' ? DeviceTopic.PROOF : DeviceTopic.RESPONSE);
  const flip = (bytes: Uint8Array, at: number, mask: number) => bytes.map((b, i) => (i === at % bytes.length ? b ^ (mask || 1) : b));

  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    cborValue.map((v) => encodeCbor(v)),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => flip(genuineBlock, at, mask)),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => flip(checkpoint, at, mask)),
    fc.tuple(fc.constantFrom(1, 2), fc.nat({ max: 5 }), cborValue).map(([seq, height, proof]) => encodeCbor([seq, height, proof])),
    // Well-formed proof messages for our own seqs: they decode, so only verification stands in the way.
    fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2), fc.nat({ max: 3 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 3 }))
      .map(([seq, height, index, size, path]) => encodeCbor([seq, height, [index, size, path]])),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...topicKinds), payload), { minLength: 1, maxLength: 8 }), (messages) => {
      for (const [kind, bytes] of messages) gateway.inject(topicOf(kind), bytes);
      clock.advance(1_100); // delivered, and one maintenance tick (which asks for proofs)
      const s = device.status;
      return s.counters.final === 0 && device.of('final').length === 0 && s.trustedHeight <= 2;
    }),
    { numRuns: 300 },
  );
  const s = device.status;
  t.is(s.counters.final, 0);
  t.true(s.counters.badMessages + s.counters.headersRejected + s.counters.proofsRejected > 100, 'the inputs reached the handlers');
  t.false(device.logs.some((l) => l.includes('unexpected')), 'no handler failed unexpectedly');
});
