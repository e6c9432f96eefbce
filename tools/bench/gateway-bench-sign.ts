// Pre-signs part of the gateway benchmark's transactions in a process of its own
// (tools layer, Node only), so signing uses every core before the measured window:
//
//   node --import=tsx tools/bench/gateway-bench-sign.ts '{"chainIdHex":…,"from":0,"to":50,"perDevice":2000,"time":…,"out":"…"}'
//
// writes devices from..to-1, seq 1..perDevice each, to `out` (see encodeStock) and exits.

import { writeFileSync } from 'node:fs';
import { hexToBytes } from '../../src/index.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { benchDevice, encodeStock, readingTx } from './gateway-bench-common.js';

interface SignJob {
  readonly chainIdHex: string;
  readonly from: number;
  readonly to: number;
  readonly perDevice: number;
  readonly time: number;
  readonly out: string;
}

const job = JSON.parse(process.argv[2] ?? '{}') as SignJob;
const crypto = createNativeCrypto();
const chainId = hexToBytes(job.chainIdHex);
const wires: Uint8Array[] = [];
for (let d = job.from; d < job.to; d++) {
  const device = benchDevice(crypto, d);
  for (let seq = 1; seq <= job.perDevice; seq++) wires.push(readingTx(crypto, chainId, device, seq, job.time));
}
writeFileSync(job.out, encodeStock(wires));
