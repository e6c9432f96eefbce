// One desktop device in a process of its own, for the kill -9 test (test layer, Node only):
//
//   node --import=tsx test/support/desktop-device-child.ts '<json: {dir, dataDir, host, port, intervalMs}>'
//
// Opens the device in <dir> (hosts/desktop/device.ts: file store and outbox with fsync, the
// MQTT client over TCP) for the chain in <dataDir>, starts it, and prints every peer event as
// one JSON line with writeSync, so a line has left the process before the peer goes on:
//
//   {"event":"ready","id":"<device hex>","outbox":[seq…]}   the outbox it resumes from
//   {"event":"peer","type":"signed","seq":…,…}                every PeerEvent, as emitted
//
// SIGTERM stops the peer and exits 0; SIGKILL is the point of the test.

import { writeSync } from 'node:fs';
import { openDevice } from '../../hosts/desktop/device.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { loadChain } from '../../tools/gateway/data-dir.js';

interface Config {
  dir: string;
  dataDir: string;
  host: string;
  port: number;
  intervalMs: number;
}

const emit = (event: Record<string, unknown>) => void writeSync(1, JSON.stringify(event) + '\n');

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const crypto = createNativeCrypto();
const { genesis } = loadChain(crypto, config.dataDir);
const device = openDevice({
  dir: config.dir, genesis, crypto, broker: { host: config.host, port: config.port },
  peer: { samplingIntervalMs: config.intervalMs, proofTimeoutMs: 1000 },
  mqtt: { backoff: { minMs: 50, maxMs: 500 } },
  log: () => {},
});
device.onEvent((event) => emit({ event: 'peer', ...event }));
emit({ event: 'ready', id: device.idHex, outbox: device.status().outbox });
device.start();
process.once('SIGTERM', () => {
  device.stop();
  process.exit(0);
});
