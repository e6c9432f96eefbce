// A real gateway for tests (test layer): a fresh chain in a temp folder, the
// gateway on free ports, and helpers to enrol devices through the operator key.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CryptoProvider, type KeyPair, Permission, TxKind, createNobleCrypto, enrollBody, errorName, generateKeyPair,
} from '../../src/index.js';
import { type ChainFiles, initChain } from '../../tools/gateway/data-dir.js';
import { type Gateway, type GatewayOptions, startGateway } from '../../tools/gateway/gateway.js';
import { type MqttDevice, connectDevice } from './mqtt-device.js';

export const crypto: CryptoProvider = createNobleCrypto();

export function makeChainDir(name = 'test'): { dir: string; chain: ChainFiles; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-'));
  const chain = initChain(crypto, { dir, name, permission: Permission.PRIVATE, otherValidators: [] });
  return { dir, chain, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestGateway(dir: string, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  return startGateway({ dataDir: dir, mqttPort: 0, producer: { intervalMs: 50, heartbeatMs: 60_000 }, verifyWorkers: 2, ...options });
}

let randomCounter = 0;
/** Deterministic per run but distinct keys. */
export function newDeviceKey(): KeyPair {
  return generateKeyPair(crypto, (n) => crypto.sha256(new TextEncoder().encode(`device ${process.pid} ${randomCounter++}`)).slice(0, n));
}

/** Enrols devices by publishing ENROLL transactions signed by the operator, and waits for their acks. */
export async function enroll(url: string, chain: ChainFiles, keys: readonly KeyPair[], firstSeq = 1): Promise<void> {
  const operator = await connectDevice(url, crypto, chain.chainId, chain.operatorKey!);
  try {
    for (let i = 0; i < keys.length; i++) {
      await operator.send({ kind: TxKind.ENROLL, sender: operator.id, seq: firstSeq + i, time: Math.floor(Date.now() / 1000), body: enrollBody(keys[i]!.publicKey) });
    }
    await operator.waitFor(() => operator.acks.size === keys.length, 'enrolment acks');
    for (const [seq, ack] of operator.acks) if (ack.code !== 0) throw new Error(`enrolment ${seq} rejected: ${errorName(ack.code)}`);
  } finally {
    await operator.close();
  }
}

export async function connectAll(url: string, chain: ChainFiles, keys: readonly KeyPair[]): Promise<MqttDevice[]> {
  return Promise.all(keys.map((k) => connectDevice(url, crypto, chain.chainId, k)));
}
