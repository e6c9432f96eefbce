// The light-peer scenario run on both engines (test layer, platform-neutral):
// test/xs/peer-scenario-entry.ts runs it under XS, test/peer-xs.test.ts runs it
// on Node too and compares. Sample → sign → publish → ack → header → proof →
// final for three transactions; a header with a forged commit signature and a
// proof with a wrong tree size, both rejected (the honest proof, asked for
// later, then makes that transaction final); and a transaction whose block the
// peer skipped while offline, final through a fetched past header
// (verifyPastHeader). Virtual time and seeded keys make the summary identical
// on every engine.

import { ErrorCode, Method, Quantity, createNobleCrypto, decodeLightBlock, encodeLightBlock, errorName } from '../../src/index.js';
import { FakeGateway, mapProofs } from './fake-gateway.js';
import { rampSensor } from './fake-sensors.js';
import { DeviceHarness } from './peer-harness.js';
import { START_MS } from './scenario.js';
import { VirtualClock } from './virtual-clock.js';

export interface PeerScenarioSummary {
  readonly deviceId: string;
  readonly finalSeqs: number[];
  /** Ids of the transactions the gateway received, in order: equal on both engines only if the signing is byte-identical. */
  readonly txIds: string[];
  readonly outboxAfterForgery: number;
  readonly outbox: number;
  readonly state: string;
  readonly trustedHeight: number;
  readonly heightBeforeForgery: number;
  readonly gatewayHeight: number;
  readonly counters: Record<string, number>;
  readonly headerRejected: string[];
  readonly proofRejected: string[];
  readonly lastError: string | undefined;
  /** HEADER_RANGE requests for one past height: [from, to]. */
  readonly pastHeaderRequests: number[][];
  readonly skippedBlockHeight: number;
  readonly finalHeights: number[];
}

export function runPeerScenario(): PeerScenarioSummary {
  const crypto = createNobleCrypto();
  const clock = new VirtualClock(START_MS);
  const gateway = new FakeGateway({ crypto, clock, checkpointEvery: 0 });
  const device = new DeviceHarness(gateway, { seed: 7, sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2137, 3, 3)] });
  device.start();
  clock.advance(6_000);
  const heightBeforeForgery = device.status.trustedHeight;

  // A header whose first commit signature has one bit flipped.
  gateway.tamper = (topic, payload) => {
    if (topic !== gateway.topics.header) return payload;
    const block = decodeLightBlock(payload);
    const signatures = block.commit.signatures.map((s, i) => (i === 0 ? { ...s, signature: s.signature.map((b, j) => (j === 5 ? b ^ 0x10 : b)) } : s));
    return encodeLightBlock({ ...block, commit: { ...block.commit, signatures } });
  };
  gateway.produceBlock();
  clock.advance(100);
  // A proof whose tree size is wrong, for a transaction of an honest block.
  gateway.tamper = (topic, payload) => {
    if (!topic.endsWith('/proof')) return payload;
    return mapProofs(payload, (proof) => ({ ...proof, size: proof.size + 1 }));
  };
  device.sensors[0]!.limit = 4;
  clock.advance(3_000);
  gateway.tamper = undefined;
  const outboxAfterForgery = device.outbox.size;

  // Offline while its block and three more are cut: the peer skips to the newest header,
  // asks for the proof, and verifies the skipped block's header on its own.
  gateway.autoBlocks = false;
  device.sensors[0]!.limit = 5;
  clock.advance(1_000);
  gateway.setNetwork(false);
  const skippedBlockHeight = gateway.produceBlock();
  for (let i = 0; i < 3; i++) gateway.produceBlock();
  gateway.setNetwork(true);
  clock.advance(15_000);

  const status = device.status;
  return {
    deviceId: device.hex,
    finalSeqs: device.of('final').map((e) => e.seq),
    txIds: gateway.seen.filter((s) => s.device === device.hex).map((s) => s.txId),
    outboxAfterForgery,
    outbox: device.outbox.size,
    state: status.state,
    trustedHeight: status.trustedHeight,
    heightBeforeForgery,
    gatewayHeight: gateway.height,
    counters: { ...status.counters },
    headerRejected: device.of('header-rejected').map((e) => errorName(e.code)),
    proofRejected: device.of('proof-rejected').map((e) => `${e.seq}:${errorName(e.code)}`),
    lastError: status.lastError ? errorName(status.lastError.code) : undefined,
    pastHeaderRequests: gateway.requests
      .filter((r) => r.request.method === Method.HEADER_RANGE && r.request.params[0] === r.request.params[1])
      .map((r) => r.request.params as number[]),
    skippedBlockHeight,
    finalHeights: device.of('final').map((e) => e.height),
  };
}

export const EXPECTED_REJECTIONS = Object.freeze({ header: errorName(ErrorCode.BAD_COMMIT_SIGNATURE), proof: `4:${errorName(ErrorCode.PROOF_SHAPE)}` });
