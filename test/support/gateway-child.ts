// A gateway in its own process, for crash tests (test layer, Node only):
//
//   node --import=tsx test/support/gateway-child.ts <dataDir> <mqttPort> [optionsJson]
//
// starts startGateway on the chain in <dataDir> with the embedded broker on
// 127.0.0.1:<mqttPort> (0 picks a free port), merging optionsJson (a JSON
// object of GatewayOptions: producer, rateLimits, verifyWorkers, brokerUrl…)
// over test defaults. It reports on stdout, one JSON object per line, written
// with writeSync so that every line leaves the process before the next step:
//
//   {"event":"ready","pid":…,"mqttUrl":"mqtt://127.0.0.1:…","height":H,"pending":P}
//                                   H, P: what it recovered from the ledger
//   {"event":"height","height":H}   the producer committed block H (polled every 20 ms)
//   {"event":"log","line":"…"}      the gateway's own log
//   {"event":"error","message":"…","code":"EADDRINUSE"?}   start failed; exit code 2
//
// It then runs until it is killed. SIGTERM closes the gateway cleanly and exits 0.

import { writeSync } from 'node:fs';
import { type Gateway, type GatewayOptions, startGateway } from '../../tools/gateway/gateway.js';

const emit = (event: Record<string, unknown>): void => {
  writeSync(1, `${JSON.stringify(event)}\n`);
};

async function main(): Promise<void> {
  const [dataDir, portArg, optionsJson] = process.argv.slice(2);
  if (!dataDir || portArg === undefined || !/^\d+$/.test(portArg)) {
    throw new Error('usage: gateway-child.ts <dataDir> <mqttPort> [optionsJson]');
  }
  const extra = (optionsJson ? JSON.parse(optionsJson) : {}) as Partial<GatewayOptions>;
  const gateway: Gateway = await startGateway({
    mqttHost: '127.0.0.1',
    verifyWorkers: 2,
    producer: { intervalMs: 100, heartbeatMs: 60_000 },
    ...extra,
    dataDir,
    mqttPort: Number(portArg),
    log: (line) => emit({ event: 'log', line }),
  });
  let height = gateway.producer.height;
  emit({ event: 'ready', pid: process.pid, mqttUrl: gateway.mqttUrl, height, pending: gateway.producer.pendingCount });

  const poll = setInterval(() => {
    if (gateway.producer.height !== height) {
      height = gateway.producer.height;
      emit({ event: 'height', height });
    }
  }, 20);

  process.once('SIGTERM', () => {
    clearInterval(poll);
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        emit({ event: 'error', message: `close failed: ${String(error)}` });
        process.exit(3);
      },
    );
  });
}

main().catch((error: unknown) => {
  const code = (error as { code?: unknown } | undefined)?.code;
  emit({ event: 'error', message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) });
  process.exit(2);
});
