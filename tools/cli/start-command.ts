// `botpeer start` (tools layer), what `npm start` runs: the whole system on one
// machine in one process, on embedded defaults. Creates a chain in the data folder
// if there is none, starts the gateway (embedded MQTT broker, SQLite ledger, block
// producer, HTTP API) and a small fleet of simulated light peers that enrol, sign
// readings, send them over MQTT, verify every header and their own inclusion
// proofs, until Ctrl-C or --duration. Stops the fleet first (outboxes stay on
// disk), then the gateway (everything acknowledged is durable).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CryptoProvider, Permission, bytesToHex } from '../../src/index.js';
import { initChain } from '../gateway/data-dir.js';
import { type Gateway, startGateway } from '../gateway/gateway.js';
import { CliError, DEFAULT_DATA_DIR, ProgressLine, UsageError, intOption } from './cli-support.js';
import { prepareFleet, runFleet } from './fleet-run.js';
import { democracyFleet } from '../../hosts/desktop/democracy-sim.js';
import { type FleetCliOptions, fleetParameters } from './sim-command.js';

export interface StartOptions extends FleetCliOptions {
  readonly data: string;
  readonly name?: string | undefined;
  readonly mqttHost?: string | undefined;
  readonly mqttPort?: string | undefined;
  readonly httpHost?: string | undefined;
  readonly httpPort?: string | undefined;
  readonly blockInterval?: string | undefined;
  readonly verbose?: boolean | undefined;
}

export const START_DEFAULT_DEVICES = 5;

export async function runStart(crypto: CryptoProvider, options: StartOptions, out: (line: string) => void): Promise<number> {
  const mqttPort = intOption(options.mqttPort, '--mqtt-port', 1883, 0, 65535);
  const httpPort = intOption(options.httpPort, '--http-port', 8080, -1, 65535);
  const intervalMs = intOption(options.blockInterval, '--block-interval', 1000, 10, 3_600_000);
  const name = options.name ?? 'botpeer';
  if (new TextEncoder().encode(name).length > 32) throw new UsageError('--name must be at most 32 bytes', 'start');
  const parameters = fleetParameters(crypto, options, 'start', START_DEFAULT_DEVICES);
  const dir = options.data;

  if (!existsSync(join(dir, 'genesis.cbor'))) {
    let chain;
    try {
      chain = initChain(crypto, { dir, name, permission: Permission.PRIVATE, otherValidators: [] });
    } catch (error) {
      throw new CliError(`cannot create a chain in ${dir}: ${(error as Error).message}`);
    }
    out(`created chain ${bytesToHex(chain.chainId)} "${name}" in ${resolve(dir)} (private, this gateway validates; operator key in ${join(dir, 'keys')})`);
  }

  const progress = new ProgressLine(process.stdout, 5000);
  const blockLine = /^block \d+: /;
  let gateway: Gateway;
  try {
    gateway = await startGateway({
      dataDir: dir,
      mqttHost: options.mqttHost ?? '127.0.0.1',
      mqttPort,
      httpHost: options.httpHost ?? '127.0.0.1',
      httpPort,
      producer: { intervalMs },
      log: (line) => {
        if (options.verbose || !blockLine.test(line)) progress.log(`gateway: ${line}`);
      },
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new CliError(`${e.message}: another program (a gateway?) uses that port; pick others with --mqtt-port / --http-port`);
    throw new CliError(`the gateway did not start: ${e.message}`);
  }

  try {
    const { chain } = gateway;
    out(`gateway: chain ${bytesToHex(chain.chainId)}, height ${gateway.producer.height}; devices connect to ${gateway.mqttUrl}` +
      `${gateway.httpUrl ? `; HTTP API at ${gateway.httpUrl}` : ''}`);
    if (gateway.httpUrl) out(`explorer: open ${gateway.httpUrl}/ in a browser (metrics for Prometheus at ${gateway.httpUrl}/metrics)`);
    const fleetDir = options.fleetDir ?? join(dir, 'fleet');
    const fleet = await prepareFleet({
      crypto, genesis: chain.genesis, chainId: chain.chainId, dataDir: dir, fleetDir, count: parameters.count,
      brokerUrl: gateway.mqttUrl, peer: parameters.peer, durable: parameters.durable, timeoutMs: 10_000,
      ...(parameters.democracy ? democracyFleet() : {}),
      // The gateway is here: its working state (committed plus admitted) knows the operator's last seq.
      operatorNextSeq: async (operatorId) => (gateway.working().account(operatorId)?.lastSeq ?? 0) + 1,
    }, out, progress);
    out(`fleet: ${parameters.count} simulated device(s) in ${fleetDir}, a sampling every ${parameters.peer?.samplingIntervalMs} ms; ` +
      `${parameters.durationS > 0 ? `running ${parameters.durationS} s` : 'Ctrl-C stops'}`);
    await runFleet(fleet, { durationS: parameters.durationS, prefix: () => `height ${gateway.producer.height}` }, out, progress);
  } finally {
    await gateway.close();
  }
  out(`gateway stopped at height ${gateway.producer.height}; the ledger is in ${join(dir, 'ledger.sqlite')} (\`npx botpeer verify${dir === DEFAULT_DATA_DIR ? '' : ` --data ${dir}`}\` re-checks it)`);
  return 0;
}
