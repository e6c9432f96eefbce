// Device democracy on both engines (test layer, platform-neutral): test/xs/democracy-entry.ts
// runs it under XS, test/democracy-xs.test.ts on Node too and compares. Device A reports its
// temperature; device B has a watch rule "A above 30 °C → relay on, else off" and a recording
// relay. The gateway answers B's LATEST_READINGS requests honestly, then lies in every way a
// gateway can (a changed value, a key that is not A's, another device's transaction, a block B
// never verified, an answer that does not decode, A's older reading after a newer one, also
// after B reboots), and B must not switch for any of them; A's real reading over 30 °C then
// switches the relay on, only once its block's header is verified. Virtual time and seeded
// keys make the summary identical on every engine.

import {
  ErrorCode, Method, Quantity, TxKind, type CborValue, type Response, createNobleCrypto, decodeTx, encodeCbor, encodeReadingsAnswer,
  encodeTx, errorName, readingsBody, signTx, keyId,
} from '../../src/index.js';
import type { Actuator, Sensor } from '../../src/ports/index.js';
import { testKey } from '../support/chain-fixture.js';
import { FakeGateway } from './fake-gateway.js';
import { DeviceHarness } from './peer-harness.js';
import { START_MS } from './scenario.js';
import { VirtualClock } from './virtual-clock.js';

export interface DemocracySummary {
  readonly source: string;
  /** Every state the relay was set to, in order. */
  readonly relay: boolean[];
  /** Per phase: the relay's state after it and the refusals B reported during it (code names). */
  readonly phases: { name: string; relay: boolean | undefined; refused: string[] }[];
  /** B's switches: seq, height, value, and whether B had verified a header at that height before. */
  readonly actuated: { on: boolean; seq: number; height: number; mantissa: number; scale: number; headerFirst: boolean }[];
  readonly counters: Record<string, number>;
  readonly lines: string[];
}

/** A temperature the test sets (tenths of a degree). */
function settable(initial: number): Sensor & { value: number } {
  const sensor = { quantity: Quantity.TEMPERATURE_C, scale: -1, value: initial, sample: () => sensor.value };
  return sensor;
}

export function runDemocracyScenario(): DemocracySummary {
  const crypto = createNobleCrypto();
  const clock = new VirtualClock(START_MS);
  const gateway = new FakeGateway({ crypto, clock, checkpointEvery: 0 });
  const temperature = settable(250);
  const a = new DeviceHarness(gateway, { seed: 21, sensors: [temperature as unknown as import('./fake-sensors.js').FakeSensor] });
  const relay: boolean[] = [];
  const actuator: Actuator = { name: 'relay', set: (on) => void relay.push(on) };
  const b = new DeviceHarness(gateway, {
    seed: 22,
    actuators: [actuator],
    config: { rules: [{ source: a.hex, quantity: 'TEMPERATURE_C', comparison: 'above', threshold: '30', actuator: 'relay', then: true, otherwise: false }] },
  });
  const attacker = testKey(crypto, 'attacker');
  a.start();
  b.start();

  const phases: DemocracySummary['phases'] = [];
  let refusedSoFar = 0;
  const phase = (name: string, ms: number) => {
    clock.advance(ms);
    const refused = b.of('reading-refused').slice(refusedSoFar).map((e) => errorName(e.code));
    refusedSoFar += refused.length;
    phases.push({ name, relay: relay[relay.length - 1], refused });
  };
  const honest = () => {
    const latest = gateway.latestReadings(a.id)!;
    return { ...latest, key: gateway.account(a.id)!.key };
  };
  const lie = (make: () => Uint8Array[]) => {
    gateway.requestRule = (device, request) => {
      if (device !== b.hex || request.method !== Method.LATEST_READINGS) return undefined;
      const response: Response = { id: request.id, code: ErrorCode.OK, payloads: make() };
      return response;
    };
  };
  /** A's transaction with its temperature changed to 45.0 °C: A's signature no longer matches. */
  const hot = (wire: Uint8Array): Uint8Array => {
    const tx = decodeTx(wire);
    return encodeTx({ ...tx, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -1, interval: 0, values: [450] }]) });
  };

  phase('honest, 25.0 °C', 5_000);
  const old = honest();

  lie(() => {
    const h = honest();
    return encodeReadingsAnswer({ ...h, wire: hot(h.wire) });
  });
  phase('value changed, real proof', 3_000);

  lie(() => {
    const h = honest();
    const forged = encodeTx(signTx(crypto, gateway.chainId, { ...decodeTx(hot(h.wire)), seq: h.seq + 1 }, attacker.privateKey));
    return encodeReadingsAnswer({ ...h, wire: forged, seq: h.seq + 1, key: attacker.publicKey });
  });
  phase('signed by another key', 3_000);

  lie(() => {
    const h = honest();
    const own = encodeTx(signTx(crypto, gateway.chainId, { kind: TxKind.READINGS, sender: keyId(crypto, attacker.publicKey), seq: 99, time: Math.floor(clock.now() / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -1, interval: 0, values: [450] }]) }, attacker.privateKey));
    return encodeReadingsAnswer({ ...h, wire: own, seq: 99, key: attacker.publicKey });
  });
  phase('another device\'s reading', 3_000);

  lie(() => {
    const h = honest();
    // A one-leaf block holding the forged transaction, at a height the chain has not reached.
    const wire = encodeTx({ ...decodeTx(hot(h.wire)), seq: 10_000 });
    return encodeReadingsAnswer({ ...h, wire, seq: 10_000, height: 1_000_000, proof: { index: 0, size: 1, path: [] } });
  });
  phase('a block B never verified', 15_000);

  lie(() => [encodeCbor([1, 2, 3] as CborValue), new Uint8Array([0x80]), new Uint8Array([0x41])]);
  phase('an answer that does not decode', 3_000);
  gateway.requestRule = undefined;

  temperature.value = 312;
  phase('honest, 31.2 °C', 5_000);

  lie(() => encodeReadingsAnswer(old));
  phase('A\'s older reading replayed', 3_000);

  b.reboot();
  phase('replayed again after B rebooted', 5_000);
  gateway.requestRule = undefined;

  temperature.value = 280;
  phase('honest, 28.0 °C', 5_000);

  const headerHeights: number[] = [];
  const actuated: DemocracySummary['actuated'] = [];
  for (const event of b.events) {
    if (event.type === 'header') headerHeights.push(event.height);
    if (event.type === 'actuated') {
      actuated.push({ on: event.on, seq: event.seq, height: event.height, mantissa: event.mantissa, scale: event.scale, headerFirst: headerHeights.some((h) => h >= event.height) });
    }
  }
  return {
    source: a.hex,
    relay,
    phases,
    actuated,
    counters: { ...b.status.counters },
    lines: b.logs.filter((l) => l.includes('proven')).map((l) => l.replace(a.hex, 'A')),
  };
}
