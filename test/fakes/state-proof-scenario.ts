// State proofs on the light peer, run on both engines (test layer, platform-neutral):
// test/xs/state-proof-entry.ts runs it under XS, test/state-proof-xs.test.ts on Node too and
// compares. The peer proves "I am enrolled" and "I am not blocked" against headers it verified;
// then the fake gateway lies (a changed value, a membership proof offered as absence, a proof
// for another key, a height the chain never reaches) and every lie is refused with its code; then,
// after the gateway blocks another device, the peer proves "that device is blocked".
// Virtual time and seeded keys make the summary identical on every engine.

import {
  BotError, ContractId, ErrorCode, Method, Quantity, type StateFact, type StateProofAnswer, bytesToHex, contractNamespace, createNobleCrypto,
  encodeResponse, encodeStateAnswer, errorName, decodeResponse,
} from '../../src/index.js';
import { FakeGateway } from './fake-gateway.js';
import { rampSensor } from './fake-sensors.js';
import { DeviceHarness } from './peer-harness.js';
import { START_MS } from './scenario.js';
import { VirtualClock } from './virtual-clock.js';

export interface StateProofScenarioSummary {
  readonly deviceId: string;
  readonly otherId: string;
  readonly enrolled: { present: boolean; height: number; value: string | undefined };
  readonly notBlocked: { present: boolean; height: number };
  /** Each lie's name and the code it was refused with. */
  readonly lies: string[];
  readonly blocked: { present: boolean; height: number; value: string | undefined };
  readonly trustedHeight: number;
  /** The peer's trusted height when the blocked answer came: below the answer's. */
  readonly trustedBeforeBlocked: number;
  /** HEADER_RANGE [h, h] requests for the blocked answer's height: the header fetched above trust. */
  readonly newerHeaderRequests: number;
  readonly stateProofRequests: number;
}

type Outcome = StateFact | { code: string };

export async function runStateProofScenario(): Promise<StateProofScenarioSummary> {
  const crypto = createNobleCrypto();
  const clock = new VirtualClock(START_MS);
  const gateway = new FakeGateway({ crypto, clock, checkpointEvery: 0 });
  const device = new DeviceHarness(gateway, { seed: 9, sensors: [rampSensor(Quantity.TEMPERATURE_C, -2, 2137, 3, 2)] });
  const other = new DeviceHarness(gateway, { seed: 10 });
  device.start();
  clock.advance(6_000);
  const registry = contractNamespace(ContractId.REGISTRY);
  const blocklist = contractNamespace(ContractId.BLOCKLIST);

  /** Asks, lets virtual time run (responses, maintenance ticks), and returns the fact or the code. */
  const prove = async (namespace: Uint8Array, key: Uint8Array, ms = 500): Promise<Outcome> => {
    const asked = device.peer.proveState(namespace, key).then(
      (fact) => fact,
      (error: unknown) => ({ code: error instanceof BotError ? errorName(error.code) : String(error) }),
    );
    clock.advance(ms);
    return asked;
  };
  const fact = (o: Outcome) => {
    if ('code' in o) throw new Error(`refused: ${o.code}`);
    return o;
  };

  const enrolled = fact(await prove(registry, device.id));
  const notBlocked = fact(await prove(blocklist, device.id));

  // The gateway lies about "is this device enrolled?".
  const lie = (name: string, forge: (honest: StateProofAnswer) => Uint8Array[]) => ({ name, forge });
  const lies = [
    lie('a changed value', (h) => {
      const value = Uint8Array.from(h.value!);
      value[0] ^= 1;
      return encodeStateAnswer({ ...h, value });
    }),
    lie('a membership proof offered as absence', (h) => encodeStateAnswer({ ...h, value: undefined })),
    lie('the other device\'s entry', () => encodeStateAnswer(gateway.stateAnswer(registry, other.id))),
    lie('a height the chain never reaches', (h) => encodeStateAnswer({ ...h, height: h.height + 1000 })),
  ];
  const refused: string[] = [];
  for (const l of lies) {
    gateway.requestRule = (_device, request) => {
      if (request.method !== Method.STATE_PROOF) return undefined;
      return decodeResponse(encodeResponse({ id: request.id, code: ErrorCode.OK, payloads: l.forge(gateway.stateAnswer(registry, device.id)) }));
    };
    // A height never reached is given up after the request timeout (10 s by default).
    const outcome = await prove(registry, device.id, 12_000);
    refused.push(`${l.name}: ${'code' in outcome ? outcome.code : 'believed'}`);
  }
  gateway.requestRule = undefined;

  // The block with the report is cut while header pushes are lost: the answer names a height above
  // the peer's trust, and the peer fetches that header itself (HEADER_RANGE) and verifies it.
  gateway.tamper = (topic, payload) => (topic === gateway.topics.header ? undefined : payload);
  gateway.block(other.id);
  clock.advance(3_000);
  const trustedBeforeBlocked = device.status.trustedHeight;
  gateway.tamper = undefined;
  const blocked = fact(await prove(blocklist, other.id));
  const hex = (v: Uint8Array | undefined) => (v === undefined ? undefined : bytesToHex(v));
  return {
    deviceId: device.hex,
    otherId: other.hex,
    enrolled: { present: enrolled.present, height: enrolled.height, value: hex(enrolled.value) },
    notBlocked: { present: notBlocked.present, height: notBlocked.height },
    lies: refused,
    blocked: { present: blocked.present, height: blocked.height, value: hex(blocked.value) },
    trustedHeight: device.status.trustedHeight,
    trustedBeforeBlocked,
    newerHeaderRequests: gateway.requests.filter((r) => r.request.method === Method.HEADER_RANGE && r.request.params[0] === blocked.height && r.request.params[1] === blocked.height).length,
    stateProofRequests: gateway.requests.filter((r) => r.request.method === Method.STATE_PROOF).length,
  };
}
