// Building blocks shared by the light-peer tests (test layer, platform-neutral):
// a virtual clock, a fake gateway on it, and devices.

import { createNobleCrypto, type CryptoProvider } from '../../src/index.js';
import { FakeGateway, type FakeGatewayOptions } from './fake-gateway.js';
import { DeviceHarness, type DeviceOptions } from './peer-harness.js';
import { VirtualClock } from './virtual-clock.js';

/** 2026-01-01T00:00:00Z. */
export const START_MS = 1_767_225_600_000;

let shared: CryptoProvider | undefined;
export function testCrypto(): CryptoProvider {
  shared ??= createNobleCrypto();
  return shared;
}

export interface Scenario {
  readonly clock: VirtualClock;
  readonly gateway: FakeGateway;
  readonly device: DeviceHarness;
}

export function scenario(device: DeviceOptions = {}, gateway: Partial<FakeGatewayOptions> = {}): Scenario {
  const clock = new VirtualClock(START_MS);
  const g = new FakeGateway({ crypto: testCrypto(), clock, ...gateway });
  return { clock, gateway: g, device: new DeviceHarness(g, device) };
}
